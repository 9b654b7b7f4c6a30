"""From the dense 478-point mesh to the 68 iBUG landmarks and to head pose."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from inference import mesh_topology as topo

MAPPING_PATH = Path(__file__).resolve().parent / "data" / "mesh_to_68.npz"

# For each iBUG landmark (0-based: jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth 48-67),
# the mesh vertex nearest to it on average over annotated photos (300-W, menpo, AFLW2000-3D).
# Used when the calibrated mapping (MAPPING_PATH, bench/eval_landmarks.py --fit) is absent.
MESH_TO_68 = np.array([
    127, 234, 132, 58, 172, 136, 149, 148, 152, 400, 378, 365, 397, 435, 361, 454, 356,  # jaw
    70, 63, 105, 66, 107, 336, 296, 334, 293, 300,                                       # brows
    168, 197, 195, 4, 75, 99, 2, 328, 460,                                               # nose
    33, 160, 158, 173, 153, 144, 382, 385, 387, 263, 373, 380,                           # eyes
    61, 39, 37, 0, 267, 269, 291, 404, 315, 17, 84, 91,                                  # outer lips
    183, 38, 12, 268, 308, 317, 14, 87,                                                  # inner lips
])

# The chin-forehead line leans back from the head's vertical axis; AFLW2000-3D's pitch is
# measured from the latter (offset fitted on its photos).
PITCH_OFFSET_DEG = 4.5


@lru_cache(maxsize=1)
def _mapping() -> tuple[np.ndarray, np.ndarray]:
    """(indices (68, K), weights (68, K)): each landmark an affine combination of vertices."""
    if MAPPING_PATH.exists():
        with np.load(MAPPING_PATH, allow_pickle=False) as z:
            return z["indices"].astype(np.int64), z["weights"].astype(np.float64)
    return MESH_TO_68[:, None], np.ones((68, 1))


def mesh_to_68(mesh: np.ndarray) -> np.ndarray:
    """(478, 2|3) mesh in pixels -> (68, 2) iBUG landmarks in pixels."""
    idx, w = _mapping()
    return np.einsum("lk,lkc->lc", w, np.asarray(mesh, dtype=np.float64)[idx][:, :, :2])


def head_axes(mesh: np.ndarray) -> np.ndarray:
    """3x3 matrix whose columns are the head's x (person's right -> left ear), y (forehead ->
    chin) and z (face -> back of the head) axes in image coordinates (x right, y down, z away)."""
    m = np.asarray(mesh, dtype=np.float64)
    right, left = zip(*topo.SYMMETRIC_PAIRS)
    x = (m[list(left)] - m[list(right)]).mean(axis=0)
    x /= np.linalg.norm(x)
    y = m[topo.CHIN] - m[topo.FOREHEAD]
    y -= x * (y @ x)
    y /= np.linalg.norm(y)
    return np.stack([x, y, np.cross(x, y)], axis=1)


def head_pose(mesh: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees with AFLW2000-3D's Pose_Para signs: yaw > 0 when the face
    turns towards the image's left (the person's right), pitch > 0 when it looks up."""
    R = head_axes(mesh)
    x, y = R[:, 0], R[:, 1]
    yaw = np.degrees(np.arcsin(np.clip(-x[2], -1.0, 1.0)))
    pitch = -np.degrees(np.arctan2(y[2], y[1])) + PITCH_OFFSET_DEG
    roll = np.degrees(np.arctan2(x[1], x[0]))
    return float(yaw), float(pitch), float(roll)


def spans_across(mesh: np.ndarray) -> tuple[float, float]:
    """(width, depth) across the face: the 2D and the depth spans of its symmetric pairs (the
    left minus right vectors head_axes and head_pose read), each summed over the pairs."""
    right, left = (list(v) for v in zip(*topo.SYMMETRIC_PAIRS))
    d = np.asarray(mesh, np.float64)[left] - np.asarray(mesh, np.float64)[right]
    return float(np.linalg.norm(d[:, :2], axis=1).sum()), float(np.abs(d[:, 2]).sum())


def nudge_mesh(mesh: np.ndarray, landmark: int, delta: tuple[float, float], face_size: float,
               radius: float = 0.08) -> np.ndarray:
    """The mesh with one 68-point landmark moved by ``delta`` pixels: the vertices it is made
    of move fully and their neighbours with a Gaussian fall-off (``radius`` x face size), so a
    hand correction bends the fit locally instead of tearing it."""
    m = np.asarray(mesh, dtype=np.float64).copy()
    idx, w = _mapping()
    centre = np.einsum("k,kc->c", w[landmark], m[idx[landmark], :2])
    d2 = ((m[:, :2] - centre) ** 2).sum(1)
    fall = np.exp(-d2 / (2 * (radius * face_size) ** 2))
    # The landmark is a weighted sum of vertices that do not all move fully: scale the move
    # so that the landmark itself lands exactly where it was dragged.
    gain = float(np.dot(w[landmark], fall[idx[landmark]]))
    step = np.asarray(delta, dtype=np.float64) / (gain if abs(gain) > 1e-3 else 1.0)
    m[:, :2] += fall[:, None] * step[None, :]
    return m


def shape_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Mean distance between two landmark sets after the best similarity transform (scale,
    rotation, translation) of ``b`` onto ``a``, over sqrt(w*h) of ``a``'s box: how different
    the shapes are, whatever their place and size."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    ca, cb = a - a.mean(0), b - b.mean(0)
    u, sv, vt = np.linalg.svd(cb.T @ ca)
    d = np.sign(np.linalg.det(u @ vt))
    rot = u @ np.diag([1.0, d]) @ vt
    scale = (sv * [1.0, d]).sum() / (cb ** 2).sum()
    aligned = scale * cb @ rot
    size = np.sqrt(np.ptp(a[:, 0]) * np.ptp(a[:, 1]))
    return float(np.linalg.norm(aligned - ca, axis=1).mean() / size)
