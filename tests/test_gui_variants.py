"""The Fill's choices (issue 25), offscreen: after a Fill three thumbnails of different fills
appear in the Inpaint panel; picking one makes the photo that variant (inference.edits.inpaint.
variants, pasted) as the same single Fill step, undo gives back the photo and the mask; "Fill
again" fills the same mask with the next seeds."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from conftest import WAIT_MS, open_and_detect  # noqa: E402
from test_gui import _drag  # noqa: E402


def _icon_pixels(button) -> np.ndarray:
    from PySide6.QtGui import QImage
    img = button.icon().pixmap(button.iconSize()).toImage().convertToFormat(QImage.Format.Format_RGB888)
    h, w, bpl = img.height(), img.width(), img.bytesPerLine()
    return np.frombuffer(bytes(img.constBits()), np.uint8).reshape(h, bpl)[:, :3 * w].reshape(h, w, 3)


def test_fill_choices_pick_undo_and_fill_again(qtbot, window, sample_path, astronaut):
    from PySide6.QtCore import Qt

    from inference.edits.inpaint import variants
    w = window
    open_and_detect(qtbot, w, sample_path)
    ip = w.inpaint_panel
    ip.set_tool("lasso")
    _drag(w, [(330, 110), (380, 110), (380, 160), (330, 160)])    # over the shuttle
    painted = w.mask.array()
    assert painted[135, 355] == 255 and painted[100, 340] == 0
    assert ip.choice_count() == 0 and not ip.fill_again.isEnabled()

    w.act_fill.trigger()
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    first = w.doc.image().copy()
    qtbot.waitUntil(lambda: ip.choice_count() == 3, timeout=3 * WAIT_MS)
    assert ip.fill_again.isEnabled() and ip.choice_buttons[0].isChecked()

    # what the panel offers is what the headless variants give for this mask, seeds 0, 1, 2
    made = variants(astronaut, None, mask=painted, count=3, seed=0, engine=ip.values()["engine"])
    assert np.array_equal(made[0].paste(astronaut), first)       # the first is the Fill itself
    hole = painted > 0
    outs = [m.paste(astronaut) for m in made]
    for a, b in ((0, 1), (0, 2), (1, 2)):                          # three different fills
        gap = np.abs(outs[a][hole].astype(int) - outs[b][hole].astype(int)).mean()
        assert gap > 2.0, (a, b, gap)
        assert not np.array_equal(_icon_pixels(ip.choice_buttons[a]), _icon_pixels(ip.choice_buttons[b]))

    qtbot.mouseClick(ip.choice_buttons[1], Qt.MouseButton.LeftButton)   # the second one
    out = w.doc.image()
    assert np.array_equal(out, outs[1])
    assert np.array_equal(out[~hole], astronaut[~hole])           # 0 levels outside the mask
    assert w.doc.cursor == 1 and len(w.doc.steps) == 1            # still one Fill step
    assert w.history_panel.rows()[0] == "Original" and len(w.history_panel.rows()) == 2
    assert w.doc.steps[0].params["seed"] == 1 and ip.choice_buttons[1].isChecked()
    assert w.canvas.image_pixmap().toImage().pixelColor(355, 135).red() == outs[1][135, 355, 0]   # shown

    w.undo()                                                      # the photo and its mask back
    assert w.doc.cursor == 0 and np.array_equal(w.doc.image(), astronaut)
    assert np.array_equal(w.mask.array(), painted)
    assert ip.choice_count() == 0 and not ip.fill_again.isEnabled()   # no Fill to choose for
    w.redo()                                                      # the chosen one, choices back
    assert np.array_equal(w.doc.image(), outs[1]) and not w.mask.array().any()
    assert ip.fill_again.isEnabled() and ip.choice_count() == 3 and ip.choice_buttons[1].isChecked()

    ip.fill_again.click()                                         # same mask, seeds 3, 4, 5
    qtbot.waitUntil(lambda: w.doc.steps[0].params["seed"] == 3, timeout=3 * WAIT_MS)
    again = variants(astronaut, None, mask=painted, count=1, seed=3,
                                  engine=ip.values()["engine"])[0].paste(astronaut)
    assert np.array_equal(w.doc.image(), again)
    assert np.array_equal(again[~hole], astronaut[~hole]) and not np.array_equal(again, outs[1])
    assert ip.choice_count() == 3 and ip.choice_buttons[0].isChecked()
    assert w.doc.cursor == 1 and len(w.doc.steps) == 1
    w.undo()                                                      # still the one Fill: the mask back
    assert np.array_equal(w.doc.image(), astronaut) and np.array_equal(w.mask.array(), painted)

    w.redo()                                                      # Fill again, cancelled at once:
    ip.fill_again.click()                                         # nothing changes
    assert not ip.choices_cancel.isHidden() and ip.choice_count() == 0
    ip.choices_cancel.click()
    assert ip.choices_cancel.isHidden() and ip.choice_count() == 3
    qtbot.waitUntil(lambda: not w.worker.busy(), timeout=WAIT_MS)
    qtbot.wait(50)
    assert np.array_equal(w.doc.image(), again) and w.doc.steps[0].params["seed"] == 3
    assert ip.choice_count() == 3 and ip.choice_buttons[0].isChecked()


def test_choices_of_a_fill_guided_by_the_selected_face(qtbot, window, sample_path, astronaut):
    """With a face selected (each hole pixel from its class) and seed 7: the choices are seeds
    7, 8, 9 of that face's fill, their progress reported on the way."""
    from PySide6.QtCore import Qt

    from conftest import click_image
    from inference.edits.inpaint import variants
    w = window
    open_and_detect(qtbot, w, sample_path)
    click_image(qtbot, w, *w.doc.faces()[0].centre)
    qtbot.waitUntil(lambda: w.selected == 0 and w.doc.faces()[0].parsing is not None, timeout=WAIT_MS)
    fractions = []
    w.worker.progressed.connect(lambda _id, f, m: m.startswith("Filling the other choices") and fractions.append(f))
    ip = w.inpaint_panel
    ip.seed.setValue(7)
    ip.set_tool("lasso")
    _drag(w, [(140, 380), (200, 380), (200, 430), (140, 430)])    # the mission patch's corner
    painted = w.mask.array()
    w.act_fill.trigger()
    qtbot.waitUntil(lambda: ip.choice_count() == 3, timeout=3 * WAIT_MS)
    assert fractions and max(fractions) > 0.4 and fractions == sorted(fractions)

    qtbot.mouseClick(ip.choice_buttons[2], Qt.MouseButton.LeftButton)
    face = w.session.selected_face()
    want = variants(astronaut, face, mask=painted, count=3, seed=7, engine=ip.values()["engine"])[2].paste(astronaut)
    hole = painted > 0
    assert np.array_equal(w.doc.image(), want) and np.array_equal(want[~hole], astronaut[~hole])
    assert w.doc.steps[0].params["seed"] == 9 and len(w.doc.steps) == 1
    w.undo()
    assert np.array_equal(w.doc.image(), astronaut) and np.array_equal(w.mask.array(), painted)


