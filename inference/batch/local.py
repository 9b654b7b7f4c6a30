"""A batch on this machine: N worker processes, each loading the models once (on its first
photo) and keeping them for the rest; one job runs in this process.

Ctrl+C: the photos not started are cancelled and the workers get SIGTERM, which a worker in
the middle of a write turns into removing its temporary file (inference.io's atomic write), so
only whole files are left. A worker that dies (a crash in native code, the kernel's OOM killer)
takes only its own photo down: the pool is started again for the photos not finished, and a
photo that was running when workers died three times is reported failed.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable

from inference.batch.folder import Item
from inference.batch.run_one import FAILED, run_photo

MAX_CRASHES = 3
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


def run_local(items: list[Item], recipe_json: str, jobs: int, overwrite: bool, quality: int | None,
              on_result: OnResult, should_stop: Callable[[], bool] = lambda: False) -> None:
    """Run ``items`` on ``jobs`` processes (1: here), calling ``on_result`` for each as it
    finishes. ``should_stop()`` is asked between photos (the GUI's Cancel)."""
    if jobs <= 1:
        for item in items:
            if should_stop():
                return
            on_result(item, run_photo(recipe_json, str(item.src), str(item.dst), overwrite, quality))
        return
    crashes = {item.rel: 0 for item in items}
    todo = list(items)
    threads = max(1, core_count() // jobs)
    while todo:
        todo.sort(key=lambda it: crashes[it.rel])   # a photo that crashed a pool goes last
        with _sigint_ignored():
            pool = ProcessPoolExecutor(min(jobs, len(todo)), mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_init_worker, initargs=(threads,))
            running: dict[Future, Item] = {
                pool.submit(run_photo, recipe_json, str(it.src), str(it.dst), overwrite, quality): it
                for it in todo}
        todo = []
        try:
            while running:
                finished, _ = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
                if should_stop():
                    _stop(pool)
                    # a photo that finished before its worker was stopped has its file: say so
                    for fut, item in running.items():
                        if fut.done() and not fut.cancelled() and fut.exception() is None:
                            on_result(item, fut.result())
                    return
                for fut in finished:
                    item = running.pop(fut)
                    try:
                        on_result(item, fut.result())
                    except BrokenProcessPool:
                        crashes[item.rel] += 1
                        if crashes[item.rel] >= MAX_CRASHES:
                            on_result(item, {"status": FAILED, "seconds": None, "worker": None,
                                             "reason": f"its worker process died {MAX_CRASHES} times"})
                        else:
                            todo.append(item)
        except BaseException:
            _stop(pool)
            raise
        pool.shutdown(wait=True)
