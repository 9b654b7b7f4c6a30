"""Saving from the editor, offscreen: Save (Ctrl+S) after / before a Save As, the quality
Save As offers and honours, the title's file name and modified mark, the unsaved question's
three answers (a painted mask counts), and the photo's EXIF and ICC profile kept."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("pytestqt")

from conftest import WAIT_MS, open_and_detect  # noqa: E402
from metadata_photo import MODEL, TAKEN, camera_jpeg, p3_profile, tags_of  # noqa: E402

from inference.io import read_image  # noqa: E402
from inference.io.metadata import file_quality  # noqa: E402


def _smooth(qtbot, w, strength=0.8):
    n = w.doc.cursor
    w.select_face(0)
    w.commit("skin", {"strength": strength})
    qtbot.waitUntil(lambda: w.doc.cursor == n + 1, timeout=WAIT_MS)


def _answer_save_as(w, path, quality=None):
    """Save As answers ``path`` (and the offered quality unless ``quality``); offers recorded."""
    w.offered = []

    def ask(suggested, offered):
        w.offered.append((suggested, offered))
        return str(path), offered if quality is None else quality
    w.ask_save_path = ask


def test_save_before_and_after_save_as_and_the_title(qtbot, window, astronaut, tmp_path):
    w = window
    src = tmp_path / "portrait.png"
    Image.fromarray(astronaut).save(src)
    open_and_detect(qtbot, w, src)
    assert w.windowTitle().startswith("portrait.png") and not w.isWindowModified()
    _smooth(qtbot, w)
    assert w.isWindowModified() and w.act_save_file.shortcut().toString() == "Ctrl+S"

    out = tmp_path / "portrait-web.jpg"
    _answer_save_as(w, out, quality=70)
    w.act_save_file.trigger()                    # no file of its own yet: Save asks for one
    assert len(w.offered) == 1
    suggested, offered = w.offered[0]
    assert suggested.endswith("portrait-edited.png") and offered == 95   # a PNG source: 95
    qtbot.waitUntil(lambda: not w.isWindowModified(), timeout=WAIT_MS)
    assert file_quality(out) == 70
    assert w.windowTitle().startswith("portrait-web.jpg")
    first = read_image(out).rgb
    assert np.abs(first.astype(int) - w.doc.image().astype(int)).mean() < 4.5   # q70 on the sample: 3.4

    _smooth(qtbot, w, 0.3)                        # re-adjusted: different pixels
    assert w.isWindowModified()
    w.ask_save_path = lambda *a: pytest.fail("Save after a Save As must not ask for a name")
    w.act_save_file.trigger()
    qtbot.waitUntil(lambda: not w.isWindowModified(), timeout=WAIT_MS)
    second = read_image(out).rgb
    assert file_quality(out) == 70                # the quality chosen stays
    assert np.abs(second.astype(int) - w.doc.image().astype(int)).mean() < 4.5
    # the file holds the new state: the new state through JPEG q70 is (nearly) what it holds,
    # not what was saved first
    x0, y0, x1, y1 = (int(v) for v in w.doc.faces()[0].box)
    face = np.s_[y0:y1, x0:x1]
    buf = io.BytesIO()
    Image.fromarray(w.doc.image()).save(buf, "JPEG", quality=70)
    expected = np.asarray(Image.open(buf))

    def off(a):
        return np.abs(a[face].astype(int) - expected[face].astype(int)).mean()
    assert off(second) < 0.25 * off(first)
    assert np.array_equal(read_image(src).rgb, astronaut)    # the original untouched


def test_save_keeps_exif_icc_and_the_source_quality(qtbot, window, astronaut, tmp_path):
    shot = camera_jpeg(tmp_path / "camera.jpg", astronaut, quality=80, icc=p3_profile())
    w = window
    open_and_detect(qtbot, w, shot.path)
    _smooth(qtbot, w)
    jpg = tmp_path / "camera-edited.jpg"
    _answer_save_as(w, jpg)
    w.save_as_dialog()
    assert w.offered[0][1] == 80                  # the source's estimated quality offered
    qtbot.waitUntil(lambda: not w.doc.modified, timeout=WAIT_MS)
    tags = tags_of(jpg)
    assert (tags["model"], tags["taken"], tags["icc"]) == (MODEL, TAKEN, shot.icc)
    assert tags["orientation"] == 1 and tags["size"] == (512, 512)
    assert file_quality(jpg) == 80
    edited = read_image(jpg).rgb                   # stored upright, shown upright
    assert np.abs(edited.astype(int) - w.doc.image().astype(int)).mean() < 4   # q80 on the sample: 2.9

    png = tmp_path / "camera-edited.png"
    assert w.save_to(png)
    qtbot.waitUntil(lambda: w.doc.saved_path == png, timeout=WAIT_MS)
    tags = tags_of(png)
    assert (tags["model"], tags["taken"], tags["icc"]) == (MODEL, TAKEN, shot.icc)
    assert np.array_equal(read_image(png).rgb, w.doc.image())


def test_the_unsaved_question_cancel_discard_save(qtbot, window, astronaut, sample_path, tmp_path):
    w = window
    src = tmp_path / "mine.png"
    Image.fromarray(astronaut).save(src)
    open_and_detect(qtbot, w, src)
    _smooth(qtbot, w)
    doc = w.doc

    w.unsaved_answers = ["cancel"]                 # opening another: Cancel keeps all
    w.open_path(str(sample_path))
    assert w.doc is doc and not w.unsaved_answers
    assert w.close() is False and w.isVisible() and w.doc is doc   # closing: Cancel (the default)

    w.unsaved_answers = ["discard"]                # Discard: the other photo opens
    w.open_path(str(sample_path))
    qtbot.waitUntil(lambda: w.doc is not doc, timeout=WAIT_MS)
    assert w.doc.path == sample_path and not w.isWindowModified()
    assert src.stat().st_size and np.array_equal(read_image(src).rgb, astronaut)

    qtbot.waitUntil(lambda: w.doc.faces() is not None, timeout=WAIT_MS)
    w.inpaint_panel.set_tool("lasso")              # a painted mask alone is unsaved work
    from test_gui import _drag
    _drag(w, [(400, 300), (440, 300), (440, 340), (400, 340)])
    assert w.has_unsaved() and w.isWindowModified()
    w.unsaved_answers = ["cancel"]
    assert not w.close() and w.isVisible()

    _smooth(qtbot, w)
    edited = w.doc.image().copy()
    saved = tmp_path / "saved-on-close.png"
    _answer_save_as(w, saved)
    w.unsaved_answers = ["save"]                   # Save: asks for a name, saves, then closes
    w.close()
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=WAIT_MS)
    assert np.array_equal(read_image(saved).rgb, edited)
    assert not w.unsaved_answers and len(w.offered) == 1


def test_the_save_as_dialog_offers_the_quality(qtbot, window, tmp_path):
    """The real dialog (Qt's own, answered by a timer): the quality box shows the offer, the
    JPEG filter is selected for a .jpg name, and what the user sets comes back."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLineEdit

    from app import saving
    target = tmp_path / "chosen.jpg"
    seen = []

    def dialogs():
        return [d for d in QApplication.topLevelWidgets() if isinstance(d, saving.SaveAsDialog) and d.isVisible()]

    def answer():
        for d in dialogs():
            seen.append((d.quality.value(), d.selectedNameFilter(), d.quality.isVisibleTo(d)))
            d.quality.setValue(60)
            d.findChild(QLineEdit, "fileNameEdit").setText(target.name)   # as the user types it
            d.accept()
    QTimer.singleShot(50, answer)
    QTimer.singleShot(10000, lambda: [d.reject() for d in dialogs()])   # never hang the run
    assert saving.ask_save_path(window, str(tmp_path / "portrait-edited.jpg"), 80) == (str(target), 60)
    assert seen == [(80, "JPEG (*.jpg *.jpeg)", True)]


def test_closing_while_an_edit_is_applied_asks_and_saves_it(qtbot, window, astronaut, tmp_path):
    """An edit still rendering is unsaved work; Save waits for it, so the file holds it."""
    w = window
    src = tmp_path / "mine.png"
    Image.fromarray(astronaut).save(src)
    open_and_detect(qtbot, w, src)
    w.select_face(0)
    w.commit("skin", {"strength": 0.7})          # rendered on the worker: not applied yet
    assert w.session.pending_commits == 1 and w.doc.cursor == 0
    assert w.has_unsaved() and "unsaved edits" in w.unsaved_text()
    saved = tmp_path / "while-rendering.png"
    _answer_save_as(w, saved)
    w.unsaved_answers = ["save"]
    w.close()
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=WAIT_MS)
    assert w.doc.cursor == 1 and not w.doc.modified
    out = read_image(saved).rgb
    assert np.array_equal(out, w.doc.image()) and not np.array_equal(out, astronaut)


