"""A parsing atlas in mesh coordinates: for every triangle of the face mesh, how often each
parsing class covers it on annotated photos.

Where a part's outline is a convention of the annotators rather than a mesh contour (how far
up the nose label runs, how thick a brow is drawn, where the lip line sits) the mesh polygons
alone are biased; the atlas carries the annotated convention, warped onto any face by its
mesh. It is fitted by ``bench/fit_parsing_atlas.py`` (a table of 854 x 11 frequencies, no
photo or label map is stored) and evaluated leave-one-out by ``bench/eval_parsing.py --loo``.
The eyes and the mouth opening are holes in the mesh; parsing fills them from their contours.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import cv2
import numpy as np

ATLAS_PATH = Path(__file__).resolve().parent / "data" / "parsing_atlas.npz"
N_CLASSES = 11
IGNORE = 255
_SUBPIXEL_BITS = 4


@dataclass
class FaceAtlas:
    triangles: np.ndarray   # (T, 3) mesh vertex indices
    probs: np.ndarray       # (T, N_CLASSES) class frequencies, rows sum to 1
    photos: int = 0         # how many annotated photos it was fitted on


def triangle_index_map(pts: np.ndarray, triangles: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(H, W) int32 map of which triangle covers each pixel (-1: none)."""
    idx = np.full(shape, -1, np.int32)
    p = np.round(np.asarray(pts)[:, :2] * (1 << _SUBPIXEL_BITS)).astype(np.int32)
    # (every triangle's corners gathered at once: half the time of indexing them one by one)
    for t, tri in enumerate(p[np.asarray(triangles)].reshape(-1, 3, 1, 2)):
        cv2.fillPoly(idx, [tri], t, shift=_SUBPIXEL_BITS)
    return idx


def render(atlas: FaceAtlas, pts: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(probs (N_CLASSES, H, W), covered (H, W) bool) of the atlas warped onto a face."""
    idx = triangle_index_map(pts, atlas.triangles, shape)
    covered = idx >= 0
    probs = np.zeros((N_CLASSES,) + shape, np.float32)
    probs[:, covered] = atlas.probs[idx[covered]].T
    return probs, covered


def fit(samples: Iterable[tuple[np.ndarray, np.ndarray]], triangles: np.ndarray,
        smoothing: float = 0.5) -> FaceAtlas:
    """Fit from (mesh points in label-map pixels, label map with IGNORE for unscored pixels).
    Each photo counts once per triangle (its class distribution there); ``smoothing`` pseudo-
    photos of uniform skin keep rarely seen triangles from extreme values."""
    T = len(triangles)
    total = np.zeros((T, N_CLASSES))
    seen = np.zeros(T)
    n = 0
    for pts, labels in samples:
        idx = triangle_index_map(pts, triangles, labels.shape)
        ok = (idx >= 0) & (labels != IGNORE)
        hist = np.zeros((T, N_CLASSES))
        np.add.at(hist, (idx[ok], labels[ok].astype(np.int64)), 1.0)
        counts = hist.sum(1)
        has = counts > 0
        total[has] += hist[has] / counts[has, None]
        seen[has] += 1
        n += 1
    prior = np.zeros(N_CLASSES)
    prior[1] = 1.0  # skin
    probs = (total + smoothing * prior) / (seen + smoothing)[:, None]
    return FaceAtlas(triangles=np.asarray(triangles, np.int16), probs=probs.astype(np.float32), photos=n)


def save(atlas: FaceAtlas, path: Path = ATLAS_PATH) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, triangles=atlas.triangles, probs=atlas.probs, photos=atlas.photos)


@lru_cache(maxsize=1)
def load(path: Path = ATLAS_PATH) -> FaceAtlas | None:
    """The shipped atlas, or None if it has not been fitted (parsing then uses the mesh
    polygons alone)."""
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as z:
        return FaceAtlas(triangles=z["triangles"].astype(np.int64), probs=z["probs"],
                         photos=int(z["photos"]))
