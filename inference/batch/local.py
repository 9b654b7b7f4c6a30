"""A batch on this machine: N worker processes, each loading the models once (on its first
photo) and keeping them for the rest; one job runs in this process.

Ctrl+C: the photos not started are cancelled and the workers get SIGTERM, which a worker in
the middle of a write turns into removing its temporary file (inference.io's atomic write), so
only whole files are left; a photo whose file was renamed into place just before the stop, its
result not yet back, is reported done (the file at its name is new since it was handed out,
and an atomic write leaves nothing but a whole file there). A worker that dies (a crash in
native code, the kernel's OOM killer) breaks the pool, and every photo handed to it then fails
alike, so none is blamed on that: at most N photos are handed out at a time, and after a death
those N are run again one at a time, each alone in a worker, so the photo whose worker dies
then is the one that killed it. It is reported failed ("the worker process died while editing
this photo"); the others go on.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable

from inference.batch.folder import Item
from inference.batch.run_one import DONE, FAILED, run_photo

OnResult = Callable[[Item, dict[str, Any]], None]


def core_count() -> int:
    """The cores this process may run on (its affinity, which containers narrow)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _init_worker(threads: int) -> None:
    """In each worker, before any model library loads: Ctrl+C is the parent's to handle, and
    each process gets its share of the cores (N processes each running OpenMP / OpenCV pools
    the size of the machine would fight over them)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(threads))
    import cv2
    cv2.setNumThreads(threads)


@contextlib.contextmanager
def _sigint_ignored():
    """While workers are started: a child started with SIGINT ignored keeps it ignored, so a
    Ctrl+C cannot reach one before its initializer runs."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:   # not the main thread (the GUI's worker): signals are not ours
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _stop(pool: ProcessPoolExecutor) -> None:
    # the executor has no public way to end running work; its processes are in _processes
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            proc.terminate()   # SIGTERM: an unfinished write removes its temporary file
    pool.shutdown(wait=True, cancel_futures=True)


def _stamp(path) -> tuple[int, int, int] | None:
    """What tells a file written later from the one there now (a rename makes a new inode)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def _written(item: Item, before: tuple[int, int, int] | None) -> dict[str, Any] | None:
    """The result of a photo stopped before its result came back whose file is in place."""
    now = _stamp(item.dst)
    if now is None or now == before:
        return None
    return {"status": DONE, "reason": None, "seconds": None, "worker": None}


def _death(code: int | None) -> dict[str, Any]:
    how = ""
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            how = f" (killed by {signal.Signals(-code).name})"
    elif code:
        how = f" (exit status {code})"
    return {"status": FAILED, "seconds": None, "worker": None,
            "reason": f"the worker process died while editing this photo{how}"}


def _pass(queue: deque[Item], width: int, threads: int, job: Callable[[Item], tuple], on_result: OnResult,
          should_stop: Callable[[], bool]) -> list[tuple[Item, int | None]] | None:
    """Run photos from the front of ``queue`` on a new pool of ``width`` workers, at most
    ``width`` handed out at a time, until the queue is empty or a worker dies. Returns the
    photos that were handed out when one died, each with the dead worker's exit code when
    ``width`` is 1 (then the photo is the one that killed it; else None); [] when none died;
    None after ``should_stop()``."""
    with _sigint_ignored():
        pool = ProcessPoolExecutor(width, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=(threads,))
    running: dict[Future, Item] = {}
    stamps: dict[Future, tuple[int, int, int] | None] = {}   # each output before it was handed out

    def hand_out() -> None:
        while queue and len(running) < width:
            before = _stamp(queue[0].dst)
            try:
                fut = pool.submit(run_photo, *job(queue[0]))
            except BrokenProcessPool:   # a worker died since the last look: this one never ran
                return
            running[fut] = queue.popleft()
            stamps[fut] = before

    lost: list[Item] = []
    try:
        with _sigint_ignored():
            hand_out()   # starts the workers (one per photo handed out, up to width)
        workers = list((getattr(pool, "_processes", None) or {}).values())
        while running:
            finished, _ = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
            if should_stop():
                _stop(pool)
                # a photo that finished before its worker was stopped has its file: say so (also
                # when the worker was stopped between the file's rename and sending its result)
                for fut, item in running.items():
                    if fut.done() and not fut.cancelled() and fut.exception() is None:
                        on_result(item, fut.result())
                    elif (found := _written(item, stamps[fut])) is not None:
                        on_result(item, found)
                return None
            for fut in finished:
                item = running.pop(fut)
                stamps.pop(fut)
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    lost.append(item)
                    continue
                on_result(item, result)
            if not lost:   # a broken pool takes no more work; the rest of its photos fail now
                hand_out()
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown(wait=True)
    code = workers[0].exitcode if width == 1 and len(workers) == 1 else None   # reaped by now
    return [(item, code) for item in lost]


def run_local(items: list[Item], recipe_json: str, jobs: int, overwrite: bool, quality: int | None,
              on_result: OnResult, should_stop: Callable[[], bool] = lambda: False) -> None:
    """Run ``items`` on ``jobs`` processes (1: here), calling ``on_result`` for each as it
    finishes. ``should_stop()`` is asked between photos (the GUI's Cancel)."""
    if jobs <= 1:
        for item in items:
            if should_stop():
                return
            before = _stamp(item.dst)
            try:
                result = run_photo(recipe_json, str(item.src), str(item.dst), overwrite, quality)
            except KeyboardInterrupt:   # Ctrl+C after the file's rename: the photo is done
                if (found := _written(item, before)) is not None:
                    on_result(item, found)
                raise
            on_result(item, result)
        return
    threads = max(1, core_count() // jobs)

    def job(item: Item) -> tuple:
        return recipe_json, str(item.src), str(item.dst), overwrite, quality

    todo = deque(items)
    while todo:
        width = min(jobs, len(todo))
        lost = _pass(todo, width, threads, job, on_result, should_stop)
        if lost is None:
            return
        # which of the photos handed out killed the worker is not known: each runs alone
        culprits = lost if width == 1 else []
        suspects = deque(item for item, _ in lost) if width > 1 else deque()
        try:
            while suspects:
                found = _pass(suspects, 1, threads, job, on_result, should_stop)
                if found is None:
                    return
                culprits += found
        finally:   # also when stopped (Cancel, Ctrl+C) while the suspects run: those known are told
            for item, code in culprits:
                on_result(item, _death(code))
