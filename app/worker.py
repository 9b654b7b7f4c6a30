"""One worker thread that runs inference jobs for the GUI.

Jobs are plain callables ``fn(ctx) -> result``; results, errors, progress and cancellation
come back as Qt signals, delivered on the GUI thread. A job submitted with ``coalesce=True``
replaces any job of the same kind still waiting (slider previews: only the newest matters).
Cancelling is cooperative: the job calls ``ctx.progress()`` / ``ctx.check()`` and stops with
:class:`Cancelled` when asked to.
"""
from __future__ import annotations

import collections
import itertools
import threading
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal


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

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()

    def progress(self, fraction: float, message: str = "") -> None:
        """Report progress in [0, 1]; also a cancellation point."""
        self.check()
        if self._report is not None:
            self._report(self.job_id, float(fraction), message)


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
        self._thread = _Thread(self)
        self._thread.start()

    # -- GUI side -------------------------------------------------------------------------
    def submit(self, kind: str, fn: Callable[[JobContext], Any], coalesce: bool = False) -> int:
        """Queue ``fn``; returns its job id."""
        ctx = JobContext(next(self._ids), kind, _report=self.progressed.emit)
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
                traceback.print_exc()
                self.failed.emit(ctx.job_id, ctx.kind, str(exc) or type(exc).__name__)
            else:
                self.finished.emit(ctx.job_id, ctx.kind, result)
            finally:
                with self._cond:
                    self._current = None
                    empty = not self._queue
                if empty:
                    self.idle.emit()
