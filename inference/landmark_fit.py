"""Fitting the mesh -> 68-point mappings on annotated photos (used by bench/eval_landmarks.py).

Each iBUG landmark is an affine combination (weights summing to 1) of the K mesh vertices
nearest to its best single vertex; weights are fitted by ridge-regularised least squares on
coordinates normalised by the face size, so the mapping is independent of position and scale.
Every annotated face also counts as its mirror image (``with_mirrors``): twice the samples,
and a mapping that treats the face's two sides alike.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from inference import mesh_topology as topo

# the mirror twin of each mesh vertex (the irises 468-472 and 473-477 swap) and of each iBUG point
MESH_MIRROR = np.array(list(topo.MIRROR) + list(range(473, 478)) + list(range(468, 473)))
IBUG_MIRROR = np.array(list(range(16, -1, -1)) + list(range(26, 16, -1)) + [27, 28, 29, 30, 35, 34, 33, 32, 31]
                       + [45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40]
                       + [54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55, 64, 63, 62, 61, 60, 67, 66, 65])

Sample = tuple[np.ndarray, np.ndarray]   # (mesh (478, 3) pixels, ground truth (68, 2) pixels)


def _size(gt: np.ndarray) -> float:
    return float(np.sqrt(np.ptp(gt[:, 0]) * np.ptp(gt[:, 1])))


def mirrored(mesh: np.ndarray, gt: np.ndarray) -> Sample:
    """The sample as its mirror photo would give it: x negated, vertices and points renamed to
    their twins (the mapping is translation-invariant, so where the mirror axis lies is moot)."""
    m = np.asarray(mesh, np.float64)[MESH_MIRROR[:len(mesh)]].copy()
    g = np.asarray(gt, np.float64)[IBUG_MIRROR].copy()
    m[:, 0] *= -1
    g[:, 0] *= -1
    return m, g


def with_mirrors(samples: Sequence[Sample]) -> list[Sample]:
    return [s for mesh, gt in samples for s in ((mesh, gt), mirrored(mesh, gt))]


def nearest_vertices(samples: Sequence[Sample]) -> np.ndarray:
    """For each landmark the single mesh vertex with the least mean normalised distance."""
    return _vertex_cost(samples).argmin(1)


def _vertex_cost(samples: Sequence[Sample]) -> np.ndarray:
    cost = np.zeros((68, len(samples[0][0])))
    for mesh, gt in samples:
        cost += np.linalg.norm(gt[:, None, :] - mesh[None, :, :2], axis=2) / _size(gt)
    return cost


def _neighbours(order: np.ndarray, k: int, closed: bool) -> np.ndarray:
    """The first k vertices of ``order`` (the base first); ``closed``: a vertex only with its
    mirror twin, so that a landmark on the face's midline gets a symmetric set."""
    if not closed:
        return order[:k]
    chosen: list[int] = []
    for v in order:
        group = [int(v)] if MESH_MIRROR[v] == v else [int(v), int(MESH_MIRROR[v])]
        if int(v) in chosen or len(chosen) + len(group) > k:
            continue
        chosen += group
        if len(chosen) == k:
            break
    return np.array(chosen)


def fit_mapping(samples: Sequence[Sample], k: int = 8, ridge: float = 0.01,
                symmetric: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(indices (68, k), weights (68, k)) from (mesh (478, 3), ground truth (68, 2)) pairs.
    ``symmetric`` (samples that hold their mirrors, with_mirrors): each landmark's vertices and
    weights are its mirror twin's mirrored, exactly, rather than up to ties and rounding."""
    cost = _vertex_cost(samples)
    n = cost.shape[1]
    twins = MESH_MIRROR[:n]
    midline = twins == np.arange(n)
    idx = np.zeros((68, k), np.int64)
    weights = np.zeros((68, k))
    for l in range(68):
        twin = int(IBUG_MIRROR[l])
        if symmetric and twin < l:      # the mirror of the twin's, fitted already
            idx[l], weights[l] = twins[idx[twin]], weights[twin]
            continue
        on_midline = symmetric and twin == l
        # a midline landmark is based on a midline vertex (the ridge pulls towards the base)
        base = int(np.where(midline, cost[l], np.inf).argmin()) if on_midline else int(cost[l].argmin())
        dist = np.mean([np.linalg.norm(m[:, :2] - m[base, :2], axis=1) / _size(g) for m, g in samples], axis=0)
        order = np.argsort(np.round(dist, 9), kind="stable")
        nb = _neighbours(order[order != base], k - 1, on_midline)
        nb = np.r_[base, nb]
        A, b = [], []
        for m, g in samples:
            s = _size(g)
            M = m[nb, :2] / s
            A.append((M[1:] - M[0]).T)   # g - M0 = sum_j a_j (Mj - M0), weights (1 - sum a, a)
            b.append(g[l] / s - M[0])
        A, b = np.concatenate(A), np.concatenate(b)
        a = np.linalg.solve(A.T @ A + ridge * np.eye(k - 1), A.T @ b)
        if on_midline:   # average with the mirrored solution: removes the solve's rounding asymmetry
            pos = {v: i for i, v in enumerate(nb)}
            a_full = np.concatenate([[1.0 - a.sum()], a])
            a_full = 0.5 * (a_full + a_full[[pos[int(twins[v])] for v in nb]])
            a = a_full[1:]
        idx[l] = nb
        weights[l] = np.concatenate([[1.0 - a.sum()], a])
    return idx, weights


def fit_jaw_turn(samples: Sequence[Sample], idx: np.ndarray, weights: np.ndarray,
                 ridge: float = 1.0) -> np.ndarray:
    """(2, 17, 2) table of landmarks.jaw_turn_offset: the jaw's residuals after the mapping, in
    each face's right / down axes over its size, regressed (ridge) on the turn's features; zero
    for the jaw's ends and the chin."""
    from inference import landmarks as L
    X, Y = [], []
    for mesh, gt in samples:
        feats, frame = L.turn_frame(mesh)
        raw = np.einsum("lk,lkc->lc", weights, np.asarray(mesh, np.float64)[idx][:, :, :2])
        X.append(feats)
        Y.append(((gt[:17] - raw[:17]) @ frame.T / _size(gt)).ravel())
    X, Y = np.array(X), np.array(Y)
    table = np.linalg.solve(X.T @ X + ridge * np.eye(X.shape[1]), X.T @ Y).reshape(X.shape[1], 17, 2)
    table[:, [0, 8, 16]] = 0.0   # the ends and the chin stay the mapping's (as even_jaw keeps them)
    return table
