"""Rasterising the face mesh: which triangle covers each pixel and where in it (barycentric
coordinates), so per-vertex quantities (motion, depth, a mirrored source position) become
per-pixel maps."""
from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from inference.face_atlas import triangle_index_map
from inference.mesh_topology import MIRROR


@lru_cache(maxsize=1)
def triangles() -> np.ndarray:
    """The mesh's 854 triangles (stored with the parsing atlas; derived from mediapipe's
    tesselation, see mesh_topology.tesselation_triangles)."""
    from inference import face_atlas
    atlas = face_atlas.load()
    if atlas is not None:
        return np.asarray(atlas.triangles, np.int64)
    from inference.mesh_topology import tesselation_triangles
    return np.asarray(tesselation_triangles(), np.int64)


def _touching(pts: np.ndarray, tris: np.ndarray, within: np.ndarray) -> np.ndarray:
    """Indices of the triangles whose bounding box holds a pixel of ``within``."""
    H, W = within.shape
    ii = cv2.integral(within.astype(np.uint8))
    corners = np.asarray(pts)[:, :2][tris]                          # (T, 3, 2)
    x0 = np.clip(np.floor(corners[..., 0].min(1)), 0, W - 1).astype(int)
    x1 = np.clip(np.ceil(corners[..., 0].max(1)), 0, W - 1).astype(int) + 1
    y0 = np.clip(np.floor(corners[..., 1].min(1)), 0, H - 1).astype(int)
    y1 = np.clip(np.ceil(corners[..., 1].max(1)), 0, H - 1).astype(int) + 1
    return np.nonzero(ii[y1, x1] - ii[y0, x1] - ii[y1, x0] + ii[y0, x0] > 0)[0]


def barycentric(pts: np.ndarray, shape: tuple[int, int], within: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(ys, xs, tri, bary): the covered pixels, their triangle and barycentric weights (n, 3),
    for mesh points ``pts`` (N, 2) in the pixel coordinates of a map of ``shape``. With
    ``within`` (a bool map), only its pixels, and only the triangles that can reach them are
    drawn (the same result there, for a fraction of the cost when it is small)."""
    tris = triangles()
    sel = np.arange(len(tris)) if within is None else _touching(pts, tris, within)
    idx = triangle_index_map(pts, tris[sel], shape)
    covered = idx >= 0 if within is None else (idx >= 0) & within
    ys, xs = np.nonzero(covered)
    t = sel[idx[ys, xs]]
    a, b, c = (pts[tris[t, k], :2] for k in range(3))
    v0, v1 = b - a, c - a
    p = np.stack([xs, ys], -1).astype(np.float64) - a
    den = v0[:, 0] * v1[:, 1] - v1[:, 0] * v0[:, 1]
    den = np.where(np.abs(den) < 1e-12, 1e-12, den)
    l1 = (p[:, 0] * v1[:, 1] - v1[:, 0] * p[:, 1]) / den
    l2 = (v0[:, 0] * p[:, 1] - p[:, 0] * v0[:, 1]) / den
    bary = np.clip(np.stack([1 - l1 - l2, l1, l2], -1), 0, 1)  # pixel centres just outside: clamp
    bary /= bary.sum(1, keepdims=True)
    return ys, xs, t, bary


def signed_areas(pts: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """Signed area of each triangle ``tris`` (T, 3) over the points ``pts`` (N, 2): the sign
    tells which way round the triangle is drawn (from behind when it flips)."""
    a, b, c = pts[tris[:, 0]], pts[tris[:, 1]], pts[tris[:, 2]]
    return 0.5 * ((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (c[:, 0] - a[:, 0]) * (b[:, 1] - a[:, 1]))


def mirror_index(n: int) -> np.ndarray:
    """For a mesh of ``n`` vertices, each vertex's mirror twin (mesh_topology.MIRROR); the iris
    points past it stand for themselves."""
    return np.asarray(MIRROR + list(range(len(MIRROR), n)))[:n]


def interpolate(values: np.ndarray, tri: np.ndarray, bary: np.ndarray) -> np.ndarray:
    """Per-pixel interpolation of per-vertex ``values`` (N, ...) over the given triangles."""
    tris = triangles()
    v = values[tris[tri]]                      # (n, 3, ...)
    return np.einsum("nk,nk...->n...", bary, v)


def correspondence_map(dst_pts: np.ndarray, src_pts: np.ndarray, shape: tuple[int, int],
                       mirror_hidden: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(map_x, map_y, covered) for cv2.remap: each pixel of a map of ``shape`` covered by the
    mesh at ``dst_pts`` (N, 2) samples where the same point of the face lies in a photo whose
    mesh is ``src_pts`` (the same vertices on both faces: piecewise affine, triangle by
    triangle). ``mirror_hidden``: a triangle the source shows edge-on or from behind (a face
    turned away) samples the mirror side of the source face instead (mesh_topology.MIRROR)."""
    h, w = shape
    ys, xs, tri, bary = barycentric(dst_pts, shape)
    where = interpolate(np.asarray(src_pts)[:, :2], tri, bary)
    if mirror_hidden:
        tris = triangles()
        s, d = np.asarray(src_pts)[:, :2], np.asarray(dst_pts)[:, :2]
        a_src, a_dst = signed_areas(s, tris), signed_areas(d, tris)
        scale = (np.abs(a_src).sum() / max(np.abs(a_dst).sum(), 1e-9))
        # seen from behind in the source, or squeezed to a tenth of its share: the face turns away
        hidden = (np.sign(a_src) != np.sign(a_dst)) | (np.abs(a_src) < 0.1 * scale * np.abs(a_dst))
        mirror = mirror_index(len(s))
        pick = hidden[tri]
        if pick.any():
            where[pick] = interpolate(s[mirror], tri[pick], bary[pick])
    map_x = np.full((h, w), -1e4, np.float32)
    map_y = np.full((h, w), -1e4, np.float32)
    map_x[ys, xs], map_y[ys, xs] = where[:, 0], where[:, 1]
    covered = np.zeros((h, w), bool)
    covered[ys, xs] = True
    return map_x, map_y, covered
