"""The GUI's long jobs name themselves and report real progress: the head turn's steps
(region and head mask, surface, motion field, splatting, the fill) reach the status bar as
"Turning the head N %…", rising, instead of one long sit at 20 %; a fill says "Filling"."""
from __future__ import annotations

import copy

import numpy as np

from app import jobs
from app.document import Document
from inference.io import Photo


def _run(job):
    seen = []
    ctx = jobs.JobContext(1, "commit", _report=lambda _id, f, msg: seen.append((round(f, 3), msg)))
    return job(ctx), seen


def test_the_head_turn_reports_its_steps(astronaut, astronaut_face):
    doc = Document(Photo(rgb=astronaut))
    result, seen = _run(jobs.edit(doc, "rotate", 0, astronaut_face, {"yaw": 15.0}, False))
    fractions = [f for f, _ in seen]
    assert seen[0] == (0.0, "Turning the head…")
    assert all(m == f"Turning the head {100 * f:.0f} %…" for f, m in seen[1:])
    assert fractions == sorted(fractions)                  # never back
    # the steps before the fill: five reports up to 40 % where there were two (20 %, 40 %)
    assert [f for f in fractions if 0 < f <= 0.4] == [0.1, 0.16, 0.2, 0.26, 0.36, 0.4]
    assert result.patch.pixels.shape[0] > 100


def test_a_fill_says_filling(astronaut, astronaut_face):
    doc = Document(Photo(rgb=astronaut))
    mask = np.zeros(astronaut.shape[:2], np.uint8)
    mask[110:160, 330:380] = 255
    result, seen = _run(jobs.edit(doc, "inpaint", 0, copy.deepcopy(astronaut_face),
                                  {"mask": mask, "engine": "patchmatch", "seed": 0, "skin_only": False}, False))
    assert seen[0][1] == "Filling…" and len(seen) > 3
    assert all(m.startswith("Filling ") and m.endswith(" %…") for _, m in seen[1:])
    assert seen[-1][0] > 0.5
