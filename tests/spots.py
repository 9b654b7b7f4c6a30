"""Blemishes painted onto a real photo for the healing tests (as bench/retouch.py paints them),
and how far a heal brings a region back to the clean photo."""
from __future__ import annotations

import numpy as np


def paint_spots(image: np.ndarray, centres, radius: float, kinds) -> tuple[np.ndarray, list[np.ndarray]]:
    """Soft round spots (flat core, soft edge to 1.6 radius), dark (x0.6) or red; returns the
    photo and each spot's coverage."""
    out = image.astype(np.float32)
    H, W = image.shape[:2]
    yy, xx = np.mgrid[0:H, 0:W]
    alphas = []
    for (cx, cy), kind in zip(centres, kinds):
        d = np.hypot(xx - cx, yy - cy) / radius
        a = np.clip(1.25 - 0.5 * d ** 2, 0, 1).astype(np.float32)
        a[d > 1.6] = 0
        target = out * 0.6 if kind == "dark" else out * 0.8 + np.array([55.0, -25.0, -20.0], np.float32)
        out = out * (1 - 0.9 * a[..., None]) + np.clip(target, 0, 255) * 0.9 * a[..., None]
        alphas.append(a)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8), alphas


def way_back(clean: np.ndarray, painted: np.ndarray, healed: np.ndarray, region: np.ndarray) -> float:
    """How far the region came back to the clean photo: 1 all the way, 0 not at all."""
    before = np.abs(painted.astype(np.float32) - clean)[region].mean()
    return float(1 - np.abs(healed.astype(np.float32) - clean)[region].mean() / before)
