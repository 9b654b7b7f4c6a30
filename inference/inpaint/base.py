"""What every inpainting engine shares: the error it raises, the progress callback and the
crop around the hole. The seam blend that returns pixels outside the hole exactly as they
were (compose) and the smooth fill live in inference.imaging, which the head turn uses too."""
from __future__ import annotations

from typing import Callable

import numpy as np

# moved to inference.imaging; imported here too, so that older imports from this module work
from inference.imaging import compose, per_plane, resize_any, seam_alpha, smooth_fill  # noqa: F401

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
