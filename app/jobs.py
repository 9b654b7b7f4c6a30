"""What the GUI's worker runs, without Qt: the job context (progress, cancel), the jobs (plain
functions of inference code) and the small dataclasses they return.

A job is ``fn(ctx) -> result``. The session builds them; the worker (app/worker.py) or, in
tests, a synchronous runner calls them and hands the result to the job's callback.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np


class Cancelled(Exception):
    """Raised inside a job when it has been cancelled."""


@dataclass
class JobContext:
    job_id: int
    kind: str
    _cancel: threading.Event = field(default_factory=threading.Event)
    _report: Callable[[int, float, str], None] | None = None

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()

    def progress(self, fraction: float, message: str = "") -> None:
        """Report progress in [0, 1]; also a cancellation point."""
        self.check()
        if self._report is not None:
            self._report(self.job_id, float(fraction), message)


Job = Callable[[JobContext], Any]
# submit(kind, fn, *, coalesce=False, on_done=None, on_failed=None, on_cancelled=None) -> job id
Submit = Callable[..., int]


# -- results ---------------------------------------------------------------------------------
@dataclass
class Detected:
    state: int                           # the history state the faces belong to
    detection: Any                       # inference.faces.Detection
    follow: tuple[float, float] | None   # where the selected face was, to select it again


@dataclass
class Analysed:
    state: int
    index: int
    overlay: np.ndarray                  # RGBA parsing colours at the parsing's working size
    x0: float                            # (photo pixels; whole ones unless the body went past the crop)
    y0: float
    scale: float                         # photo pixels per overlay pixel


@dataclass
class Edited:
    name: str
    base: int                            # the state the edit was computed from
    params: dict[str, Any]
    patch: Any                           # inference.edits.base.Patch
    face: Any                            # the face it was given (None: an edit of the photo)
    preview: bool = False


@dataclass
class ClassMask:
    raster: np.ndarray                   # (h, w) uint8 coverage
    x0: int
    y0: int


# -- jobs ------------------------------------------------------------------------------------
# what the status bar says while an edit renders ("Turning the head 40 %…"); else its title
ACTIVITIES = {"rotate": "Turning the head", "inpaint": "Filling", "skin": "Smoothing the skin",
              "brows": "Redrawing the brows", "makeup": "Transferring the makeup", "heal": "Healing",
              "retouch": "Retouching", "lips": "Colouring the lips", "eyeshadow": "Applying eyeshadow",
              "blush": "Applying blush", "eyeliner": "Drawing the eyeliner", "lashes": "Drawing the lashes"}


def load(path: str) -> Job:
    def run(ctx: JobContext):
        from inference.io import read_image
        return read_image(path)
    return run


def detect(doc, state: int, previous: list | None = None,
           follow: tuple[float, float] | None = None) -> Job:
    def run(ctx: JobContext) -> Detected:
        from inference.faces import detect_all
        ctx.progress(0.1, "Finding faces…")
        return Detected(state, detect_all(doc.image(state), previous=previous or ()), follow)
    return run


def analyse(doc, state: int, index: int, face, visible: set[int]) -> Job:
    """Parse the selected face (kept on it: the session's faces are its cache) and colour the
    overlay, here rather than on the GUI thread."""
    def run(ctx: JobContext) -> Analysed:
        from inference.body_extent import overlay_labels
        from inference.faces import analyse as analyse_face
        from inference.parsing import colorize
        ctx.progress(0.2, "Parsing the face…")
        analyse_face(doc.image(state), face)
        labels, x0, y0, scale = overlay_labels(face.parsing)   # with the clothes past the crop
        return Analysed(state, index, colorize(labels, visible=visible), x0, y0, scale)
    return run


def edit(doc, name: str, base: int, face, params: dict[str, Any], preview: bool,
         cache=None) -> Job:
    """One edit's patch: a preview (reduced where the edit previews that way) or the result,
    which reports progress and can be cancelled."""
    def run(ctx: JobContext) -> Edited:
        from inference import edits
        ctx.check()
        e = edits.get(name)
        doing = ACTIVITIES.get(name, e.TITLE)

        def report(fraction: float) -> None:
            ctx.progress(fraction, f"{doing} {100 * fraction:.0f} %…")
        if not preview:
            ctx.progress(0.0, f"{doing}…")
        patch = e.apply_region(doc.image(base), face, preview=preview and not e.PREVIEW_IS_RESULT,
                               progress=None if preview else report, cache=cache, **params)
        return Edited(name, base, dict(params), patch, face, preview)
    return run


def find_blemishes(doc, state: int, face) -> Job:
    """The blemishes on a face's skin (inference.edits.heal.Spot list), for the Heal panel's
    markers."""
    def run(ctx: JobContext) -> list:
        from inference.edits.heal import find_blemishes as find
        ctx.progress(0.1, "Looking for blemishes…")
        return find(doc.image(state), face)
    return run


def class_mask(doc, state: int, face, cls: int) -> Job:
    def run(ctx: JobContext) -> ClassMask:
        from inference.body_extent import class_raster
        from inference.faces import analyse as analyse_face
        analyse_face(doc.image(state), face)
        return ClassMask(*class_raster(face.parsing, cls))   # neck and clothes: past the crop too
    return run


def save(path: Path, doc, image: np.ndarray, quality: int | None = None) -> Job:
    """Write ``image`` (a state's pixels, taken when the save was asked for); the photo's EXIF
    and ICC profile go with it (``like``)."""
    def run(ctx: JobContext) -> Path:
        from inference.io import write_image
        ctx.progress(0.3, f"Saving {path.name}…")
        return write_image(path, image, doc.photo.alpha, quality=quality, like=doc.photo)
    return run
