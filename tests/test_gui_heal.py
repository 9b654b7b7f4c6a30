"""The Heal panel (issue 22), offscreen: blemishes painted on the sample's cheeks found on the
worker and shown as markers, one removed on the canvas (kept as it is), the others healed as
one undoable step, a heal-brush stroke over the kept one as a second, and undo back to the
painted photo exactly."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from conftest import WAIT_MS, click_image, open_and_detect
from inference.faces import detect
from inference.io import write_image
from inference.sample import sample_image
from spots import cheek_points, paint_spots, spotted_sample, way_back
from test_gui import _drag


def test_find_keep_heal_brush_and_undo(qtbot, window, tmp_path):
    w = window
    clean = sample_image()
    face = detect(clean)[0]
    lm, s = face.landmarks68, face.size
    # two spots on the cheeks (2 % of the face across: her face is ~100 px) and two on the forehead
    brow = lm[17:27].mean(0)
    forehead = [(brow[0] - 0.12 * s, brow[1] - 0.2 * s), (brow[0] + 0.1 * s, brow[1] - 0.22 * s)]
    centres = cheek_points(face) + forehead
    painted, alphas = paint_spots(clean, centres, 0.01 * s, ["dark", "red", "red", "dark"])
    path = tmp_path / "spotted.png"
    write_image(path, painted)
    open_and_detect(qtbot, w, path)
    fx, fy = face.centre
    click_image(qtbot, w, fx, fy)
    assert w.selected == 0
    hp = w.panels["heal"]
    assert type(hp).__name__ == "HealPanel" and hp.find.isEnabled()

    hp.find.click()                                       # on the worker
    qtbot.waitUntil(lambda: len(hp.markers()) > 0, timeout=WAIT_MS)
    markers = hp.markers()
    assert hp.list.count() == len(markers) == len(w.canvas.markers())
    # every marker sits on a painted spot, and both cheek spots are marked
    near = [int(np.argmin([np.hypot(x - cx, y - cy) for cx, cy in centres])) for x, y, _, _ in markers]
    for (x, y, _, _), i in zip(markers, near):
        assert np.hypot(x - centres[i][0], y - centres[i][1]) <= 0.02 * s, (x, y, centres[i])
    assert {0, 1} <= set(near), near

    # the marker on the left cheek removed by a click on it: that spot is kept
    k = near.index(0)
    kx, ky = markers[k][:2]
    click_image(qtbot, w, kx, ky)
    assert len(hp.markers()) == len(markers) - 1 and len(w.canvas.markers()) == len(markers) - 1
    assert np.hypot(*(np.array(hp.kept()[0]) - (kx, ky))) < 1e-6
    assert w.selected == 0                                # the click hit the marker, not the face

    hp.heal.click()                                       # one undoable edit on the worker
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    assert w.doc.top().name == "heal" and len(w.canvas.markers()) == 0
    healed = w.doc.image()
    spot_region = [a > 0.1 for a in alphas]
    back_right = way_back(clean, painted, healed, spot_region[1])
    assert back_right >= 0.6, back_right                  # the red spot moved back toward the clean skin
    kept = alphas[0] > 0
    assert np.array_equal(healed[kept], painted[kept])    # the kept spot is as it was

    # the heal brush over the kept spot: its stroke is a second undoable step
    hp.brush.setChecked(True)
    assert w.canvas.tool == "heal_brush"
    hp.size.setValue(6)
    w.canvas.setFocus()
    qtbot.keyClick(w.canvas, Qt.Key.Key_BracketRight)    # `]` sizes the heal brush
    assert hp.size.value() == 7 and w.inpaint_panel.size.value() == 30
    qtbot.keyClick(w.canvas, Qt.Key.Key_BracketLeft)
    assert hp.size.value() == 6 and w.canvas.brush_size == 6
    cx, cy = centres[0]
    _drag(w, [(cx - 1.5, cy), (cx, cy + 0.5), (cx + 1.5, cy)])
    qtbot.waitUntil(lambda: w.doc.cursor == 2, timeout=WAIT_MS)
    assert not w.mask.strokes                             # the inpaint mask was not painted
    brushed = w.doc.image()
    assert way_back(clean, painted, brushed, spot_region[0]) >= 0.75
    stroke = w.doc.top().params["mask"].full()
    assert stroke[int(round(cy)), int(round(cx))] and stroke.sum() < 200
    changed = (brushed != healed).any(-1)
    assert changed.any() and not changed[~stroke].any()   # nothing outside the stroke changes

    # two strokes in a row (the second finished while the first may still heal): two steps
    _drag(w, [(centres[1][0] - 1.5, centres[1][1]), (centres[1][0] + 1.5, centres[1][1])])
    _drag(w, [(centres[1][0], centres[1][1] - 1.5), (centres[1][0], centres[1][1] + 1.5)])
    qtbot.waitUntil(lambda: w.doc.cursor == 4, timeout=WAIT_MS)
    assert [s.name for s in w.doc.steps] == ["heal"] * 4
    for _ in range(2):
        w.undo()
    assert np.array_equal(w.doc.image(), brushed)

    w.undo()
    assert np.array_equal(w.doc.image(), healed)
    w.undo()
    assert np.array_equal(w.doc.image(), painted)

    # taking up the inpaint brush puts the heal brush down, with the inpaint brush's own size
    w.inpaint_panel.set_tool("brush")
    assert not hp.brush.isChecked() and w.canvas.tool == "brush" and w.canvas.brush_size == 30
    w.inpaint_panel.set_tool("select")

    # found again, the right cheek's spot kept from the list instead ("Keep this one")
    hp.find.click()
    qtbot.waitUntil(lambda: len(hp.markers()) == len(markers), timeout=WAIT_MS)
    row = [int(np.argmin([np.hypot(x - cx, y - cy) for cx, cy in centres])) for x, y, _, _ in hp.markers()].index(1)
    rx, ry = hp.markers()[row][:2]
    hp.list.setCurrentRow(row)
    hp.remove.click()
    assert len(w.canvas.markers()) == len(markers) - 1 and hp.values() == {"keep": [(rx, ry)]}
    hp.heal.click()
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    out = w.doc.image()
    assert np.array_equal(out[alphas[1] > 0], painted[alphas[1] > 0])
    assert way_back(clean, painted, out, spot_region[0]) >= 0.6


def test_a_brush_stroke_keeps_a_small_mask_and_heals_as_a_photo_sized_one_would(qtbot, window, sample_path, astronaut):
    """A heal-brush stroke on the sample: the history step holds the stroke's box, not a mask
    of the photo's size (24 MB a stroke at 24 MP), and the heal is bit-identical to
    the one a photo-sized mask of the same stroke gives; undo / redo give the pixels back."""
    import pickle

    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QPainterPath

    from app.mask import MaskLayer, Stroke
    from conftest import select_and_show
    from inference.edits import heal
    from inference.edits.base import CroppedMask
    w = window
    open_and_detect(qtbot, w, sample_path)
    select_and_show(qtbot, w, 0)
    hp = w.panels["heal"]
    hp.brush.setChecked(True)
    hp.size.setValue(10)
    fx, fy = w.doc.faces()[0].centre
    pts = [(fx - 14, fy + 6), (fx - 6, fy + 9), (fx + 2, fy + 8)]   # across the cheek and nose
    _drag(w, pts)
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    step = w.doc.top()
    held = len(pickle.dumps(step.params))
    photo_mask = astronaut.shape[0] * astronaut.shape[1]           # a uint8 mask of the photo: 262144 B
    assert held < photo_mask / 100, held                            # the box of a 10 px stroke: under 1 KB

    # the same stroke as a photo-sized mask, healed headless
    cropped = step.params["mask"]
    full = cropped.full()
    assert full.shape == astronaut.shape[:2] and full.sum() > 50
    assert full[int(round(pts[1][1])), int(round(pts[1][0]))]
    # the box round trip is exact on a stroke the brush's renderer draws (soft edge and all)
    path = QPainterPath(QPointF(*pts[0]))
    for p in pts[1:]:
        path.lineTo(QPointF(*p))
    layer = MaskLayer(astronaut.shape[1], astronaut.shape[0])
    layer.add(Stroke("brush", path, 10.0, 1.0))
    drawn = layer.array()
    assert np.array_equal(CroppedMask.of(drawn).full(), drawn > 0) and CroppedMask.of(drawn).nbytes < drawn.nbytes / 100
    expected = heal.apply(astronaut, step.face, mask=full.astype(np.uint8) * 255)
    healed = w.doc.image().copy()
    assert np.array_equal(healed, expected)
    assert (healed != astronaut).any(-1).sum() > 20                # the stroke did heal something

    w.undo()
    assert np.array_equal(w.doc.image(), astronaut)
    w.redo()
    assert np.array_equal(w.doc.image(), healed)


def test_markers_follow_undo_and_redo(qtbot, window, tmp_path):
    """Markers are those found on the state shown: undo past the state they were found on
    clears them, redo brings them back; undoing "Heal spots" brings back the markers (and the
    spot kept) it healed, redo clears them; a brush stroke over a marked spot takes that
    marker away, the others stay, and undoing the stroke gives it back."""
    w = window
    path, face, centres = spotted_sample(tmp_path)
    open_and_detect(qtbot, w, path)
    w.select_face(0)
    hp = w.panels["heal"]
    w.commit("skin", {"strength": 0.4})
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)

    def shown():
        assert w.canvas.markers() == [m[:3] for m in hp.markers()] and hp.list.count() == len(hp.markers())
        return hp.markers()

    hp.find.click()
    qtbot.waitUntil(lambda: len(hp.markers()) > 0, timeout=WAIT_MS)
    found = shown()
    near = [int(np.argmin([np.hypot(x - cx, y - cy) for cx, cy in centres])) for x, y, _, _ in found]
    assert {0, 1} <= set(near), near
    w.undo()                                              # before the smoothing: not found there
    assert w.doc.cursor == 0 and shown() == [] and hp.kept() == []
    w.redo()
    assert w.doc.cursor == 1 and shown() == found

    k = near.index(0)
    hp.remove_marker(k)                                   # the left cheek's spot kept
    kept, left = hp.kept(), shown()
    hp.heal.click()
    qtbot.waitUntil(lambda: w.doc.cursor == 2, timeout=WAIT_MS)
    assert shown() == []
    w.undo()                                              # the spots that heal healed are back
    assert w.doc.cursor == 1 and shown() == left and hp.kept() == kept
    w.redo()
    assert w.doc.cursor == 2 and shown() == [] and hp.kept() == []
    w.undo()
    assert shown() == left

    # a brush stroke over the right cheek's spot (a new step in place of the heal)
    hp.brush.setChecked(True)
    hp.size.setValue(6)
    rx, ry = centres[1]
    _drag(w, [(rx - 1.5, ry), (rx + 1.5, ry)])
    qtbot.waitUntil(lambda: w.doc.cursor == 2 and w.doc.top().params.get("mask") is not None, timeout=WAIT_MS)
    after = shown()
    brushed = [m for m in left if np.hypot(m[0] - rx, m[1] - ry) <= m[2]]
    assert brushed and after == [m for m in left if m not in brushed] and hp.kept() == kept
    w.undo()
    assert shown() == left and hp.kept() == kept


def test_markers_are_the_selected_faces(qtbot, window, shared_data, tmp_path):
    """Blemishes found on one face of two: another face selected shows none, an edit on it and
    its undo bring none back, and the first face selected again shows its own."""
    from conftest import select_and_show
    from inference.io import read_image
    path = shared_data / "multiface/facer_samples/twogirls.jpg"
    if not path.exists():
        import pytest
        pytest.skip("twogirls.jpg is not in ../shared/data")
    w = window
    img = read_image(path).rgb
    faces = detect(img)
    assert len(faces) >= 2
    centres = cheek_points(faces[0])
    painted, _ = paint_spots(img, centres, 0.02 * faces[0].size, ["dark", "dark"])
    write_image(tmp_path / "two.png", painted)
    open_and_detect(qtbot, w, tmp_path / "two.png")
    hp = w.panels["heal"]
    select_and_show(qtbot, w, 0)
    hp.find.click()
    qtbot.waitUntil(lambda: len(hp.markers()) > 0, timeout=WAIT_MS)
    found = hp.markers()
    assert all(w.doc.faces()[0].contains(x, y) for x, y, *_ in found)
    w.select_face(1)
    assert hp.markers() == [] and w.canvas.markers() == []
    w.commit("skin", {"strength": 0.4})
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    w.undo()
    assert w.session.selected == 1 and hp.markers() == []
    w.select_face(0)
    assert hp.markers() == found


def test_heal_buttons_follow_what_there_is_to_heal(qtbot, window, sample_path):
    """"Keep this one" waits for a marker; after a search that found nothing "Heal spots" has
    nothing to do (it committed an empty step), and after a heal it waits for the next search
    (a second press added a second step)."""
    from inference.faces import detect as find_faces
    w = window
    open_and_detect(qtbot, w, sample_path)
    fx, fy = find_faces(sample_image())[0].centre
    click_image(qtbot, w, fx, fy)
    hp = w.panels["heal"]
    assert hp.find.isEnabled() and hp.heal.isEnabled() and not hp.remove.isEnabled()
    w.statusBar().clearMessage()
    hp.find.click()
    qtbot.waitUntil(lambda: "blemish" in w.statusBar().currentMessage() and "found" in w.statusBar().currentMessage(),
                    timeout=WAIT_MS)
    if hp.markers():                                     # the sample has a spot or two: heal them
        assert hp.remove.isEnabled() and hp.heal.isEnabled()
        hp.heal.click()
        qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    else:
        assert "No blemish found" in w.statusBar().currentMessage()
    assert not hp.heal.isEnabled() and not hp.remove.isEnabled()
    cursor = w.doc.cursor
    w.statusBar().clearMessage()
    hp.find.click()                                      # a new search makes it ready again
    qtbot.waitUntil(lambda: "blemish" in w.statusBar().currentMessage() and "found" in w.statusBar().currentMessage(),
                    timeout=WAIT_MS)
    assert hp.heal.isEnabled() == bool(hp.markers()) and w.doc.cursor == cursor


def test_heal_waits_only_on_the_state_a_heal_made(qtbot, window, tmp_path):
    """After an automatic heal "Heal spots" waits for a search on that state only: undo brings
    back the markers (it may heal them again), redo the wait; another face is ready at once."""
    w = window
    path, face, _ = spotted_sample(tmp_path)
    open_and_detect(qtbot, w, path)
    click_image(qtbot, w, *face.centre)
    hp = w.panels["heal"]
    hp.find.click()
    qtbot.waitUntil(lambda: len(hp.markers()) > 0, timeout=WAIT_MS)
    hp.heal.click()
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    assert not hp.heal.isEnabled()
    w.undo()
    assert hp.markers() and hp.heal.isEnabled()
    w.redo()
    assert not hp.markers() and not hp.heal.isEnabled()
    w.commit("lips", {"color": "#a02040", "amount": 0.5})  # a state no heal made: ready again
    qtbot.waitUntil(lambda: w.doc.cursor == 2, timeout=WAIT_MS)
    assert hp.heal.isEnabled()
