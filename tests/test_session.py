"""The editing session without a window (app/session.py): preview -> commit -> re-adjust ->
undo, face following after a head turn, commits still running, stale previews. Jobs run on a
synchronous runner that queues them as the worker does."""
from __future__ import annotations

import copy
import itertools

import cv2
import numpy as np
import pytest

from app.jobs import Cancelled, JobContext
from app.session import Session, View
from inference.edits import rotate, skin
from inference.io import read_image, write_image


class Runner:
    """The worker's contract, on the calling thread: jobs wait until run()."""

    def __init__(self):
        self.queue: list = []
        self.ran: list[str] = []
        self._ids = itertools.count(1)

    def submit(self, kind, fn, coalesce=False, *, on_done=None, on_failed=None, on_cancelled=None) -> int:
        if coalesce:
            for job in [j for j in self.queue if j[1] == kind]:
                self.queue.remove(job)
                if job[5]:
                    job[5]()
        jid = next(self._ids)
        self.queue.append((jid, kind, fn, on_done, on_failed, on_cancelled))
        return jid

    def cancel(self, kind) -> None:
        for job in [j for j in self.queue if j[1] == kind]:
            self.queue.remove(job)
            if job[5]:
                job[5]()

    def run(self) -> None:
        while self.queue:
            jid, kind, fn, on_done, on_failed, on_cancelled = self.queue.pop(0)
            self.ran.append(kind)
            try:
                result = fn(JobContext(jid, kind))
            except Cancelled:
                if on_cancelled:
                    on_cancelled()
            except Exception as exc:  # noqa: BLE001 (as the worker does)
                if on_failed:
                    on_failed(str(exc))
                else:
                    raise
            else:
                if on_done:
                    on_done(result)


class Recorder(View):
    def __init__(self):
        self.previews: list = []
        self.analysed: list = []
        self.messages: list[str] = []

    def preview_ready(self, patch) -> None:
        self.previews.append(patch)

    def analysis_ready(self, result) -> None:
        self.analysed.append(result)

    def message(self, text: str, ms: int = 0) -> None:
        self.messages.append(text)


def opened(path):
    runner, view = Runner(), Recorder()
    s = Session(runner.submit, cancel=runner.cancel, view=view)
    s.open(read_image(path))
    runner.run()
    return s, runner, view


def smoothed(path, strength: float):
    """The photo at ``path`` opened, its face selected and its skin smoothed through a preview
    (committed as the result): one step."""
    s, runner, _ = opened(path)
    s.select(0)
    runner.run()
    s.preview("skin", {"strength": strength})
    runner.run()
    s.commit("skin", {"strength": strength})
    return s, runner


def test_preview_commit_readjust_undo(sample_path, astronaut):
    s, runner, view = opened(sample_path)
    assert len(s.faces()) == 1 and "1 face(s) found" in view.messages[-1]
    s.select(0)
    runner.run()
    assert view.analysed and s.faces()[0].parsing is not None
    face = s.faces()[0]

    s.preview("skin", {"strength": 0.4})
    runner.run()
    assert s.last_preview.params["strength"] == 0.4 and s.doc.cursor == 0
    s.commit("skin", {"strength": 0.4})          # the preview on screen is the result: no render
    assert s.doc.cursor == 1 and "commit" not in runner.ran
    first = s.doc.image().copy()
    expect = skin.apply(astronaut, copy.deepcopy(face), strength=0.4)
    assert np.array_equal(first, expect)

    # dragged again right after: re-adjusts that edit (from the photo), strengths not compounded
    assert s.values("skin")["strength"] == 0.4
    s.preview("skin", {"strength": 0.7})
    runner.run()
    assert s.last_preview.base == 0
    s.commit("skin", {"strength": 0.7})
    assert s.doc.cursor == 2 and s.doc.top().base_state == 0
    assert np.array_equal(s.doc.image(), skin.apply(astronaut, copy.deepcopy(face), strength=0.7))

    assert s.undo() and s.doc.cursor == 1 and np.array_equal(s.doc.image(), first)
    assert s.values("skin")["strength"] == 0.4
    assert s.undo() and s.doc.cursor == 0 and np.array_equal(s.doc.image(), astronaut)
    assert s.values("skin")["strength"] == 0.0       # the panel's rest value
    assert s.redo() and np.array_equal(s.doc.image(), first)
    s.select(None)
    assert s.selected is None and s.values("skin")["strength"] == 0.0


def test_a_newer_preview_replaces_a_waiting_one_and_identity_commits_nothing(sample_path):
    s, runner, view = opened(sample_path)
    s.select(0)
    s.preview("skin", {"strength": 0.2})
    s.preview("skin", {"strength": 0.6})        # the first is still waiting: dropped
    runner.run()
    assert [p for p in runner.ran if p == "preview"] == ["preview"]
    assert s.last_preview.params["strength"] == 0.6 and len(view.previews) == 1
    s.commit("skin", {"strength": 0.0})        # nothing to re-adjust, nothing would change
    assert s.doc.cursor == 0


