"""Makeup by hand in the editor, offscreen: each product is its own panel (a section per
product: colour button with preset swatches, sliders); a drag previews on the worker, its
release is one undoable edit, and the products stack in the history in the order applied."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QPushButton

from inference import parsing as P

pytest.importorskip("pytestqt")

from conftest import WAIT_MS, click_image, open_and_detect  # noqa: E402


def drag(qtbot, w, panel, name, values):
    slider = panel.sliders[name]
    slider.setSliderDown(True)
    for v in values:
        slider.setValue(v)
    qtbot.waitUntil(lambda: w.session.last_preview is not None and
                    w.session.last_preview.params.get(name) == pytest.approx(values[-1] / 100), timeout=WAIT_MS)
    slider.setSliderDown(False)


def test_lips_then_eyeshadow_stack_and_undo(qtbot, window, sample_path, astronaut):
    w = window
    open_and_detect(qtbot, w, sample_path)
    face = w.doc.faces()[0]
    click_image(qtbot, w, *face.centre)
    assert w.selected == 0
    lips = w.panels["lips"]
    qtbot.waitUntil(lambda: lips.sliders["amount"].isEnabled(), timeout=WAIT_MS)
    assert lips.value("amount") == 0.0                      # rests at no change
    swatch = lips.findChild(QPushButton, "lips_color_8e2a3a")
    assert swatch is not None
    swatch.click()
    assert lips.value("color") == "#8e2a3a"
    start = w.doc.cursor
    drag(qtbot, w, lips, "amount", [30, 60, 90])
    qtbot.waitUntil(lambda: w.doc.cursor == start + 1, timeout=WAIT_MS)
    assert w.doc.cursor == 1
    with_lips = w.doc.image().copy()
    labels = w.doc.faces()[0].parsing.full(*astronaut.shape[:2]) if w.doc.faces()[0].parsing is not None else None
    changed = np.abs(with_lips.astype(int) - astronaut).max(-1) > 3
    assert changed.sum() > 50
    if labels is not None:
        assert changed[np.isin(labels, (P.UPPER_LIP, P.LOWER_LIP))].mean() > 0.5
        assert not changed[labels == P.INNER_MOUTH].any() or changed[labels == P.INNER_MOUTH].mean() < 0.05

    shadow = w.panels["eyeshadow"]
    drag(qtbot, w, shadow, "amount", [40, 80])
    qtbot.waitUntil(lambda: w.doc.cursor == 2, timeout=WAIT_MS)
    assert [s.title for s in w.doc.steps[:2]] == ["Lip colour", "Eyeshadow"]   # in the order applied
    assert not np.array_equal(w.doc.image(), with_lips)

    w.act_undo.trigger()
    assert w.doc.cursor == 1 and np.array_equal(w.doc.image(), with_lips)
    w.act_undo.trigger()
    assert w.doc.cursor == 0 and np.array_equal(w.doc.image(), astronaut)
    assert not w.errors
