"""A reference photo dropped from the desktop on the makeup panel's picker is taken as if chosen
with the file dialog: the edit runs with it (one undoable step) and the picker shows it."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from conftest import WAIT_MS, click_image, open_and_detect


def _drag(widget, urls: list[QUrl]) -> tuple[bool, bool]:
    """Send a drag-enter and a drop of ``urls`` to ``widget``: (enter accepted, drop accepted)."""
    mime = QMimeData()
    mime.setUrls(urls)
    pos = QPointF(widget.rect().center())
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(pos.toPoint(), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(pos, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    return enter.isAccepted(), drop.isAccepted()


def test_dropping_a_reference_runs_the_makeup(qtbot, window, sample_path, astronaut, tmp_path):
    from inference import parsing as P
    from inference.edits.brows.colour import from_lab, to_lab
    from inference.io import write_image
    w = window
    open_and_detect(qtbot, w, sample_path)
    face = w.doc.faces()[0]
    lips = np.isin(face.parsing_for(astronaut).full(512, 512), (P.UPPER_LIP, P.LOWER_LIP))
    lab = to_lab(astronaut.astype(np.float32))
    lab[..., 1:][lips] = (60.0, 35.0)
    ref = write_image(tmp_path / "red lips.png", np.clip(from_lab(lab) + 0.5, 0, 255).astype(np.uint8))
    panel = w.panels["makeup"]
    button = panel._controls["reference"]
    click_image(qtbot, w, *face.centre)
    assert button.isEnabled()
    assert _drag(button, [QUrl.fromLocalFile(str(ref))]) == (True, True)
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    step = w.doc.top()
    assert step.name == "makeup" and step.params["reference"] == str(ref)
    assert button.text() == "red lips.png" and not button.icon().isNull()
    out = w.doc.image().astype(int)
    moved = np.abs(out - astronaut).max(-1) > 2
    assert moved[lips].mean() > 0.8                       # the dropped reference's lips arrived
    w.act_undo.trigger()
    assert np.array_equal(w.doc.image(), astronaut)


def test_the_picker_takes_one_local_file_only(qtbot, sample_path, tmp_path):
    """Two files, a file not on this machine, or any drop while no face is chosen: refused, and
    nothing is asked for (a refused drop goes on to the window, which opens photos)."""
    from app.panels.params import ParamsPanel
    from inference.edits import makeup
    panel = ParamsPanel(makeup)
    qtbot.addWidget(panel)
    asked = []
    panel.commitRequested.connect(asked.append)
    button = panel._controls["reference"]
    one = [QUrl.fromLocalFile(str(sample_path))]
    assert _drag(button, one) == (False, False)                 # no face chosen yet
    panel.set_face_selected(True)
    assert _drag(button, one + [QUrl.fromLocalFile(str(tmp_path / "b.png"))]) == (False, False)
    assert _drag(button, [QUrl("https://example.org/ref.png")]) == (False, False)
    assert asked == []
    assert _drag(button, one) == (True, True)
    assert [a["reference"] for a in asked] == [str(sample_path)]
