"""A recipe: the edits of one photo, written down so they carry over to other photos.

A recipe file is a JSON list of steps, each ``{"edit": COMMAND, ...params..., "face": F}``:
COMMAND and the parameters are those of the CLI's subcommands (``smooth --strength 0.6`` is
``{"edit": "smooth", "strength": 0.6}``; a parameter may be spelled as its flag, ``under-eye``,
or as its name, ``under_eye``), and F is ``"all"``, ``"largest"`` or a face number of the
``faces`` order (default ``"largest"``, the commands' ``--face 0``). Every value is checked by
the edit's own ``Param.check`` (inference/edits/spec.py), so a recipe takes exactly what the
commands take, and a parameter left out gets the value the command gives it when its flag is
not passed. Parameters that are pixel positions (masks) have no place in a recipe, which must
fit any photo: an edit that needs one is refused, with the reason.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from inference.edits.spec import BOOL, CHOICE, FILE, FLOAT, INT, MASK, PHOTO, Param, ParamError

FACE_KEY = "face"
ALL, LARGEST = "all", "largest"


class RecipeError(ValueError):
    """A recipe that cannot be run as written: one line for the user (exit 2)."""


@dataclass(frozen=True)
class Step:
    """One checked step: the edit (by its registry NAME), every parameter the edit's command
    passes, and the faces it applies to ("all" or a face number; None for an edit of the photo)."""
    edit_name: str
    command: str
    params: dict[str, Any]
    face: str | int | None

    @property
    def edit(self) -> ModuleType:
        from inference.edits import get
        return get(self.edit_name)

    def to_json(self) -> dict[str, Any]:
        """The step as a recipe step again (values as JSON has them: a tuple is a list)."""
        out: dict[str, Any] = {"edit": self.command}
        for name, value in self.params.items():
            if value is not None:   # not given: the command's own default again
                out[name] = list(value) if isinstance(value, tuple) else value
        if self.face is not None:
            out[FACE_KEY] = self.face
        return out


def commands() -> dict[str, ModuleType]:
    """The edits a recipe can name, by their command's name."""
    from inference.edits import EDITS
    return {e.CLI.name: e for e in EDITS.values() if e.CLI is not None}


def _passed(edit: ModuleType, p: Param) -> bool:
    """Whether the command passes this parameter to the edit (a flag, or a positional)."""
    return p.flag is not None or p.name in edit.CLI.positional


def _unset_value(p: Param) -> Any:
    """What the command gives the edit for a parameter whose flag is not passed: argparse's
    default, which it converts with the type (our check) when the default is a string, and
    False for a yes/no flag (store_true)."""
    if p.kind == BOOL:
        return False
    if isinstance(p.default, str) and p.kind not in (CHOICE, FILE, PHOTO):
        return p.check(p.default)
    return p.default


def _check_value(p: Param, value: Any, base: Path) -> Any:
    if p.kind in (FLOAT, INT) and isinstance(value, bool):
        raise ParamError(f"not a number: {json.dumps(value)}")  # float(True) would pass
    if p.kind in (PHOTO, FILE):
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise ParamError(f"a file path is expected, not {json.dumps(value)}")
        # relative to the recipe, and absolute: the workers (another machine's) see this path
        path = Path(os.path.expanduser(value))
        path = path if path.is_absolute() else base / path
        if not path.is_file():
            raise ParamError(f"{path}: no such file")
        return str(path.resolve())
    return p.check(value)


def _face(value: Any, where: str) -> str | int:
    if value == ALL:
        return ALL
    if value == LARGEST:
        return 0   # the faces are numbered largest first
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise RecipeError(f"{where}: face must be \"all\", \"largest\" or a face number, not {json.dumps(value)}")


def parse_step(data: Any, where: str, base: Path) -> Step:
    """One recipe step checked against its edit's PARAMS; RecipeError names what is wrong."""
    if not isinstance(data, dict):
        raise RecipeError(f"{where}: a step is an object {{\"edit\": NAME, ...}}, not {json.dumps(data)[:60]}")
    known = commands()
    name = data.get("edit")
    if not isinstance(name, str) or name not in known:
        raise RecipeError(f"{where}: unknown edit {json.dumps(name)}; known: {', '.join(sorted(known))}")
    edit = known[name]
    where = f"{where} ({name})"
    by_key: dict[str, Param] = {}
    for p in edit.PARAMS:
        by_key[p.name] = p
        if p.flag:
            by_key[p.flag.lstrip("-")] = p
    given: dict[str, tuple[str, Any]] = {}
    face: str | int | None = None
    for key, value in data.items():
        if key == "edit":
            continue
        if key == FACE_KEY:
            if not edit.CLI.faces:
                raise RecipeError(f"{where}: this edit is of the whole photo; it takes no face")
            face = _face(value, where)
            continue
        p = by_key.get(key)
        if p is None or not _passed(edit, p):
            takes = [p.name for p in edit.PARAMS if _passed(edit, p) and p.kind != MASK]
            raise RecipeError(f"{where}: unknown parameter {json.dumps(key)}; it takes: "
                              + (", ".join(takes) or "none") + ", face")
        if p.name in given:
            raise RecipeError(f"{where}: {p.name} is given twice ({given[p.name][0]!r} and {key!r})")
        given[p.name] = (key, value)
    params: dict[str, Any] = {}
    for p in edit.PARAMS:
        if not _passed(edit, p):
            continue
        if p.kind == MASK:
            # pixel positions of one photo: meaningless on another
            if p.required or p.name in edit.CLI.positional:
                raise RecipeError(f"{where}: needs a mask painted on one photo ({p.name}), which does "
                                  "not carry over to others; it cannot be part of a recipe")
            if p.name in given:
                raise RecipeError(f"{where}: {p.name} is painted on one photo and does not carry "
                                  "over to others; leave it out")
            params[p.name] = None
            continue
        if p.name in given:
            try:
                params[p.name] = _check_value(p, given[p.name][1], base)
            except ParamError as exc:
                raise RecipeError(f"{where}: {given[p.name][0]}: {exc}") from None
        elif p.required or p.name in edit.CLI.positional:
            raise RecipeError(f"{where}: {p.name} is required")
        else:
            params[p.name] = _unset_value(p)
    if edit.CLI.faces and face is None:
        face = 0
    return Step(edit.NAME, name, params, face)


def parse_steps(data: Any, base: Path) -> list[Step]:
    """A recipe's steps (a JSON list) checked; ``base``: where relative file paths start."""
    if not isinstance(data, list):
        raise RecipeError("a recipe is a JSON list of steps [{\"edit\": NAME, ...}, ...]")
    if not data:
        raise RecipeError("the recipe has no step")
    return [parse_step(s, f"step {i + 1}", base) for i, s in enumerate(data)]


def load_recipe(path: str | os.PathLike) -> list[Step]:
    """The checked steps of a recipe file; RecipeError (one line) when it is unreadable, not
    JSON, or a step is not what its command takes."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RecipeError(f"{p}: no such recipe") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RecipeError(f"{p}: cannot read the recipe ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecipeError(f"{p}: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    try:
        return parse_steps(data, p.resolve().parent)
    except RecipeError as exc:
        raise RecipeError(f"{p}: {exc}") from None


def steps_to_json(steps: list[Step]) -> list[dict[str, Any]]:
    """The steps as plain JSON data (what a worker receives and checks again)."""
    return [s.to_json() for s in steps]
