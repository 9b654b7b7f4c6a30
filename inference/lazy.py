"""Modules imported on first use, so that start-up (``main.py --help``, a mistyped argument, the
listing of the edits) does not wait for torch (~1.3 s), scipy (~0.2 s) or mediapipe.

    torch = lazy_module("torch")     # at the top of a module, in place of `import torch`

The name is a stand-in until an attribute is first read (``torch.zeros``): then the real module
is imported and its attributes copied in, so later reads cost what they cost on the module.
Only for names used inside functions: a module-level use (a base class, a decorator) imports
at once, which is no worse than before.
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule(ModuleType):
    """A stand-in for a module not imported yet."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__dict__["_lazy_target"] = name

    def _load(self) -> ModuleType:
        module = importlib.import_module(self.__dict__["_lazy_target"])
        self.__dict__.update({k: v for k, v in module.__dict__.items() if k != "__name__"})
        return module

    def __getattr__(self, attr: str) -> Any:   # only called for names not copied in yet
        if attr.startswith("__") and attr.endswith("__") and attr not in ("__file__", "__path__", "__version__"):
            raise AttributeError(attr)
        return getattr(self._load(), attr)

    def __repr__(self) -> str:
        return f"<lazy module {self.__dict__['_lazy_target']!r}>"


def lazy_module(name: str) -> ModuleType:
    """``name`` (a dotted module path), imported when one of its attributes is first read."""
    return LazyModule(name)
