"""What every inpainting engine shares: the crop around the hole, the seam, the guarantee
that pixels outside the hole come back exactly as they were."""
from __future__ import annotations

from typing import Callable

import cv2
import numpy as np

Progress = Callable[[float], None]   # may raise to cancel (the GUI worker's ctx.progress does)


class InpaintError(ValueError):
    """The request cannot be filled (empty mask, sizes differ, nothing left to copy from)."""


def hole_box(hole: np.ndarray, margin: float, min_margin: int = 32) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1): the hole's bounding box grown by ``margin`` x its larger side (at
    least ``min_margin`` px) for context, clipped to the image."""
    ys, xs = np.nonzero(hole)
    if len(ys) == 0:
        raise InpaintError("the mask is empty: paint the area to fill")
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    m = max(min_margin, int(round(margin * max(y1 - y0, x1 - x0))))
    H, W = hole.shape
    return max(0, x0 - m), max(0, y0 - m), min(W, x1 + m), min(H, y1 + m)


def seam_alpha(hole: np.ndarray, feather: float = 2.0) -> np.ndarray:
    """Blend weight of the fill: 1 deep inside the hole, easing to 0.5 on its border so the
    fill meets the photo without a visible step; 0 outside."""
    if feather <= 0:
        return hole.astype(np.float32)
    dist = cv2.distanceTransform(np.pad(hole.astype(np.uint8), 1), cv2.DIST_L2, 3)[1:-1, 1:-1]
    t = np.clip(dist / feather, 0, 1)
    return np.where(hole, 0.5 + 0.5 * t * t * (3 - 2 * t), 0).astype(np.float32)


def compose(original: np.ndarray, filled: np.ndarray, hole: np.ndarray, feather: float = 2.0,
            strength: np.ndarray | None = None) -> np.ndarray:
    """``filled`` inside the hole (with the seam blend, times an optional soft-mask strength),
    ``original`` bit for bit everywhere else."""
    out = original.copy()
    ys, xs = np.nonzero(hole)
    if len(ys) == 0:
        return out
    box = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))  # work where the hole is
    h, o, f = hole[box], original[box], filled[box]
    a = seam_alpha(h, feather)
    if strength is not None:
        a = a * strength[box]
    blended = np.clip(o.astype(np.float32) + a[..., None] * (f.astype(np.float32) - o) + 0.5, 0, 255)
    out[box] = np.where(h[..., None], blended.astype(np.uint8), o)
    return out
