"""The edit contract: what an edit declares once so that the CLI, the GUI's panels and the
history are all built from it.

An edit module has ``NAME``, ``TITLE``, ``PARAMS`` (a list of :class:`Param`),
``CHANGES_GEOMETRY``, ``apply_region(image, face, *, preview=False, progress=None, **params)
-> Patch``, ``is_identity(**params)``, optionally ``limits(face) -> {param: (lo, hi)}`` where a
range depends on the face, and ``CLI`` (a :class:`Command`) when it has a headless command.
Parameters are checked here, from ``PARAMS``, and nowhere else.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable, Sequence

FLOAT, INT, BOOL, CHOICE, CHOICES, COLOUR, PHOTO, FILE, MASK = \
    "float", "int", "bool", "choice", "choices", "colour", "photo", "file", "mask"
KINDS = (FLOAT, INT, BOOL, CHOICE, CHOICES, COLOUR, PHOTO, FILE, MASK)
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


class EditError(ValueError):
    """An edit that cannot be done as asked (one line for the user: the CLI's exit 2)."""


class ParamError(EditError):
    """A parameter value outside what its edit takes (one line, for the CLI and the GUI)."""


@dataclass(frozen=True)
class Param:
    """One parameter of an edit.

    ``range`` bounds numbers (inclusive); ``step`` is the GUI slider's resolution; ``unit`` is
    shown after the value ("°"). ``choices`` lists a CHOICE's values (a callable gives them
    late, e.g. from a registry); a CHOICES value is any of them, given as "a,b" on the CLI and
    kept as a tuple in the choices' order. A PHOTO is a reference photo's path, a FILE any other file (a
    model's weights), a MASK an array painted in the GUI or read from an image on the CLI.
    ``cli``: the flag (None: no flag; the CLI passes it positionally or not at all);
    ``required``: the CLI asks for it (the GUI starts from ``default``); ``gui``: the generic
    panel shows a control for it.
    """
    name: str
    label: str
    kind: str
    default: Any = None
    neutral: Any = None                 # the value that changes nothing (a panel's rest); None: default
    range: tuple[float, float] | None = None
    step: float | None = None
    unit: str = ""
    help: str = ""
    choices: Sequence[str] | Callable[[], Sequence[str]] = ()
    cli: str | None = ""                # "" means --NAME (dashes for underscores)
    metavar: str | None = None
    required: bool = False
    gui: bool = True

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown parameter kind {self.kind!r}")

    @property
    def flag(self) -> str | None:
        if self.cli == "":
            return "--" + self.name.replace("_", "-")
        return self.cli

    @property
    def rest(self) -> Any:
        """What a panel shows when no edit of this kind is being adjusted."""
        return self.default if self.neutral is None else self.neutral

    def options(self) -> list[str]:
        return list(self.choices() if callable(self.choices) else self.choices)

    def check(self, value: Any, limits: tuple[float, float] | None = None) -> Any:
        """``value`` converted to the kind and checked against the range (or ``limits``, a
        narrower range for one face); raises :class:`ParamError` with a one-line reason."""
        if value is None or (self.kind in (COLOUR, FILE, PHOTO) and isinstance(value, str) and value == ""):
            if self.kind in (FILE, PHOTO, MASK) or (self.kind == COLOUR and self.default is None):
                return None  # optional: not given, nothing to do
            raise ParamError("a value is required")
        if self.kind in (FLOAT, INT):
            return self._number(value, limits)
        if self.kind == BOOL:
            if isinstance(value, str):
                if value.lower() in ("1", "true", "yes", "on"):
                    return True
                if value.lower() in ("0", "false", "no", "off"):
                    return False
                raise ParamError(f"not a yes/no value: {value!r}")
            return bool(value)
        if self.kind == CHOICE:
            opts = self.options()
            if value not in opts:
                raise ParamError(f"invalid choice: {value!r} (choose from {', '.join(map(repr, opts))})")
            return value
        if self.kind == CHOICES:
            opts = self.options()
            given = [v.strip() for v in value.split(",")] if isinstance(value, str) else list(value)
            bad = [v for v in given if v not in opts]
            if bad or not given:
                raise ParamError(f"choose one or more of {','.join(opts)} (comma-separated), not {value!r}")
            return tuple(o for o in opts if o in given)
        if self.kind == COLOUR:
            if not isinstance(value, str) or not _COLOUR.fullmatch(value):
                raise ParamError(f"not a colour '#RRGGBB': {value!r}")
            return value.lower()
        return value  # PHOTO, FILE, MASK: read and checked by whoever opens them

    def _number(self, value: Any, limits: tuple[float, float] | None) -> float | int:
        try:
            v = int(value) if self.kind == INT else float(value)
        except (TypeError, ValueError):
            raise ParamError(f"not a number: {value!r}") from None
        if self.kind == FLOAT and not math.isfinite(v):
            raise ParamError(f"not a finite number: {value!r}")
        lo, hi = limits if limits is not None else (self.range or (-math.inf, math.inf))
        if not lo - 1e-9 <= v <= hi + 1e-9:
            raise ParamError(self.out_of_range(v, lo, hi))
        return v

    def out_of_range(self, v: float, lo: float, hi: float) -> str:
        if self.unit == "°" and lo == -hi:
            return f"must be within ±{hi:.0f} degrees, not {v:g}"
        if self.kind == INT:
            return f"must be between {int(lo)} and {int(hi)}, not {v}"
        return f"must be between {lo:g} and {hi:g}, not {v}"


@dataclass(frozen=True)
class Command:
    """An edit's headless command: ``main.py NAME PHOTO [positional params] OUT [flags]``.
    ``faces``: the command takes ``--face N|all`` (an edit of faces, not of the photo)."""
    name: str
    help: str
    faces: bool = True
    positional: tuple[str, ...] = ()    # params given as positionals before OUT (e.g. a mask)
    positional_help: dict[str, str] = field(default_factory=dict)


def params_of(edit: ModuleType) -> dict[str, Param]:
    return {p.name: p for p in edit.PARAMS}


def defaults(edit: ModuleType) -> dict[str, Any]:
    """Every parameter at its default (what an untouched panel shows)."""
    return {p.name: p.default for p in edit.PARAMS}


def limits(edit: ModuleType, face) -> dict[str, tuple[float, float]]:
    """Ranges narrowed for one face (e.g. how far a head already turned can turn further)."""
    fn = getattr(edit, "limits", None)
    return dict(fn(face)) if fn is not None and face is not None else {}


def validate(edit: ModuleType, params: dict[str, Any], face=None, partial: bool = True) -> dict[str, Any]:
    """``params`` checked and converted by the edit's PARAMS: unknown names are refused,
    ranges narrowed for ``face`` where the edit says so. ``partial=False`` fills in defaults.
    Raises ParamError naming the parameter."""
    spec = params_of(edit)
    unknown = sorted(set(params) - set(spec))
    if unknown:
        raise ParamError(f"{edit.NAME}: unknown parameter(s) {', '.join(unknown)}; "
                         f"known: {', '.join(spec)}")
    narrowed = limits(edit, face)
    out = {} if partial else defaults(edit)
    for name, value in params.items():
        try:
            out[name] = spec[name].check(value, narrowed.get(name))
        except ParamError as exc:
            raise ParamError(f"{spec[name].label.lower()}: {exc}") from None
    return out
