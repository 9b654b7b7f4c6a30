"""Start-up: the CLI's parser is built without torch, OpenCV, scipy or mediapipe (the edits are
listed from the registry's declarations and imported when one runs), and what it builds so is
what it built before. Speed itself is measured in bench/startup.py, not here."""
from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest
from conftest import ROOT, assert_one_line_error, run_cli

from inference import edits
from inference.cli import build_parser, command_names

HEAVY = ("torch", "cv2", "mediapipe", "scipy")


def _loaded_after(code: str) -> set[str]:
    """The heavy modules a fresh interpreter holds after running ``code``."""
    probe = f"{code}\nimport sys, json; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_help_parser_imports_nothing_heavy():
    assert _loaded_after("from inference.cli import build_parser, command_names\n"
                         "build_parser(lazy=True); command_names()") == set()


@pytest.mark.parametrize("command", ["smooth", "inpaint", "rotate", "brows", "heal", "makeup"])
def test_one_commands_parser_needs_no_torch(command):
    assert _loaded_after(f"from inference.cli import build_parser\nbuild_parser({command!r}, lazy=True)") <= {"cv2"}


def test_the_registry_says_what_the_modules_declare():
    declared = edits.commands()
    for name, module in edits.EDITS.items():
        assert module.NAME == name
        if module.CLI is not None:
            assert declared[module.CLI.name] == (name, module.CLI.help)
    assert len(declared) == sum(m.CLI is not None for m in edits.EDITS.values())
    assert list(edits.EDITS)[:5] == ["skin", "brows", "makeup", "rotate", "inpaint"]   # the docks' order
    with pytest.raises(ValueError, match="unknown edit"):
        edits.get("nope")


def _sub(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def test_a_lazy_parser_is_the_full_one():
    full = build_parser()
    assert sorted(_sub(full).choices) == command_names()
    assert build_parser(lazy=True).format_help() == full.format_help()
    for cmd in edits.commands():
        lazy = _sub(build_parser(cmd, lazy=True)).choices[cmd]
        assert lazy.format_help() == _sub(full).choices[cmd].format_help(), cmd


def test_errors_of_modules_loaded_late_are_still_one_line(tmp_path):
    """The CLI recognises an engine's error though inference.inpaint was not loaded at start."""
    import numpy as np
    from PIL import Image
    photo, mask = tmp_path / "p.png", tmp_path / "m.png"
    Image.fromarray(np.full((64, 64, 3), 128, np.uint8)).save(photo)
    Image.fromarray(np.full((64, 64), 255, np.uint8)).save(mask)
    res = run_cli("inpaint", photo, mask, tmp_path / "o.png", "--engine", "lama")
    assert_one_line_error(res, "model")


def test_lazy_module_loads_on_first_use():
    code = ("from inference.lazy import lazy_module\nimport sys\n"
            "m = lazy_module('colorsys')\nassert 'colorsys' not in sys.modules\n"
            "assert m.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)\nassert 'colorsys' in sys.modules\n"
            "assert m.hls_to_rgb is sys.modules['colorsys'].hls_to_rgb\nprint('ok')")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr
