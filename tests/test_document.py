"""History: undo/redo, re-adjusting the last edit, per-state face cache (no GUI)."""
from __future__ import annotations

import numpy as np

from app.document import Document, EditStep
from inference.edits import skin
from inference.io import Photo


def _step(doc, face, strength, base=None):
    base = doc.adjusting_base("skin", 0) if base is None else base
    return EditStep("skin", 0, {"strength": strength}, skin.apply_region(doc.image(base), face, strength=strength), base)


def test_undo_redo_and_readjust(astronaut, astronaut_face):
    doc = Document(Photo(rgb=astronaut.copy()))
    assert not doc.can_undo() and not doc.modified
    doc.push(_step(doc, astronaut_face, 0.3))
    s03 = doc.image().copy()
    assert not np.array_equal(s03, astronaut) and doc.modified
    # Moving the slider again re-adjusts from the same base: no compounding.
    assert doc.adjusting_base("skin", 0) == 0
    doc.push(_step(doc, astronaut_face, 0.9))
    expect = skin.apply(astronaut, astronaut_face, strength=0.9)
    assert np.array_equal(doc.image(), expect)
    assert doc.undo() and np.array_equal(doc.image(), s03)
    assert doc.undo() and np.array_equal(doc.image(), astronaut) and not doc.modified
    assert not doc.undo()
    assert doc.redo() and doc.redo() and np.array_equal(doc.image(), expect) and not doc.redo()
    # A new edit after undo drops the redo branch.
    doc.undo()
    doc.push(_step(doc, astronaut_face, 0.5))
    assert len(doc.steps) == 2 and not doc.can_redo()


def test_faces_are_shared_across_states_that_do_not_move_pixels(astronaut, astronaut_face):
    doc = Document(Photo(rgb=astronaut.copy()))
    doc.set_faces([astronaut_face])
    doc.push(_step(doc, astronaut_face, 0.5))
    assert doc.faces() == [astronaut_face]   # skin smoothing keeps the geometry


def test_saved_state_tracking(astronaut, astronaut_face, tmp_path):
    doc = Document(Photo(rgb=astronaut.copy()))
    doc.push(_step(doc, astronaut_face, 0.5))
    doc.mark_saved(tmp_path / "x.png")
    assert not doc.modified
    doc.undo()
    assert doc.modified
    doc.push(_step(doc, astronaut_face, 0.2))  # the saved state is gone for good
    assert doc.modified
