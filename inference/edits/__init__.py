"""Edits: pure functions (image, face, parameters) -> patch, one module (or package) each.

Each declares itself once (see :mod:`inference.edits.spec` for the contract); the CLI's
commands, the GUI's panels and the history's titles are built from these declarations. To add
an edit, write its module and add its line to ``_DECLARED`` below (CONTRIBUTING.md has the
recipe).

An edit's module is imported when it is first asked for (``EDITS[name]``, ``get``), not here:
the modules bring OpenCV, scipy and torch, which ``main.py --help`` or a mistyped argument must
not wait for. ``EDITS`` is a read-only mapping, name -> module, in the order below.
"""
from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import TYPE_CHECKING

from inference.edits.spec import ParamError, validate

if TYPE_CHECKING:
    import numpy as np

# NAME, module under inference.edits, its CLI command and the command's help, as the module
# declares them (NAME, CLI.name, CLI.help; a test checks they agree): the CLI lists commands
# from here without importing any edit. The order is the GUI's dock order.
_DECLARED: tuple[tuple[str, str, str | None, str], ...] = (
    ("skin", "skin", "smooth", "smooth the skin of a face"),
    ("brows", "brows", "brows", "edit the eyebrows: remove, recolour, thicken or thin, reshape, transfer"),
    ("makeup", "makeup", "makeup", "transfer makeup from a reference photo"),
    ("rotate", "rotate", "rotate", "turn a head left or right"),
    ("inpaint", "inpaint", "inpaint", "fill the masked area of a photo"),
    ("heal", "heal", "heal", "heal blemishes: the spots found on the skin, or a mask's pixels"),  # skin retouch
    ("retouch", "retouch", "retouch", "reduce the skin's shine and lift dark circles under the eyes"),
    ("lips", "lips", "lips", "lip colour with a matte, satin or gloss finish"),           # makeup by hand
    ("eyeshadow", "eyeshadow", "eyeshadow", "eyeshadow on the upper lids (lid, crease or outer corner)"),
    ("blush", "blush", "blush", "blush or contour on the cheekbones"),
    ("eyeliner", "eyeliner", "eyeliner", "eyeliner along the upper lids, with a wing"),
    ("lashes", "lashes", "lashes", "procedural eyelashes along the upper (and lower) lids"),
)


class _Registry(Mapping):
    """name -> edit module, each imported on first access."""

    def __init__(self, declared) -> None:
        self._modules = {name: f"{__name__}.{module}" for name, module, _cmd, _help in declared}

    def __getitem__(self, name: str) -> ModuleType:
        return importlib.import_module(self._modules[name])

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __repr__(self) -> str:
        return f"<edits {', '.join(self._modules)}>"


EDITS: Mapping[str, ModuleType] = _Registry(_DECLARED)


def commands() -> dict[str, tuple[str, str]]:
    """The edits' CLI commands, without importing them: command -> (edit name, help)."""
    return {cmd: (name, help_) for name, _module, cmd, help_ in _DECLARED if cmd is not None}


def get(name: str) -> ModuleType:
    try:
        return EDITS[name]
    except KeyError:
        raise ValueError(f"unknown edit {name!r}; known: {', '.join(sorted(EDITS))}") from None


def apply_edit(name: str, image: np.ndarray, face, params: dict) -> np.ndarray:
    """A new image with edit ``name`` applied (parameters checked against its PARAMS)."""
    edit = get(name)
    return edit.apply_region(image, face, **validate(edit, params)).paste(image)


__all__ = ["EDITS", "ParamError", "apply_edit", "commands", "get"]