def _run_save_as_dialog(window, tmp_path, steps, suggested="portrait-edited.png"):
    """The real Save As dialog driven by a timer: ``steps`` is a list of (name typed, filter,
    answer to a replace question or None); each step types, picks the filter and accepts.
    Returns what ask_save_path gave and the replace questions seen (their text)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox

    from app import saving
    questions, pending = [], list(steps)

    def dialogs():
        return [d for d in QApplication.topLevelWidgets() if isinstance(d, saving.SaveAsDialog) and d.isVisible()]

    def answer_question(reply):
        for box in QApplication.topLevelWidgets():
            if isinstance(box, QMessageBox) and box.isVisible():
                questions.append(box.text())
                next(b for b in box.buttons() if b.text().replace("&", "") == reply).click()

    def step():
        if not pending or not dialogs():
            return
        d = dialogs()[0]
        typed, name_filter, reply = pending.pop(0)
        d.selectNameFilter(name_filter)
        d.findChild(QLineEdit, "fileNameEdit").setText(typed)
        if reply is not None:                        # the question is modal: answer it from a timer
            QTimer.singleShot(50, lambda: answer_question(reply))
        d.accept()
        QTimer.singleShot(100, step)                 # the dialog may still be open (Cancel)
    QTimer.singleShot(50, step)
    QTimer.singleShot(15000, lambda: [d.reject() for d in dialogs()])   # never hang the run
    got = saving.ask_save_path(window, str(tmp_path / suggested), 90)
    return got, questions


def test_save_as_takes_the_chosen_filters_suffix(qtbot, window, tmp_path):
    """A bare name typed with WebP chosen is written as .webp; a name whose dot is not a known
    format keeps it and gets the filter's suffix after it."""
    got, questions = _run_save_as_dialog(window, tmp_path, [("holiday", "WebP (*.webp)", None)])
    assert got == (str(tmp_path / "holiday.webp"), 90) and questions == []
    got, questions = _run_save_as_dialog(window, tmp_path, [("shot.v2", "JPEG (*.jpg *.jpeg)", None)])
    assert got == (str(tmp_path / "shot.v2.jpg"), 90) and questions == []
    got, _ = _run_save_as_dialog(window, tmp_path, [("mine.tif", "JPEG (*.jpg *.jpeg)", None)])
    assert got == (str(tmp_path / "mine.tif"), 90)   # a known suffix typed wins over the filter


