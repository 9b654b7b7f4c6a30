"""Visage's inference: faces, parsing, edits and their native ops. No Qt here."""
import os
import sys

# OpenMP threads (torch's and csrc/'s) spin after each parallel region and OpenCV's pool spins
# too; on 2 cores they stole each other's CPU and made small jobs (the head-turn preview) 2x
# slower at random. A short spin keeps both pools quick. Must be set before torch loads
# libgomp: entry points import this package first. A user's own setting wins.
os.environ.setdefault("GOMP_SPINCOUNT", "1000")

# numpy asks the kernel for huge pages on every large array; where the kernel then compacts
# memory on the spot (transparent_hugepage/defrag "madvise", the usual Linux default) the
# first touch of a fresh array stalls: a process's first 12 MP fill took 4.4-4.9 s instead of
# 2.5 (bench/inpaint.py); later ones, and the parse, the same either way. numpy reads this at
# its import (set here, numpy itself is not imported: `--help` stays light). A user's wins.
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
if os.environ["NUMPY_MADVISE_HUGEPAGE"] == "0" and "numpy" in sys.modules:   # imported before us
    try:
        from numpy._core import multiarray as _multiarray
        _multiarray._set_madvise_hugepage(False)
    except (ImportError, AttributeError):   # another numpy: its own default
        pass
