"""Shared fixtures: the sample portrait, its faces (detected once), and ../shared/data."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
import inference  # noqa: E402,F401  (its thread settings must come before torch is loaded)

SHARED_DATA = Path(os.environ.get("VISAGE_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data (research data, never copied into the project); skips when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    from inference.sample import sample_image
    img = sample_image()
    img.setflags(write=False)
    return img


@pytest.fixture(scope="session")
def sample_path(tmp_path_factory) -> Path:
    from inference.io import write_image
    p = tmp_path_factory.mktemp("sample") / "astronaut.png"
    from inference.sample import sample_image
    write_image(p, sample_image())
    return p


@pytest.fixture(scope="session")
def astronaut_faces(astronaut):
    from inference.faces import detect
    return detect(astronaut)


@pytest.fixture()
def astronaut_face(astronaut, astronaut_faces):
    """A fresh copy of the sample's face (edits fill in its parsing)."""
    import copy
    assert astronaut_faces, "no face found on the sample portrait"
    return copy.deepcopy(astronaut_faces[0])


def run_cli(*args, timeout: float = 180, **kw):
    """main.py run as a user runs it (a subprocess in the project root)."""
    import subprocess
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT, **kw)


def assert_one_line_error(res, pattern: str) -> None:
    """Exit 2 with one line `visage: error: ...` holding ``pattern``: no traceback, no native
    log chatter."""
    assert res.returncode == 2, (res.returncode, res.stderr[-3000:])
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr[-3000:]
    assert lines[0].startswith("visage: error:") and pattern in lines[0], lines[0]
    assert "Traceback" not in res.stderr


# -- the editor, offscreen ---------------------------------------------------------------------
WAIT_MS = 30000


@pytest.fixture()
def qt_settings(tmp_path):
    """QSettings (recent files, the window's layout) kept in this test's own folder, never in
    the user's."""
    from PySide6.QtCore import QSettings
    folder = tmp_path / "qsettings"
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    return folder


@pytest.fixture()
def window(qtbot, qt_settings):
    """A MainWindow whose dialogs are recorded (errors) or answered from a list (answers;
    the unsaved-changes question: from unsaved_answers, else Cancel)."""
    from app.main_window import MainWindow
    w = MainWindow()
    w.resize(1000, 700)
    qtbot.addWidget(w)
    w.show()
    w.errors = []
    w.tell_error = lambda title, text: w.errors.append((title, text))
    w.answers = []
    w.ask = lambda title, text: w.answers.pop(0) if w.answers else False
    w.unsaved_answers = []
    w.ask_unsaved = lambda text: w.unsaved_answers.pop(0) if w.unsaved_answers else "cancel"
    yield w
    w.doc = None  # nothing to confirm on close
    w.worker.shutdown()


def open_and_detect(qtbot, w, path) -> None:
    w.open_path(str(path))
    qtbot.waitUntil(lambda: w.doc is not None and w.doc.faces() is not None, timeout=WAIT_MS)


def select_and_show(qtbot, w, index: int = 0) -> None:
    """Select a face and wait until the window has drawn its analysis: the parsing is on the
    face before the canvas has its overlay (and the landmarks one can drag)."""
    w.select_face(index)
    qtbot.waitUntil(lambda: w.doc.faces()[index].parsing is not None and w.canvas.overlays_visible()["parsing"],
                    timeout=WAIT_MS)


def mouse(widget, kind: str, pos, buttons) -> None:
    """Send a mouse press, move or release (``kind``) at ``pos`` (widget coordinates)."""
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication
    types = {"press": QEvent.Type.MouseButtonPress, "move": QEvent.Type.MouseMove,
             "release": QEvent.Type.MouseButtonRelease}
    button = Qt.MouseButton.LeftButton if kind != "move" else Qt.MouseButton.NoButton
    ev = QMouseEvent(types[kind], QPointF(pos), QPointF(widget.mapToGlobal(pos)), button, buttons,
                     Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, ev)


def drag_landmark(w, point, dy: float) -> None:
    """Press on a landmark at ``point`` (photo pixels), move it ``dy`` down, release: at zoom 2,
    centred on it, as a user corrects a fit."""
    from PySide6.QtCore import Qt
    w.canvas.set_zoom(2.0)
    w.canvas.centerOn(*point)
    vp = w.canvas.viewport()
    start = w.canvas.mapFromScene(*point)
    end = w.canvas.mapFromScene(point[0], point[1] + dy)
    mouse(vp, "press", start, Qt.MouseButton.LeftButton)
    mouse(vp, "move", end, Qt.MouseButton.LeftButton)
    mouse(vp, "release", end, Qt.MouseButton.NoButton)


def click_image(qtbot, w, x, y) -> None:
    from PySide6.QtCore import QPoint, Qt
    view_pt = w.canvas.mapFromScene(x, y)
    qtbot.mouseClick(w.canvas.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(view_pt.x(), view_pt.y()))
