"""Rasterising the face mesh: which triangle covers each pixel and where in it (barycentric
coordinates), so per-vertex quantities (motion, depth, a mirrored source position) become
per-pixel maps."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from inference.face_atlas import triangle_index_map


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


def barycentric(pts: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ys, xs, tri, bary): the covered pixels, their triangle and barycentric weights (n, 3),
    for mesh points ``pts`` (N, 2) in the pixel coordinates of a map of ``shape``."""
    tris = triangles()
    idx = triangle_index_map(pts, tris, shape)
    ys, xs = np.nonzero(idx >= 0)
    t = idx[ys, xs]
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


def interpolate(values: np.ndarray, tri: np.ndarray, bary: np.ndarray) -> np.ndarray:
    """Per-pixel interpolation of per-vertex ``values`` (N, ...) over the given triangles."""
    tris = triangles()
    v = values[tris[tri]]                      # (n, 3, ...)
    return np.einsum("nk,nk...->n...", bary, v)
