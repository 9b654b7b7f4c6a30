"""The layering holds: every inference module imports without Qt or the app, and the app's
model (session, jobs, document) without Qt, so all of it runs headless (CLI, batch, tests)."""
from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

PROBE = """
import importlib, pkgutil, sys
import inference
# the compiled ops load through inference.ops.native(), which loads libtorch before them
names = [m.name for m in pkgutil.walk_packages(inference.__path__, 'inference.') if m.name != 'inference._C']
for name in names + {extra}:
    importlib.import_module(name)
from inference.ops import native
native()
bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6') or m in {forbidden})
print(len(names), bad)
sys.exit(1 if bad else 0)
"""


def _probe(extra: list[str], forbidden: set[str]) -> subprocess.CompletedProcess:
    code = PROBE.format(extra=extra, forbidden=forbidden)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_inference_loads_neither_qt_nor_the_app():
    res = _probe([], {"app"})
    assert res.returncode == 0, res.stdout + res.stderr
    count = int(res.stdout.split()[0])
    assert count >= 30            # the walk really found the package's modules


def test_the_apps_model_is_qt_free():
    res = _probe(["app.session", "app.jobs", "app.document"], set())
    assert res.returncode == 0, res.stdout + res.stderr
