"""Fitting the mesh -> 68-point mapping on annotated photos (used by bench/eval_landmarks.py).

Each iBUG landmark is an affine combination (weights summing to 1) of the K mesh vertices
nearest to its best single vertex; weights are fitted by ridge-regularised least squares on
coordinates normalised by the face size, so the mapping is independent of position and scale.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np


def _size(gt: np.ndarray) -> float:
    return float(np.sqrt(np.ptp(gt[:, 0]) * np.ptp(gt[:, 1])))


def nearest_vertices(samples: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """For each landmark the single mesh vertex with the least mean normalised distance."""
    cost = np.zeros((68, len(samples[0][0])))
    for mesh, gt in samples:
        cost += np.linalg.norm(gt[:, None, :] - mesh[None, :, :2], axis=2) / _size(gt)
    return cost.argmin(1)


def fit_mapping(samples: Sequence[tuple[np.ndarray, np.ndarray]], k: int = 8,
                ridge: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """(indices (68, k), weights (68, k)) from (mesh (478, 3), ground truth (68, 2)) pairs."""
    base = nearest_vertices(samples)
    idx = np.zeros((68, k), np.int64)
    weights = np.zeros((68, k))
    for l in range(68):
        dist = np.mean([np.linalg.norm(m[:, :2] - m[base[l], :2], axis=1) / _size(g) for m, g in samples], axis=0)
        nb = np.argsort(dist)[:k]  # nb[0] is the base vertex itself
        A, b = [], []
        for m, g in samples:
            s = _size(g)
            M = m[nb, :2] / s
            A.append((M[1:] - M[0]).T)   # g - M0 = sum_j a_j (Mj - M0), weights (1 - sum a, a)
            b.append(g[l] / s - M[0])
        A, b = np.concatenate(A), np.concatenate(b)
        a = np.linalg.solve(A.T @ A + ridge * np.eye(k - 1), A.T @ b)
        idx[l] = nb
        weights[l] = np.concatenate([[1.0 - a.sum()], a])
    return idx, weights