def test_save_as_asks_before_replacing_the_name_it_completed(qtbot, window, astronaut, tmp_path):
    """"holiday" + WebP is holiday.webp, which exists: Replace / Cancel is asked about that
    file; Cancel keeps the dialog open, Replace gives the name."""
    existing = tmp_path / "holiday.webp"
    Image.fromarray(astronaut).save(existing, "WEBP")
    before = existing.read_bytes()
    got, questions = _run_save_as_dialog(window, tmp_path, [
        ("holiday", "WebP (*.webp)", "Cancel"),      # asked, Cancel: still in the dialog
        ("holiday", "WebP (*.webp)", "Replace")])
    assert got == (str(existing), 90)
    assert len(questions) == 2 and all("holiday.webp" in q for q in questions)
    assert existing.read_bytes() == before          # the dialog writes nothing itself


def test_a_name_without_suffix_never_replaces_a_file_silently(qtbot, window, astronaut, tmp_path):
    """Save As answered with a bare name (as a script or another dialog may give it): the
    .png it becomes exists, so the window asks; No leaves the file (and the original) as
    they were, Yes writes the edit there."""
    w = window
    src = tmp_path / "portrait.png"
    Image.fromarray(astronaut).save(src)
    other = tmp_path / "other.png"
    Image.fromarray(astronaut[::-1]).save(other)
    open_and_detect(qtbot, w, src)
    _smooth(qtbot, w)

    asked = []
    w.ask = lambda title, text: asked.append((title, text)) or False
    _answer_save_as(w, tmp_path / "portrait")      # becomes portrait.png: the original
    w.save_as_dialog()
    assert asked and asked[0][0] == "Replace file?" and "portrait.png" in asked[0][1]
    assert np.array_equal(read_image(src).rgb, astronaut) and w.doc.saved_path is None

    asked.clear()
    _answer_save_as(w, tmp_path / "other")
    w.save_as_dialog()
    assert len(asked) == 1 and "other.png" in asked[0][1]
    assert np.array_equal(read_image(other).rgb, astronaut[::-1])   # untouched

    w.ask = lambda title, text: asked.append((title, text)) or True
    w.save_as_dialog()
    qtbot.waitUntil(lambda: w.doc.saved_path == other, timeout=WAIT_MS)
    assert np.array_equal(read_image(other).rgb, w.doc.image())
    assert np.array_equal(read_image(src).rgb, astronaut)
