"""The History panel, offscreen: rows name each edit with its parameters, undone ones grey;
clicking a row shows that state and an edit after it drops the greyed ones; landmarks moved
by hand are steps (undo brings the fit back); undoing a Fill gives its mask back."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from conftest import WAIT_MS, drag_landmark, open_and_detect, select_and_show  # noqa: E402
from test_gui import _drag, mask_of_class  # noqa: E402


def _click_row(qtbot, w, row):
    from PySide6.QtCore import Qt
    panel = w.history_panel
    rect = panel.visualItemRect(panel.item(row))
    qtbot.mouseClick(panel.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _commit(qtbot, w, name, values):
    n = len(w.doc.steps[:w.doc.cursor])
    w.commit(name, values)
    qtbot.waitUntil(lambda: w.doc.cursor == n + 1, timeout=WAIT_MS)


def test_history_rows_jumps_and_truncation(qtbot, window, sample_path, astronaut):
    w = window
    open_and_detect(qtbot, w, sample_path)
    w.history_dock.raise_()
    assert w.history_panel.rows() == ["Original"]
    w.select_face(0)
    _commit(qtbot, w, "skin", {"strength": 0.8})
    smoothed = w.doc.image().copy()
    _commit(qtbot, w, "lips", {"color": "#902040", "amount": 0.7})
    both = w.doc.image().copy()
    assert not np.array_equal(both, smoothed)
    assert w.history_panel.rows() == ["Original", "Skin smoothing: strength 0.80",
                                      "Lip colour: colour #902040, amount 0.70"]
    assert w.history_panel.undone_rows() == [] and w.history_panel.currentRow() == 2

    _click_row(qtbot, w, 1)                       # back one: as undo
    assert w.doc.cursor == 1 and np.array_equal(w.doc.image(), smoothed)
    assert w.history_panel.undone_rows() == [2] and w.act_redo.isEnabled()
    assert w.canvas.image_pixmap().toImage().pixelColor(0, 0).red() == smoothed[0, 0, 0]
    _click_row(qtbot, w, 0)                       # the original
    assert w.doc.cursor == 0 and np.array_equal(w.doc.image(), astronaut)
    assert w.history_panel.undone_rows() == [1, 2] and not w.isWindowModified()
    _click_row(qtbot, w, 2)                       # forward two: as redo
    assert w.doc.cursor == 2 and np.array_equal(w.doc.image(), both)

    _click_row(qtbot, w, 1)
    _commit(qtbot, w, "lips", {"color": "#c06070", "amount": 0.4})   # an edit after it truncates
    rows = w.history_panel.rows()
    assert rows[:2] == ["Original", "Skin smoothing: strength 0.80"] and len(rows) == 3
    assert rows[2] == "Lip colour: colour #c06070, amount 0.40"
    assert w.history_panel.undone_rows() == [] and not w.act_redo.isEnabled()


def test_moved_landmarks_are_undoable_steps(qtbot, window, sample_path):
    w = window
    open_and_detect(qtbot, w, sample_path)
    select_and_show(qtbot, w)
    face = w.doc.faces()[0]
    lm = face.landmarks68.copy()
    w.face_panel.edit.setChecked(True)
    drag_landmark(w, lm[8], 12)                                    # the chin, 12 px down
    moved = w.doc.faces()[0]
    assert moved.landmarks68[8][1] - lm[8][1] == pytest.approx(12, abs=2)
    assert w.doc.cursor == 1 and w.history_panel.rows()[-1] == "Move landmark 8"
    assert w.act_undo.text() == "&Undo Move landmark"
    assert not w.doc.modified                     # no pixel changed: nothing to save

    w.undo()                                      # the fit as it was, selected, parsed again
    assert w.doc.cursor == 0 and w.doc.faces()[0] is face and w.selected == 0
    assert np.allclose(w.doc.faces()[0].landmarks68, lm)
    assert not w.face_panel.reset.isEnabled()
    qtbot.waitUntil(lambda: w.canvas.overlays_visible()["parsing"], timeout=WAIT_MS)
    w.redo()
    assert w.doc.faces()[0] is moved and w.face_panel.reset.isEnabled()

    w.reset_landmarks()                           # a step too, and undone like one
    assert w.doc.cursor == 2 and w.history_panel.rows()[-1] == "Reset landmarks"
    assert np.allclose(w.doc.faces()[0].landmarks68, lm)
    w.undo()
    assert w.doc.faces()[0] is moved

    w.select_face(0)                              # an edit after them uses the moved fit
    _commit(qtbot, w, "skin", {"strength": 0.5})
    assert w.doc.cursor == 2 and w.doc.steps[1].face is moved and w.doc.modified


def test_undoing_a_fill_gives_its_mask_back(qtbot, window, sample_path, astronaut):
    w = window
    open_and_detect(qtbot, w, sample_path)
    w.inpaint_panel.set_tool("lasso")
    _drag(w, [(330, 110), (380, 110), (380, 160), (330, 160)])    # over the shuttle
    w.inpaint_panel.set_tool("brush")
    w.inpaint_panel.size.setValue(12)
    _drag(w, [(400, 300), (430, 320)])
    painted = w.mask.array()
    assert painted[135, 355] == 255 and painted[310, 415] == 255
    w.act_fill.trigger()
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    filled = w.doc.image().copy()
    assert not w.mask.strokes and not w.mask.array().any()

    w.undo()                                      # the photo and the mask painted for it
    assert w.doc.cursor == 0 and np.array_equal(w.doc.image(), astronaut)
    assert np.array_equal(w.mask.array(), painted) and len(w.mask.strokes) == 2
    assert w.canvas._mask.image is not None
    w.redo()                                      # filled again: the mask used up
    assert np.array_equal(w.doc.image(), filled) and not w.mask.array().any()

    w.undo()
    w.undo()                                      # now the brush stroke goes: adjust the mask
    assert w.doc.cursor == 0 and len(w.mask.strokes) == 1
    adjusted = w.mask.array()
    assert adjusted[310, 415] == 0 and adjusted[135, 355] == 255
    w.act_fill.trigger()                          # and fill again
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    out = w.doc.image()
    assert np.array_equal(out[adjusted == 0], astronaut[adjusted == 0])
    assert (out[adjusted > 0] != astronaut[adjusted > 0]).any()
    assert len(w.doc.steps) == 1                  # the first fill was dropped, as undo + edit does


def test_a_clothes_mask_is_kept_small_with_its_fill(qtbot, window, sample_path, astronaut):
    """"Add to mask: clothes" and Fill: the strokes kept with the step hold the class's box at
    one bit a pixel, not the photo-sized raster the parsing gives (past the crop, the suit
    reaches the photo's bottom); undo gives the very mask back, redo the very fill, and
    filling the given-back mask again the same pixels."""
    import pickle

    from inference.body_extent import class_raster
    from inference.parsing import CLOTHES
    w = window
    mask_of_class(qtbot, w, sample_path, CLOTHES)
    raster, x0, y0 = class_raster(w.doc.faces()[0].parsing, CLOTHES)   # what the worker gave
    painted = np.zeros(astronaut.shape[:2], np.uint8)
    painted[y0:y0 + raster.shape[0], x0:x0 + raster.shape[1]] = raster
    assert np.array_equal(w.mask.array(), painted) and (painted > 0).mean() > 0.1

    w.act_fill.trigger()
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    filled = w.doc.image().copy()
    assert (filled[painted > 0] != astronaut[painted > 0]).any()
    held = len(pickle.dumps(w.doc.top().painted))
    assert held < raster.nbytes / 6 and held < painted.size / 8 + 4096, (held, raster.nbytes)

    w.undo()                                      # the mask back, pixel for pixel
    assert np.array_equal(w.doc.image(), astronaut) and np.array_equal(w.mask.array(), painted)
    w.redo()
    assert np.array_equal(w.doc.image(), filled) and not w.mask.array().any()
    w.undo()
    w.act_fill.trigger()                          # filled again from the given-back mask
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    assert np.array_equal(w.doc.image(), filled)


def test_rows_read_the_spots_kept_and_name_the_face_on_a_group_photo():
    """A heal's row said "spots kept []"; on a photo of several faces an edit of face 0 read
    like one of the whole photo."""
    from app.document import EditStep
    from app.panels.history import step_text
    heal = EditStep(name="heal", face_index=0, params={"keep": []}, patch=None, base_state=0)
    assert step_text(heal) == "Heal blemishes"
    heal.params["keep"] = [(10.0, 20.0), (30.0, 40.0)]
    assert step_text(heal) == "Heal blemishes: spots kept 2"
    lips = EditStep(name="lips", face_index=0, params={"color": "#a02040", "amount": 0.7}, patch=None, base_state=0)
    assert not step_text(lips).endswith(")")
    assert step_text(lips, several_faces=True).endswith("(face 0)")
    lips.face_index = 1
    assert step_text(lips).endswith("(face 1)")