def test_an_engine_the_seed_does_not_change_offers_no_choices(qtbot, window, sample_path, astronaut):
    """Telea gives one answer whatever the seed: its Fill shows no thumbnails, no Fill again
    (and the choices of a patchmatch Fill before it go)."""
    w = window
    open_and_detect(qtbot, w, sample_path)
    ip = w.inpaint_panel
    ip.set_tool("lasso")
    _drag(w, [(330, 110), (380, 110), (380, 160), (330, 160)])
    w.act_fill.trigger()
    qtbot.waitUntil(lambda: ip.choice_count() == 3, timeout=3 * WAIT_MS)
    ip.engine.setCurrentText("telea")
    _drag(w, [(130, 60), (170, 60), (170, 100), (130, 100)])
    before = w.doc.image().copy()
    w.act_fill.trigger()
    qtbot.waitUntil(lambda: w.doc.cursor == 2, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not w.worker.busy(), timeout=WAIT_MS)
    assert not np.array_equal(w.doc.image(), before)
    assert ip.choice_count() == 0 and ip.choice_buttons[0].isHidden() and not ip.fill_again.isEnabled()


def test_a_choice_picked_after_a_preview_is_what_the_next_edit_builds_on(qtbot, window, sample_path, astronaut):
    """A Fill on the cheek, a smoothing previewed on it, then the second choice picked: the
    smoothing committed with the same values is the smoothing of the picked fill, not the
    preview made on the first one (which had the first fill's pixels in its patch)."""
    from PySide6.QtCore import Qt

    from inference import edits
    w = window
    open_and_detect(qtbot, w, sample_path)
    cx, cy = w.doc.faces()[0].centre
    ip = w.inpaint_panel
    ip.set_tool("lasso")
    x, y = cx - 22, cy + 4                                         # the left cheek's skin
    _drag(w, [(x, y), (x + 12, y), (x + 12, y + 12), (x, y + 12)])
    hole = w.mask.array() > 0
    w.act_fill.trigger()
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: ip.choice_count() == 3 and not w.worker.busy(), timeout=3 * WAIT_MS)
    first = w.doc.image().copy()
    ip.set_tool("select")

    w.select_face(0)
    qtbot.waitUntil(lambda: w.doc.faces()[0].parsing is not None, timeout=WAIT_MS)
    w.session.preview("skin", {"strength": 0.8})
    qtbot.waitUntil(lambda: w.session.last_preview is not None, timeout=WAIT_MS)
    qtbot.mouseClick(ip.choice_buttons[1], Qt.MouseButton.LeftButton)
    picked = w.doc.image().copy()
    assert w.doc.steps[0].params["seed"] == 1
    assert np.abs(picked[hole].astype(int) - first[hole].astype(int)).mean() > 2   # another fill there

    w.commit("skin", {"strength": 0.8})
    qtbot.waitUntil(lambda: w.doc.cursor == 2, timeout=WAIT_MS)
    out = w.doc.image()
    face = w.doc.steps[1].face
    skin = edits.get("skin")
    want = skin.apply_region(picked, face, strength=0.8).paste(picked)
    stale = skin.apply_region(first, face, strength=0.8).paste(first)
    assert np.abs(want[hole].astype(int) - stale[hole].astype(int)).mean() > 2
    assert np.array_equal(out[hole], want[hole])                   # built on the picked fill
    assert np.abs(out.astype(int) - want.astype(int)).max() <= 1   # and the same smoothing
    w.undo()
    assert np.array_equal(w.doc.image(), picked)