def test_the_turned_face_is_followed_when_the_faces_reorder(astronaut, tmp_path):
    """Two astronauts side by side, the second 0.97x the first: turned +30°, the first one's
    box becomes the smaller and is listed second; the selection stays on the turned face, the
    turn re-adjusts from the photo, undo/redo keep that face selected."""
    small = cv2.resize(astronaut, None, fx=0.97, fy=0.97, interpolation=cv2.INTER_AREA)
    two = np.zeros((512, 512 + small.shape[1], 3), np.uint8)
    two[:, :512] = astronaut
    two[:small.shape[0], 512:] = small
    s, runner, _ = opened(write_image(tmp_path / "two.png", two))
    faces = s.faces()
    assert len(faces) == 2 and faces[0].centre[0] < 512
    turned = faces[0]
    s.select(0)
    s.commit("rotate", {"yaw": 30.0})
    assert s.pending_commits == 1 and not s.undo()       # no history move under a running commit
    runner.run()
    assert s.pending_commits == 0 and s.doc.cursor == 1
    faces = s.faces()
    assert faces[0].centre[0] > 512                      # the other astronaut is listed first now
    assert s.selected == 1 and faces[1].contains(*turned.centre)
    assert faces[1].pose.yaw > turned.pose.yaw + 4
    assert s.values("rotate") == {"yaw": 30.0}           # the slider re-adjusts that turn
    lo, hi = s.limits("rotate")["yaw"]
    assert (lo, hi) == pytest.approx(rotate.yaw_range(turned))   # from where it started
    s.commit("rotate", {"yaw": 10.0})
    runner.run()
    assert s.doc.cursor == 2 and s.doc.top().base_state == 0
    assert s.undo() and s.undo() and s.faces()[s.selected] is turned
    assert s.redo() and s.faces()[s.selected].contains(*turned.centre) and s.values("rotate") == {"yaw": 30.0}


def test_a_failed_or_cancelled_commit_changes_nothing(sample_path, astronaut):
    s, runner, _ = opened(sample_path)
    s.select(0)
    s.commit("rotate", {"yaw": 20.0})
    runner.cancel("commit")
    assert s.pending_commits == 0 and s.doc.cursor == 0
    mask = np.zeros(astronaut.shape[:2], np.uint8)
    mask[100:140, 300:340] = 255
    s.commit("inpaint", {"engine": "lama", "seed": 0, "mask": mask})   # no model file: fails
    runner.run()
    assert s.pending_commits == 0 and s.doc.cursor == 0 and np.array_equal(s.doc.image(), astronaut)
    s.commit("inpaint", {"engine": "telea", "seed": 0, "mask": mask})
    runner.run()
    assert s.doc.cursor == 1 and "mask" not in s.doc.top().params
    assert np.array_equal(s.doc.image()[mask == 0], astronaut[mask == 0])
    s.commit("inpaint", {"engine": "telea", "seed": 0, "mask": mask})  # a fill never re-adjusts
    runner.run()
    assert s.doc.cursor == 2 and s.doc.top().base_state == 1


def test_a_save_writes_and_records_the_state_it_was_asked_for(sample_path, tmp_path):
    """Ctrl+S right after a slider's release waits for that edit; history moving while the
    save runs leaves the document modified against what the file holds."""
    s, runner, _ = opened(sample_path)
    s.select(0)
    runner.run()
    s.commit("skin", {"strength": 0.5})          # no preview on screen: rendered on the worker
    assert s.pending_commits == 1
    s.save(tmp_path / "a.png")                   # asked while the commit runs
    assert "save" not in [j[1] for j in runner.queue]
    runner.run()
    assert s.doc.cursor == 1 and not s.doc.modified
    assert np.array_equal(read_image(tmp_path / "a.png").rgb, s.doc.image())

    edited = s.doc.image().copy()
    s.save(tmp_path / "b.png")
    assert s.undo()                              # before the save job ran
    runner.run()
    assert np.array_equal(read_image(tmp_path / "b.png").rgb, edited)
    assert s.doc.modified                        # the screen shows the photo, the file the edit
    assert s.redo() and not s.doc.modified

    s.save(tmp_path / "c.png")                   # writes state 1 ...
    assert s.undo()
    s.commit("skin", {"strength": 0.2})          # ... which this replaces before the save ran
    runner.run()
    assert np.array_equal(read_image(tmp_path / "c.png").rgb, edited)
    assert s.doc.cursor == 1 and s.doc.modified and s.doc.saved_cursor == -1
    assert s.undo() and s.doc.modified           # not the file's state either (it was saved edited)


def test_a_preview_of_a_replaced_step_is_not_shown_nor_committed(sample_path):
    """A Fill choice picked while a preview renders replaces the step under it (same state
    number, other pixels): that preview is stale."""
    import dataclasses
    s, runner = smoothed(sample_path, 0.5)
    assert s.doc.cursor == 1
    s.preview("lips", {"color": "#b03040", "amount": 0.8, "finish": "satin"})
    s.doc.undo()                                          # what Fill choices' pick does
    s.doc.push(dataclasses.replace(s.doc.steps[0]))
    runner.run()
    assert s.last_preview is None
    s.commit("lips", {"color": "#b03040", "amount": 0.8, "finish": "satin"})
    assert s.pending_commits == 1                         # rendered afresh, not the stale preview
    runner.run()
    assert s.doc.cursor == 2


def test_a_queued_save_writes_the_pixels_it_was_asked_for(sample_path, tmp_path):
    """The save waits behind other jobs; meanwhile Undo and a landmark drag replace the saved
    step. The file still gets what Ctrl+S was pressed on (it was written with the replaced
    step's pixels, an edit then in neither the file nor the history)."""
    from inference.faces import with_landmark_moved
    s, runner = smoothed(sample_path, 0.8)
    edited = s.doc.image().copy()
    s.submit("busy", lambda ctx: None)           # the worker on something else first
    s.save(tmp_path / "saved.png")
    s.undo()
    s.replace_selected_face(lambda f: with_landmark_moved(f, 30, (2.0, 1.0)))
    runner.run()
    assert np.array_equal(read_image(tmp_path / "saved.png").rgb, edited)
    assert s.doc.modified                        # the history no longer holds the saved state
