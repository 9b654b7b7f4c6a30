"""The Fill's choices (issue 25): after a Fill, three variants of the filled region (seeds seed,
seed + 1, seed + 2; the first is the Fill itself) shown as thumbnails in the Inpaint panel;
picking one makes it the Fill's result, still one history step (undo + push), and "Fill again"
fills the same mask with the next three seeds. The variants are computed on the worker
(inference.edits.inpaint.variants), with progress, and can be cancelled.

No pixels are computed here on the GUI thread: the job returns the patches and their
thumbnails; Qt only to hear the worker's progress."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from PySide6.QtCore import QObject

from app.document import EditStep
from app.jobs import JobContext

COUNT = 3           # variants per Fill, as Photoshop's generative fill gives
THUMB_PX = 96       # a thumbnail's longer side
# engines whose fill the seed changes (Telea and LaMa give one answer: nothing to choose from)
SEEDED_ENGINES = ("patchmatch",)


def thumbnail(patch, mask: np.ndarray, size: int = THUMB_PX) -> np.ndarray:
    """The patch round the mask's box (a margin of a quarter of it: the fill, not the padding the
    engine took around it, is what differs), shrunk (area average) to at most ``size``."""
    import cv2
    ys, xs = np.nonzero(mask)
    ph, pw = patch.pixels.shape[:2]
    if len(ys):
        my, mx = (ys.max() - ys.min()) // 4 + 2, (xs.max() - xs.min()) // 4 + 2
        y0, y1 = max(ys.min() - my - patch.y0, 0), min(ys.max() + my + 1 - patch.y0, ph)
        x0, x1 = max(xs.min() - mx - patch.x0, 0), min(xs.max() + mx + 1 - patch.x0, pw)
    else:
        y0, y1, x0, x1 = 0, ph, 0, pw
    pixels = patch.pixels[y0:y1, x0:x1]
    h, w = pixels.shape[:2]
    k = min(1.0, size / max(h, w, 1))
    if k >= 1.0:
        return np.ascontiguousarray(pixels)
    return cv2.resize(pixels, (max(1, round(w * k)), max(1, round(h * k))), interpolation=cv2.INTER_AREA)


@dataclass
class Variants:
    first_seed: int
    patches: list            # inference.edits.base.Patch, for seeds first_seed, first_seed + 1, ...
    thumbs: list[np.ndarray]


def variants_job(doc, base: int, face, mask: np.ndarray, params: dict[str, Any], first_seed: int,
                 count: int, head=None) -> Callable[[JobContext], Variants]:
    """The job: ``count`` fills of history state ``base`` from ``first_seed``; ``head`` (a patch
    already made, the Fill's own) goes first and is only thumbnailed."""
    def run(ctx: JobContext) -> Variants:
        from inference.edits.inpaint import variants
        ctx.progress(0.0, "Filling the other choices…")

        def report(f: float) -> None:
            ctx.progress(f, f"Filling the other choices {100 * f:.0f} %…")
        made = variants(doc.image(base), face, mask=mask, count=count, seed=first_seed, progress=report, **params)
        patches = ([head] if head is not None else []) + made
        return Variants(first_seed - (head is not None), patches, [thumbnail(p, mask) for p in patches])
    return run


@dataclass
class _Fill:
    step: EditStep           # the history step the choices belong to
    mask: np.ndarray
    face: Any
    params: dict[str, Any]   # the fill's parameters, less mask and seed
    first_seed: int = 0
    patches: list = field(default_factory=list)
    thumbs: list = field(default_factory=list)   # the patches' thumbnails, once computed
    chosen: int = 0


class FillChoices(QObject):
    """Holds the last Fill's choices and keeps the panel showing them while that Fill is the
    top of the history. ``window``: the main window (session, worker, inpaint panel)."""

    KIND = "variants"

    def __init__(self, window):
        super().__init__(window)   # a QObject of the GUI thread: the worker's progress is queued to it
        self.w = window
        self.fill: _Fill | None = None
        self._pending: tuple[np.ndarray, Any] | None = None
        self._job = 0
        ip = window.inpaint_panel
        ip.choicePicked.connect(self.pick)
        ip.fillAgainRequested.connect(self.fill_again)
        ip.choicesCancelRequested.connect(self.cancel)
        window.worker.progressed.connect(self._progressed)

    # -- the Fill's life --------------------------------------------------------------------
    def asked(self, mask: np.ndarray, face) -> None:
        """A Fill was asked with this mask and face (its step comes with :meth:`filled`); the
        last Fill's choices still being filled stop (one worker: the new Fill would wait)."""
        self.cancel()
        self._pending = (mask, face)

    def filled(self) -> None:
        """The Fill's step was pushed: its result is the first choice; the others are computed."""
        doc, pending = self.w.doc, self._pending
        self._pending = None
        top = doc.top() if doc is not None else None
        if pending is None or top is None or top.name != "inpaint" \
                or top.params.get("engine") not in SEEDED_ENGINES:
            self.fill = None
            self.sync()
            return
        params = {k: v for k, v in top.params.items() if k != "seed"}
        seed = int(top.params.get("seed", 0))
        self.fill = _Fill(top, pending[0], pending[1], params, seed, [top.patch])
        self._compute(seed + 1, COUNT - 1, head=top.patch)

    def _compute(self, first_seed: int, count: int, head=None) -> None:
        f = self.fill
        self.cancel()
        ip = self.w.inpaint_panel
        ip.show_choices([None] * COUNT, f.chosen if head is not None else -1)
        ip.set_choices_busy(True)
        job = variants_job(self.w.doc, f.step.base_state, f.face, f.mask, f.params, first_seed, count, head)
        ids: dict[str, int] = {}
        self._job = ids["id"] = self.w.worker.submit(
            self.KIND, job, on_done=lambda r: self._computed(ids["id"], f, r, head is None),
            on_failed=lambda *_: self._ended(ids["id"]), on_cancelled=lambda: self._ended(ids["id"]))

    def _progressed(self, job_id: int, fraction: float, _message: str) -> None:
        if job_id == self._job:
            self.w.inpaint_panel.set_choices_progress(fraction)

    def _computed(self, job_id: int, f: _Fill, r: Variants, replace: bool) -> None:
        if job_id != self._job:
            return
        self._ended(job_id)
        if f is not self.fill or not self.valid():
            return
        f.first_seed, f.patches, f.thumbs = r.first_seed, r.patches, r.thumbs
        self.w.inpaint_panel.show_choices(r.thumbs, f.chosen)
        if replace:            # Fill again: the first new variant is the result now
            self.pick(0)

    def _ended(self, job_id: int) -> None:
        if job_id == self._job:   # a job replaced since ends without a word
            self._job = 0
            self._settle()

    def _settle(self) -> None:
        """No job running: the choices as they were before it (none yet: the row hidden)."""
        ip = self.w.inpaint_panel
        ip.set_choices_busy(False)
        if self.valid():
            ip.show_choices(self.fill.thumbs, self.fill.chosen)

    def valid(self) -> bool:
        """The choices still apply: their Fill is the current state's last step."""
        doc = self.w.doc
        return self.fill is not None and doc is not None and doc.top() is self.fill.step

    def sync(self) -> None:
        """After a history change: the choices show while their Fill is on top (redo brings them
        back), else they go and their job stops."""
        ip = self.w.inpaint_panel
        if not self.valid():
            self.cancel()
            ip.show_choices([], -1)
        elif not self._job:
            ip.show_choices(self.fill.thumbs, self.fill.chosen)
        ip.set_fill_again_enabled(self.valid())

    def cancel(self) -> None:
        if self._job:
            self.w.worker.cancel(job_id=self._job)
            self._job = 0
            self._settle()

    # -- the user's choice ------------------------------------------------------------------
    def pick(self, index: int) -> None:
        """Variant ``index`` becomes the Fill's result: the Fill's step replaced (undo + push), so
        the history keeps one Fill and its mask."""
        f = self.fill
        if not self.valid() or not 0 <= index < len(f.patches) or self.w.session.pending_commits:
            return
        doc, old = self.w.doc, f.step
        # a preview on screen (or on its way) was made on the fill being replaced: the state's
        # number stays, so the session would take it as the result of a commit with the same
        # values and paste the old fill's pixels back
        self.w.session.cancel_previews()
        self.w.session.last_preview = None
        doc.undo()
        f.step = EditStep(name=old.name, face_index=old.face_index,
                          params=dict(old.params, seed=(f.first_seed + index) % 2**32),
                          patch=f.patches[index], base_state=old.base_state, face=old.face, painted=old.painted)
        doc.push(f.step)
        f.chosen = index
        self.w.inpaint_panel.set_chosen(index)
        self.w.image_changed()
        self.w.history_changed()

    def fill_again(self) -> None:
        """The same mask filled with the next seeds: three new choices, the first one shown."""
        if not self.valid():
            return
        f = self.fill
        f.chosen = 0
        self._compute((f.first_seed + len(f.patches)) % 2**32, COUNT)
