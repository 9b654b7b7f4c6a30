"""Edits: pure functions (image, face, parameters) -> patch, one module (or package) each.

Each declares itself once (see :mod:`inference.edits.spec` for the contract); the CLI's
commands, the GUI's panels and the history's titles are built from these declarations. To add
an edit, write its module and add it to ``EDITS`` below (CONTRIBUTING.md has the recipe).
"""
from __future__ import annotations

from types import ModuleType

import numpy as np

from inference.edits import brows, inpaint, makeup, rotate, skin
from inference.edits.spec import ParamError, validate

EDITS: dict[str, ModuleType] = {m.NAME: m for m in (skin, brows, makeup, rotate, inpaint)}
from inference.edits import heal; EDITS[heal.NAME] = heal  # noqa: E402,E702  (skin retouch: blemishes)
from inference.edits import retouch; EDITS[retouch.NAME] = retouch  # noqa: E402,E702  (skin retouch: shine, under-eye)
from inference.edits import blush, eyeliner, eyeshadow, lashes, lips  # noqa: E402  (makeup by hand)
EDITS.update({m.NAME: m for m in (lips, eyeshadow, blush, eyeliner, lashes)})


def get(name: str) -> ModuleType:
    try:
        return EDITS[name]
    except KeyError:
        raise ValueError(f"unknown edit {name!r}; known: {', '.join(sorted(EDITS))}") from None


def apply_edit(name: str, image: np.ndarray, face, params: dict) -> np.ndarray:
    """A new image with edit ``name`` applied (parameters checked against its PARAMS)."""
    edit = get(name)
    return edit.apply_region(image, face, **validate(edit, params)).paste(image)


__all__ = ["EDITS", "ParamError", "apply_edit", "get"]
