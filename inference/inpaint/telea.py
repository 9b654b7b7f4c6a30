"""Telea's fast marching inpainting (OpenCV): the fast path for thin scratches and spots."""
from __future__ import annotations

import cv2
import numpy as np

from inference.inpaint.base import Progress

NAME = "telea"
CONTEXT = 0.2   # context margin around the hole, x its size


def fill(image: np.ndarray, hole: np.ndarray, progress: Progress | None = None, **_) -> np.ndarray:
    """(H, W, 3) uint8 crop and its hole -> the crop with the hole filled."""
    if progress:
        progress(0.1)
    return cv2.inpaint(image, hole.astype(np.uint8) * 255, 3, cv2.INPAINT_TELEA)
