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

# The mirror image of every mesh vertex (0-467): MIRROR[v] is the vertex on the other side of
# the face (midline vertices map to themselves). Found by optimal assignment between each
# vertex and the mirrored positions of all vertices on 28 near-frontal annotated and sample
# faces, averaged in the head's own frame; an involution (tests/test_mesh_topology.py).
MIRROR = [
    0, 1, 2, 248, 4, 5, 6, 249, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 250, 251, 252,
    253, 254, 255, 256, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270,
    271, 272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282, 283, 284, 285, 286, 287, 288,
    289, 290, 291, 292, 293, 294, 295, 296, 297, 298, 299, 300, 301, 302, 303, 304, 305, 306,
    307, 308, 309, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319, 320, 321, 322, 323, 94,
    324, 325, 326, 327, 328, 329, 330, 331, 332, 333, 334, 335, 336, 337, 338, 339, 340, 341,
    342, 343, 344, 345, 346, 347, 348, 349, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359,
    360, 361, 362, 363, 364, 365, 366, 367, 368, 369, 370, 371, 372, 373, 374, 375, 376, 377,
    378, 379, 151, 152, 380, 381, 382, 383, 384, 385, 386, 387, 388, 389, 390, 164, 391, 392,
    393, 168, 394, 395, 396, 397, 398, 399, 175, 400, 401, 402, 403, 404, 405, 406, 407, 408,
    409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 195, 419, 197, 420, 199, 200, 421, 422,
    423, 424, 425, 426, 427, 428, 429, 430, 431, 432, 433, 434, 435, 436, 437, 438, 439, 440,
    441, 442, 443, 444, 445, 446, 447, 448, 449, 450, 451, 452, 453, 454, 455, 456, 457, 458,
    459, 460, 461, 462, 463, 464, 465, 466, 467, 3, 7, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
    30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52,
    53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75,
    76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 95, 96, 97, 98, 99,
    100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117,
    118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135,
    136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 153, 154, 155,
    156, 157, 158, 159, 160, 161, 162, 163, 165, 166, 167, 169, 170, 171, 172, 173, 174, 176,
    177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194,
    196, 198, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216,
    217, 218, 219, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234,
    235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246, 247,
]


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
