"""Index lists of mediapipe's 478-point face mesh, ordered into polygons.

They are mediapipe's FACEMESH_* connection sets walked into closed loops or chains
(tests/test_mesh_topology.py checks they still match the installed mediapipe). "Right" here is
the person's right, which is the image's left in an unmirrored photo.
"""
from __future__ import annotations

N_MESH = 478

FACE_OVAL = [10, 109, 67, 103, 54, 21, 162, 127, 234, 93, 132, 58, 172, 136, 150, 149, 176, 148,
             152, 377, 400, 378, 379, 365, 397, 288, 361, 323, 454, 356, 389, 251, 284, 332, 297, 338]

# Lips: outer upper runs corner 61 -> 291 over the top; outer lower 291 -> 61 underneath.
LIPS_OUTER_UPPER = [61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291]
LIPS_OUTER_LOWER = [291, 375, 321, 405, 314, 17, 84, 181, 91, 146, 61]
LIPS_INNER_UPPER = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308]
LIPS_INNER_LOWER = [308, 324, 318, 402, 317, 14, 87, 178, 88, 95, 78]

UPPER_LIP = LIPS_OUTER_UPPER + LIPS_INNER_UPPER[::-1]
LOWER_LIP = LIPS_OUTER_LOWER + LIPS_INNER_LOWER[::-1]
INNER_MOUTH = LIPS_INNER_UPPER + LIPS_INNER_LOWER[1:-1]

RIGHT_EYE = [33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7]
LEFT_EYE = [263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249]

# Brows: lower edge outer -> inner, then upper edge inner -> outer.
RIGHT_BROW = [46, 53, 52, 65, 55] + [107, 66, 105, 63, 70]
LEFT_BROW = [276, 283, 282, 295, 285] + [336, 296, 334, 293, 300]

# Nose: mediapipe's FACEMESH_NOSE is a tree (bridge and nostrils); its convex hull, with the
# alae added, is the nose region.
NOSE = [168, 6, 197, 195, 5, 4, 1, 19, 94, 2, 98, 97, 326, 327, 294, 278, 344, 440, 275, 45, 220,
        115, 48, 64, 129, 358, 102, 331, 49, 279]

RIGHT_IRIS = [468, 469, 470, 471, 472]
LEFT_IRIS = [473, 474, 475, 476, 477]

# Symmetric pairs (person's right, person's left) used for head axes.
SYMMETRIC_PAIRS = [(33, 263), (133, 362), (61, 291), (234, 454), (93, 323), (132, 361),
                   (58, 288), (70, 300), (105, 334), (98, 327), (129, 358), (50, 280)]
FOREHEAD, CHIN, NOSE_TIP = 10, 152, 1


def tesselation_triangles() -> list[tuple[int, int, int]]:
    """The mesh's triangles: the 3-cliques of mediapipe's FACEMESH_TESSELATION edges (854; the
    eyes and the mouth opening are holes). Imports mediapipe."""
    from collections import defaultdict

    from mediapipe.python.solutions.face_mesh_connections import FACEMESH_TESSELATION
    edges = {frozenset(e) for e in FACEMESH_TESSELATION}
    adj: dict[int, set[int]] = defaultdict(set)
    for e in edges:
        a, b = tuple(e)
        adj[a].add(b)
        adj[b].add(a)
    tris = set()
    for e in edges:
        a, b = tuple(e)
        for c in adj[a] & adj[b]:
            tris.add(tuple(sorted((a, b, c))))
    return sorted(tris)
