"""One worker thread that runs inference jobs for the GUI.

Jobs are plain callables ``fn(ctx) -> result`` (app/jobs.py); each job's result, error or
cancellation goes to the callbacks it was submitted with, and (with progress) out as Qt
signals, all delivered on the GUI thread. A job submitted with ``coalesce=True``
replaces any job of the same kind still waiting (slider previews: only the newest matters).
Cancelling is cooperative: the job calls ``ctx.progress()`` / ``ctx.check()`` and stops with
:class:`Cancelled` when asked to.
"""
from __future__ import annotations

import collections
import itertools
import sys
import threading
import traceback
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal

from app.jobs import Cancelled, JobContext

__all__ = ["Cancelled", "JobContext", "Worker"]


def is_expected(exc: BaseException) -> bool:
    """A failure told to the user in one line (a bad file, an edit that cannot be done, weights
    that cannot be read, a full disk): the message is the whole story, no trace on the
    terminal. Anything else is a bug and keeps its trace. (Imported here, late: the classes'
    modules are loaded by then, the jobs raised them.)"""
    from inference.edits.spec import EditError
    from inference.inpaint.base import InpaintError
    from inference.io import ImageReadError, ImageWriteError
    expected: tuple[type, ...] = (EditError, InpaintError, ImageReadError, ImageWriteError, OSError)
    for module, name in (("inference.faces", "NoFaceError"), ("inference.edits.rotate", "RotateError")):
        mod = sys.modules.get(module)
        if mod is not None:
            expected += (getattr(mod, name),)
    return isinstance(exc, expected)


@dataclass
class _Job:
    ctx: JobContext
    fn: Callable[[JobContext], Any]


class _Thread(QThread):
    def __init__(self, worker: "Worker"):
        super().__init__()
        self._worker = worker

    def run(self) -> None:  # noqa: D401 (Qt override)
        self._worker._loop()


class Worker(QObject):
    """The GUI's single job queue. Signals carry (job id, kind, ...)."""
    started = Signal(int, str)
    progressed = Signal(int, float, str)
    finished = Signal(int, str, object)
    failed = Signal(int, str, str)
    cancelled = Signal(int, str)
    idle = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._queue: collections.deque[_Job] = collections.deque()
        self._cond = threading.Condition()
        self._current: _Job | None = None
        self._stopping = False
        self._callbacks: dict[int, tuple] = {}
        # connected first: a job's own callbacks run before anyone else hears of it
        self.finished.connect(self._dispatch_finished)
        self.failed.connect(self._dispatch_failed)
        self.cancelled.connect(self._dispatch_cancelled)
        self._thread = _Thread(self)
        self._thread.start()

    # -- GUI side -------------------------------------------------------------------------
    def submit(self, kind: str, fn: Callable[[JobContext], Any], coalesce: bool = False, *,
               on_done: Callable[[Any], None] | None = None, on_failed: Callable[[str], None] | None = None,
               on_cancelled: Callable[[], None] | None = None) -> int:
        """Queue ``fn``; returns its job id. ``on_done(result)``, ``on_failed(message)`` or
        ``on_cancelled()`` is called on the GUI thread when it ends."""
        ctx = JobContext(next(self._ids), kind, _report=self.progressed.emit)
        if on_done or on_failed or on_cancelled:
            self._callbacks[ctx.job_id] = (on_done, on_failed, on_cancelled)
        dropped = []
        with self._cond:
            if coalesce:
                dropped = [j for j in self._queue if j.ctx.kind == kind]
                for j in dropped:
                    self._queue.remove(j)
            self._queue.append(_Job(ctx, fn))
            self._cond.notify()
        for j in dropped:
            self.cancelled.emit(j.ctx.job_id, j.ctx.kind)
        return ctx.job_id

    def cancel(self, job_id: int | None = None, kind: str | None = None) -> None:
        """Cancel the job with this id or of this kind (running or waiting); all when both None."""
        def match(j: _Job) -> bool:
            return (job_id is None and kind is None) or j.ctx.job_id == job_id or j.ctx.kind == kind
        with self._cond:
            dropped = [j for j in self._queue if match(j)]
            for j in dropped:
                self._queue.remove(j)
            if self._current is not None and match(self._current):
                self._current.ctx._cancel.set()
        for j in dropped:
            self.cancelled.emit(j.ctx.job_id, j.ctx.kind)

    def _dispatch_finished(self, job_id: int, kind: str, result) -> None:
        cb = self._callbacks.pop(job_id, None)
        if cb and cb[0]:
            cb[0](result)

    def _dispatch_failed(self, job_id: int, kind: str, message: str) -> None:
        cb = self._callbacks.pop(job_id, None)
        if cb and cb[1]:
            cb[1](message)

    def _dispatch_cancelled(self, job_id: int, kind: str) -> None:
        cb = self._callbacks.pop(job_id, None)
        if cb and cb[2]:
            cb[2]()

    def busy(self) -> bool:
        with self._cond:
            return self._current is not None or bool(self._queue)

    def running_kind(self) -> str | None:
        with self._cond:
            return None if self._current is None else self._current.ctx.kind

    def shutdown(self, wait_ms: int = 10000) -> None:
        with self._cond:
            self._stopping = True
            for j in self._queue:
                j.ctx._cancel.set()
            self._queue.clear()
            if self._current is not None:
                self._current.ctx._cancel.set()
            self._cond.notify()
        self._thread.wait(wait_ms)

    # -- worker side ----------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                job = self._queue.popleft()
                self._current = job
            ctx = job.ctx
            self.started.emit(ctx.job_id, ctx.kind)
            try:
                ctx.check()
                result = job.fn(ctx)
                ctx.check()
            except Cancelled:
                self.cancelled.emit(ctx.job_id, ctx.kind)
            except Exception as exc:  # a job's failure must never kill the worker
                if not is_expected(exc):
                    traceback.print_exc()   # a bug: its trace on the terminal
                self.failed.emit(ctx.job_id, ctx.kind, str(exc) or type(exc).__name__)
            else:
                self.finished.emit(ctx.job_id, ctx.kind, result)
            finally:
                with self._cond:
                    self._current = None
                    empty = not self._queue
                if empty:
                    self.idle.emit()
