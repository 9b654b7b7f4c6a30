"""Inpainting engines behind one interface, chosen by name.

Every engine works on a crop around the hole (plus its own context margin), not the photo,
and the fill is blended back through a seam inside the hole: pixels outside the hole are
returned bit for bit. ``inpaint`` is the pure function the CLI, the GUI and the tests call.
"""
from __future__ import annotations

from types import ModuleType

import numpy as np

from inference.inpaint import lama, patchmatch, telea
from inference.imaging import compose
from inference.inpaint.base import InpaintError, Progress, hole_box

ENGINES: dict[str, ModuleType] = {m.NAME: m for m in (patchmatch, telea, lama)}
DEFAULT_ENGINE = "patchmatch"


def get(name: str) -> ModuleType:
    try:
        return ENGINES[name]
    except KeyError:
        raise InpaintError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}") from None


def inpaint_region(image: np.ndarray, mask: np.ndarray, engine: str = DEFAULT_ENGINE, seed: int = 0,
                   model: str | None = None, source: np.ndarray | None = None,
                   progress: Progress | None = None, feather: float = 2.0,
                   stats: dict | None = None, classes: np.ndarray | None = None) -> tuple[np.ndarray, int, int]:
    """Fill ``mask`` (non-zero = hole; values below 255 fill partly, as a soft brush does).
    ``classes``: photo-sized source groups (inference.inpaint.sources.class_groups), for the
    engines that take them (patchmatch): each hole pixel copies from its surroundings' group.
    Returns (patch, x0, y0): the changed rectangle and where it goes."""
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise InpaintError("the photo must be (H, W, 3) uint8 RGB")
    if mask.shape[:2] != image.shape[:2]:
        raise InpaintError(f"the mask is {mask.shape[1]}x{mask.shape[0]} but the photo is "
                           f"{image.shape[1]}x{image.shape[0]}")
    mod = get(engine)
    hole = mask > 0
    x0, y0, x1, y1 = hole_box(hole, mod.CONTEXT)
    crop, h = image[y0:y1, x0:x1], hole[y0:y1, x0:x1]
    src = None if source is None else source[y0:y1, x0:x1]
    filled = mod.fill(np.ascontiguousarray(crop), h, progress=progress, seed=seed, model=model, source=src,
                      stats=stats, classes=None if classes is None else classes[y0:y1, x0:x1])
    m = mask[y0:y1, x0:x1]
    strength = None if m.dtype == bool or m.max() <= 1 or (m[h] == m.max()).all() else m.astype(np.float32) / 255
    return compose(crop, filled, h, feather, strength), x0, y0


def inpaint(image: np.ndarray, mask: np.ndarray, engine: str = DEFAULT_ENGINE, **kwargs) -> np.ndarray:
    """A new image with the hole filled; everything outside the hole is unchanged."""
    patch, x0, y0 = inpaint_region(image, mask, engine, **kwargs)
    out = image.copy()
    out[y0:y0 + patch.shape[0], x0:x0 + patch.shape[1]] = patch
    return out


__all__ = ["ENGINES", "DEFAULT_ENGINE", "InpaintError", "get", "inpaint", "inpaint_region"]
