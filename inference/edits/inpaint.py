"""Fill a painted area (remove a blemish, a stray hair, a passer-by) with one of the inpainting
engines; not tied to a face (``face`` is ignored, or gives the skin as the only source)."""
from __future__ import annotations

import numpy as np

from inference.edits.base import Patch
from inference.inpaint import DEFAULT_ENGINE, inpaint_region

NAME = "inpaint"
TITLE = "Fill"
DEFAULTS = {"engine": DEFAULT_ENGINE, "seed": 0}
CHANGES_GEOMETRY = False


def is_identity(**params) -> bool:
    mask = params.get("mask")
    return mask is None or not np.any(mask)


def apply_region(image: np.ndarray, face, mask: np.ndarray, engine: str = DEFAULT_ENGINE, seed: int = 0,
                 model: str | None = None, source: np.ndarray | None = None, progress=None) -> Patch:
    pixels, x0, y0 = inpaint_region(image, mask, engine, seed=seed, model=model, source=source,
                                    progress=progress)
    return Patch(pixels, x0, y0)


def apply(image: np.ndarray, face, **params) -> np.ndarray:
    return apply_region(image, face, **params).paste(image)
