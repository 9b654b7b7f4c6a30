"""One worker thread beside the caller's, for the mediapipe graphs a parse needs (the person
segmenter, the hand landmarker): they run there while the caller works out the parsing's
prior and colour models on the other core. The worker has its own graphs (inference.mp_models
keeps them per thread), so their outputs are the ones the caller would get.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable

_POOL: tuple[int, ThreadPoolExecutor] | None = None
_LOCK = threading.Lock()


def soon(fn: Callable, *args) -> Future:
    """``fn(*args)`` on the worker thread (jobs run one at a time, in the order given); its
    arguments must not change until the result is taken."""
    global _POOL
    with _LOCK:
        if _POOL is None or _POOL[0] != os.getpid():   # (a forked child has no worker thread)
            _POOL = (os.getpid(), ThreadPoolExecutor(1, thread_name_prefix="parse-side"))
        return _POOL[1].submit(fn, *args)
