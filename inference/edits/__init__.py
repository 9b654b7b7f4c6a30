"""Edits: pure functions (image, face, parameters) -> image, one module each.

Each module has NAME, TITLE, DEFAULTS, CHANGES_GEOMETRY, ``apply(image, face, **params)``,
``apply_region(...) -> Patch`` (what the GUI previews and stores) and ``is_identity(**params)``.
"""
from __future__ import annotations

from types import ModuleType

import numpy as np

from inference.edits import inpaint, rotate, skin

EDITS: dict[str, ModuleType] = {m.NAME: m for m in (skin, inpaint, rotate)}


def get(name: str) -> ModuleType:
    try:
        return EDITS[name]
    except KeyError:
        raise ValueError(f"unknown edit {name!r}; known: {', '.join(sorted(EDITS))}") from None


def apply_edit(name: str, image: np.ndarray, face, params: dict) -> np.ndarray:
    return get(name).apply(image, face, **params)
