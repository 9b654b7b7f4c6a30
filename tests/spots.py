"""Blemishes painted onto a real photo for the healing tests (as bench/retouch.py paints them),
and how far a heal brings a region back to the clean photo."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from inference.faces import Face, detect
from inference.io import write_image
from inference.sample import sample_image


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


def cheek_points(face: Face) -> list[tuple[float, float]]:
    """A point on each cheek (image left, right): level with the nose bridge, 6 % of the face
    out from the eye's centre."""
    lm, s = face.landmarks68, face.size
    return [(lm[36:42, 0].mean() - 0.06 * s, lm[29, 1]), (lm[42:48, 0].mean() + 0.06 * s, lm[29, 1])]


def spotted_sample(tmp_path: Path) -> tuple[Path, Face, list[tuple[float, float]]]:
    """The sample with a dark spot on her image-left cheek and a red one on the right (2 % of the
    face across), written to ``tmp_path``/spotted.png: (its path, her face, the spots' centres)."""
    clean = sample_image()
    face = detect(clean)[0]
    centres = cheek_points(face)
    painted, _ = paint_spots(clean, centres, 0.01 * face.size, ["dark", "red"])
    path = tmp_path / "spotted.png"
    write_image(path, painted)
    return path, face, centres


def way_back(clean: np.ndarray, painted: np.ndarray, healed: np.ndarray, region: np.ndarray) -> float:
    """How far the region came back to the clean photo: 1 all the way, 0 not at all."""
    before = np.abs(painted.astype(np.float32) - clean)[region].mean()
    return float(1 - np.abs(healed.astype(np.float32) - clean)[region].mean() / before)
