"""File ▸ Export Recipe and the heal, offscreen on the spotted sample: the spots kept from a
"Heal spots" are points on this photo, so the recipe heals every blemish it finds and the
note shown to the user says so; a brushed heal is left out with its note, as before."""
from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from conftest import WAIT_MS, open_and_detect  # noqa: E402
from spots import spotted_sample  # noqa: E402
from test_gui import _drag  # noqa: E402


def test_export_recipe_tells_of_the_spots_kept_and_the_brushed_heal(qtbot, window, tmp_path):
    from app.recipe_dialog import export_recipe
    from inference.batch.recipe import load_recipe
    photo, _, centres = spotted_sample(tmp_path)
    w = window
    open_and_detect(qtbot, w, photo)
    w.select_face(0)
    hp = w.panels["heal"]
    hp.find.click()
    qtbot.waitUntil(lambda: len(hp.markers()) >= 2, timeout=WAIT_MS)
    near = [int(np.argmin([np.hypot(x - cx, y - cy) for cx, cy in centres])) for x, y, _, _ in hp.markers()]
    hp.remove_marker(near.index(0))                       # a beauty mark kept on this photo
    hp.heal.click()
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    assert len(w.doc.top().params["keep"]) == 1

    path = tmp_path / "heal.json"
    notes = export_recipe(w, path)
    assert json.loads(path.read_text()) == [{"edit": "heal", "face": "largest"}]
    assert len(notes) == 1 and notes[0].startswith("step 1 (Heal blemishes): 1 spot kept")
    assert "heals every blemish it finds" in notes[0]
    assert w.errors and w.errors[-1] == ("Some edits are not in the recipe", notes[0])   # shown to the user
    assert [st.command for st in load_recipe(path)] == ["heal"]

    hp.brush.setChecked(True)                             # a brushed heal: its mask is this photo's
    hp.size.setValue(6)
    cx, cy = centres[0]
    _drag(w, [(cx - 1.5, cy), (cx + 1.5, cy)])
    qtbot.waitUntil(lambda: w.doc.cursor == 2, timeout=WAIT_MS)
    notes = export_recipe(w, path)
    assert json.loads(path.read_text()) == [{"edit": "heal", "face": "largest"}]
    assert len(notes) == 2 and "1 spot kept" in notes[0]
    assert notes[1].startswith("step 2 (Heal blemishes): painted on this photo (mask)") and "does not carry over" in notes[1]

    w.undo()
    w.undo()
    assert w.doc.cursor == 0 and len(hp.kept()) == 1      # the markers of the original are back
    hp.set_spots([])                                      # dropped: every blemish, none kept, no note
    hp.heal.click()
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    assert export_recipe(w, path) == [] and json.loads(path.read_text()) == [{"edit": "heal", "face": "largest"}]
