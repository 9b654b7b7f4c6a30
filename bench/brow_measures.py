"""How an eyebrow edit is judged, on the pixels, from a brow mask that is not the edit's own
(the annotated label map where there is one): shared by bench/brows.py and tests/test_brows.py.

- removal: the removed area's mean lightness against the skin ring round it, in units of the
  ring's spread about its local mean, and its gradient energy over the ring's;
- recolour: how far the brow's mean chroma (a, b) moved towards the target, 0..1;
- dark area: pixels round the brow darker than the skin next to them (hairs);
- arch: how far the middle third of a brow's hairs rises against its outer thirds;
- far change: the mean change of pixels farther than 0.12 x face size from the brows.
"""
from __future__ import annotations

import cv2
import numpy as np

from inference.edits.brows import colour
from inference.edits.brows.region import LANDMARKS
from inference.landmarks import face_up

DARK = 0.35           # hairiness above which a pixel counts as a hair (of the brow's darkest tenth)


def lightness(rgb: np.ndarray) -> np.ndarray:
    return colour.to_lab(rgb.astype(np.float32))[..., 0]


def _dist_outside(mask: np.ndarray) -> np.ndarray:
    return cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, 3)


def removal(result: np.ndarray, brow: np.ndarray, skin: np.ndarray, thickness: float) -> tuple[float, float]:
    """(|mean L of the brow area - mean L of the ring| / the ring's local spread,
    gradient energy in the brow area / the ring's). The brow area is the mask grown by a third
    of the brow's thickness; the ring the skin from there out to 1.5 thicknesses."""
    L = lightness(result)
    d = _dist_outside(brow)
    area = d <= max(2.0, 0.35 * thickness)
    ring = (d > max(3.0, 0.5 * thickness)) & (d <= 1.5 * thickness + 3) & skin
    w = ring.astype(np.float32)
    sigma = max(2.0, thickness)
    local = cv2.GaussianBlur(L * w, (0, 0), sigma) / np.maximum(cv2.GaussianBlur(w, (0, 0), sigma), 1e-4)
    spread = float(np.std((L - local)[ring]))
    offset = abs(float(L[area].mean()) - float(L[ring].mean())) / max(spread, 1e-3)
    gy, gx = np.gradient(cv2.GaussianBlur(L, (0, 0), 0.7))
    energy = gx * gx + gy * gy
    return offset, float(energy[area].mean()) / max(float(energy[ring].mean()), 1e-6)


def forehead_ring(brow: np.ndarray, skin: np.ndarray, thickness: float) -> np.ndarray:
    """The part of the removal ring above the brow (the forehead side): per column, ring pixels
    above the brow's top. Below it the ring holds the eyelid's crease and lashes, whose gradient
    energy is several times the forehead's, so a skin fill is also compared with this side."""
    d = _dist_outside(brow)
    ring = (d > max(3.0, 0.5 * thickness)) & (d <= 1.5 * thickness + 3) & skin
    top = np.full(brow.shape[1], -1)
    ys, xs = np.nonzero(brow)
    np.maximum.at(top, xs, brow.shape[0] - ys)          # the highest brow row per column
    top = np.where(top >= 0, brow.shape[0] - top, -1)
    return ring & (np.arange(brow.shape[0])[:, None] < top[None, :])


def gradient_ratio(result: np.ndarray, area: np.ndarray, ring: np.ndarray) -> float:
    """Gradient energy of lightness in ``area`` over that in ``ring``."""
    gy, gx = np.gradient(cv2.GaussianBlur(lightness(result), (0, 0), 0.7))
    energy = gx * gx + gy * gy
    return float(energy[area].mean()) / max(float(energy[ring].mean()), 1e-6) if ring.any() else float("nan")


def recolour_progress(before: np.ndarray, after: np.ndarray, brow: np.ndarray, target: str) -> float:
    """1 - |mean ab after - target ab| / |mean ab before - target ab| over the brow mask."""
    t = colour.to_lab(colour.hex_rgb(target)[None, None])[0, 0, 1:]
    a0 = colour.to_lab(before.astype(np.float32))[..., 1:][brow].mean(0)
    a1 = colour.to_lab(after.astype(np.float32))[..., 1:][brow].mean(0)
    return 1.0 - float(np.linalg.norm(a1 - t)) / max(float(np.linalg.norm(a0 - t)), 1e-6)


def hairs(rgb: np.ndarray, brow: np.ndarray, skin: np.ndarray, thickness: float,
          reference: np.ndarray | None = None, reach: float | None = None) -> np.ndarray:
    """Hair pixels round the brow: darker than the skin next to them (a reference lightness
    from the original photo's skin off the brow) by DARK of the original brow's contrast."""
    L = lightness(rgb)
    L0 = lightness(reference if reference is not None else rgb)
    w = (skin & ~brow).astype(np.float32)
    sigma = max(2.0, 1.5 * thickness)
    ref = cv2.GaussianBlur(L0 * w, (0, 0), sigma) / np.maximum(cv2.GaussianBlur(w, (0, 0), sigma), 1e-4)
    contrast = np.percentile((ref - L0)[brow], 90) if brow.any() else 1.0
    # within the reach a brow of 1.5x its thickness has; no farther, where the eyelid's crease
    # and lashes are dark too
    near = (_dist_outside(brow) <= (0.75 * thickness if reach is None else reach)) & (skin | brow)
    if reach is not None:   # a moved brow is looked for above its old lower edge only (not the eyelid)
        ys, xs = np.nonzero(brow)
        lowest = np.full(brow.shape[1], -1)
        np.maximum.at(lowest, xs, ys)
        have = lowest >= 0
        cols = np.arange(brow.shape[1])
        lowest = np.interp(cols, cols[have], lowest[have]) if have.any() else lowest
        near &= np.arange(brow.shape[0])[:, None] <= lowest[None, :] + 1
    return near & ((ref - L) > DARK * max(float(contrast), 1e-3))


def dark_area(rgb: np.ndarray, brow: np.ndarray, skin: np.ndarray, thickness: float,
              reference: np.ndarray) -> int:
    return int(hairs(rgb, brow, skin, thickness, reference).sum())


def arch_rise(rgb: np.ndarray, reference: np.ndarray, brow: np.ndarray, skin: np.ndarray, thickness: float,
              lm68: np.ndarray, side: str) -> float:
    """How far (px, along the face's up) the middle third of one brow's hairs lies above the
    mean of its outer thirds; thirds by position along the brow's inner-outer line."""
    pts = lm68[list(LANDMARKS[side])]
    up = face_up(lm68)
    a, b = pts[0], pts[-1]
    d = b - a
    length = float(np.linalg.norm(d))
    ys, xs = np.nonzero(hairs(rgb, brow, skin, thickness, reference, reach=0.25 * length + thickness))
    p = np.stack([xs, ys], -1).astype(np.float64)
    t = (p - a) @ d / float(d @ d)
    h = p @ up
    thirds = [h[(t >= lo) & (t < hi)] for lo, hi in ((-0.1, 1 / 3), (1 / 3, 2 / 3), (2 / 3, 1.1))]
    if any(len(x) < 3 for x in thirds):
        return float("nan")
    return float(thirds[1].mean() - (thirds[0].mean() + thirds[2].mean()) / 2)


def far_change(before: np.ndarray, after: np.ndarray, brows: np.ndarray, face_size: float) -> float:
    far = _dist_outside(brows) > 0.12 * face_size
    return float(np.abs(after.astype(np.float32) - before.astype(np.float32))[far].mean())
