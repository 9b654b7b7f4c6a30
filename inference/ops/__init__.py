"""Wrappers of the csrc/ ops, each beside its plain-torch twin.

The compiled module ``inference._C`` is built by ``make build`` (setup.py). Where it is
missing, :func:`native` raises a clear error; callers that can live without speed use
``backend="reference"``.
"""
from __future__ import annotations

from types import ModuleType

_native: ModuleType | None = None
_native_error: str | None = None


class NativeOpsMissing(RuntimeError):
    """The compiled csrc/ module is not built."""


def native() -> ModuleType:
    """The compiled ops module; raises NativeOpsMissing with a how-to-fix message."""
    global _native, _native_error
    if _native is None and _native_error is None:
        try:
            import torch  # noqa: F401  (loads libtorch before the extension)
            from inference import _C
            _native = _C
        except ImportError as exc:  # not built, or built against another torch
            _native_error = str(exc)
    if _native is None:
        raise NativeOpsMissing(f"native ops are not built ({_native_error}); run `make build`")
    return _native


def have_native() -> bool:
    try:
        native()
        return True
    except NativeOpsMissing:
        return False
