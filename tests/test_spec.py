"""The edit contract (inference/edits/spec.py): every registered edit declares itself fully,
parameters are checked in one place, the CLI's commands and the GUI's panels come from the
declarations."""
from __future__ import annotations

import math
import types

import numpy as np
import pytest

from inference import edits
from inference.edits import spec
from inference.edits.spec import Param, ParamError


@pytest.mark.parametrize("name", list(edits.EDITS))
def test_every_edit_declares_the_contract(name):
    e = edits.get(name)
    assert e.NAME == name and e.TITLE
    assert isinstance(e.CHANGES_GEOMETRY, bool) and isinstance(e.PREVIEW_IS_RESULT, bool)
    assert e.PARAMS and all(isinstance(p, Param) for p in e.PARAMS)
    assert len({p.name for p in e.PARAMS}) == len(e.PARAMS)
    for p in e.PARAMS:
        if p.kind in (spec.FLOAT, spec.INT) and p.gui:
            assert p.range is not None and p.range[0] <= p.rest <= p.range[1]
    assert callable(e.apply_region) and callable(e.is_identity)
    assert e.CLI is None or isinstance(e.CLI, spec.Command)


def test_numbers_are_checked_against_their_range():
    strength = spec.params_of(edits.get("skin"))["strength"]
    assert strength.check("0.25") == 0.25
    with pytest.raises(ParamError, match="between 0 and 1, not 2.0"):
        strength.check("2")
    with pytest.raises(ParamError, match="not a number"):
        strength.check("x")
    yaw = spec.params_of(edits.get("rotate"))["yaw"]
    with pytest.raises(ParamError, match="within ±45 degrees, not 50"):
        yaw.check(50)
    for bad in ("nan", "inf", math.nan):
        with pytest.raises(ParamError, match="finite"):
            yaw.check(bad)
    seed = spec.params_of(edits.get("inpaint"))["seed"]
    assert seed.check("4294967295") == 2**32 - 1
    with pytest.raises(ParamError, match="between 0 and 4294967295"):
        seed.check(str(2**32))


def test_colours_choices_and_unknown_names():
    c = Param("color", "Colour", spec.COLOUR, default="#000000")
    assert c.check("#3B2A20") == "#3b2a20"
    for bad in ("3b2a20", "#3b2a2", "#ggg000", 7):
        with pytest.raises(ParamError):
            c.check(bad)
    engine = spec.params_of(edits.get("inpaint"))["engine"]
    assert engine.check("telea") == "telea"
    with pytest.raises(ParamError, match="invalid choice"):
        engine.check("foo")
    with pytest.raises(ParamError, match="unknown parameter"):
        spec.validate(edits.get("skin"), {"strenght": 0.3})
    with pytest.raises(ParamError, match="strength"):
        spec.validate(edits.get("skin"), {"strength": -1})
    assert spec.validate(edits.get("skin"), {}, partial=False)["strength"] == 0.5


def test_limits_narrow_a_range_for_one_face(astronaut_face):
    e = edits.get("rotate")
    lo, hi = spec.limits(e, astronaut_face)["yaw"]
    assert -45 <= lo < 0 < hi <= 45
    turned = types.SimpleNamespace(pose=types.SimpleNamespace(yaw=-30.0))
    assert spec.limits(e, turned)["yaw"] == pytest.approx((-20.0, 45.0))
    with pytest.raises(ParamError, match="yaw"):
        spec.validate(e, {"yaw": -30.0}, face=turned)
    assert spec.limits(edits.get("skin"), astronaut_face) == {}


def test_the_cli_is_built_from_the_specs():
    import argparse

    from inference.cli import build_parser
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for e in edits.EDITS.values():
        if e.CLI is None:
            continue
        cmd = sub.choices[e.CLI.name]
        flags = {o for a in cmd._actions for o in a.option_strings}
        for p in e.PARAMS:
            if p.flag is not None:
                assert p.flag in flags, (e.NAME, p.flag)
        assert ("--face" in flags) == e.CLI.faces and "--overwrite" in flags
        positional = [a.dest for a in cmd._actions if not a.option_strings]
        assert positional == ["photo", *e.CLI.positional, "out"]


def test_apply_edit_checks_parameters(astronaut, astronaut_face):
    with pytest.raises(ParamError):
        edits.apply_edit("skin", astronaut, astronaut_face, {"strength": 3})
    out = edits.apply_edit("skin", astronaut, astronaut_face, {"strength": 0.5})
    assert out.shape == astronaut.shape and not np.array_equal(out, astronaut)


def test_optional_values_and_arrays():
    mask = spec.params_of(edits.get("inpaint"))["mask"]
    arr = np.ones((4, 4), np.uint8)
    assert mask.check(arr) is arr                      # an array is passed through, not compared
    colour = spec.params_of(edits.get("brows"))["color"]
    assert colour.check(None) is None and colour.check("") is None
