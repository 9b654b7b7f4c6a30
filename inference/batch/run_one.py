"""One photo of a batch: what the single commands do, step after step, in one process.

Read the photo; for each step, find the faces of the step's input and apply its edit to the
faces it names through the edit's ``apply_region(...).paste(image)``, exactly as
``inference.cli._edit`` does (so an edit that moves faces, ``CHANGES_GEOMETRY``, is followed by
faces found again); write the result atomically. A failure is returned as a one-line reason, never raised: the batch goes on.
"""
from __future__ import annotations

import functools
import json
import os
import socket
import time
from pathlib import Path
from typing import Any

import numpy as np

from inference.batch.recipe import ALL, Step, parse_steps

DONE, FAILED = "done", "failed"


@functools.lru_cache(maxsize=8)
def _steps(recipe_json: str) -> list[Step]:
    # the paths in a sent recipe are absolute already; checking it again costs microseconds
    return parse_steps(json.loads(recipe_json), Path("/"))


def _indices(face: str | int, faces: list) -> list[int]:
    from inference.faces import select
    if face == ALL:
        select(faces, 0)   # no face at all is an error, as with --face all
        return list(range(len(faces)))
    select(faces, int(face))
    return [int(face)]


def apply_steps(rgb: np.ndarray, steps: list[Step]) -> np.ndarray:
    """The photo's pixels with every step applied, in order: the same pixels as running each
    step's command on the previous command's output (written losslessly). So each face step
    finds the faces of its own input, as a command reading that file does; reusing the first
    step's faces would shift, say, the lip line of a lips step after smoothing by a few pixels
    (67 levels at 0.2 % of the sample's pixels), since the landmarks move a little with it."""
    from inference import faces as F
    image = rgb
    found: list | None = None
    found_on: np.ndarray | None = None
    for step in steps:
        edit = step.edit
        if edit.CLI.faces:
            if found is None or found_on is not image:
                found, found_on = F.detect(image), image
            for i in _indices(step.face, found):
                image = edit.apply_region(image, found[i], **step.params).paste(image)
        else:
            image = edit.apply_region(image, None, **step.params).paste(image)
    return image


def _reason(exc: BaseException) -> str:
    """One line for the report."""
    from inference.batch.errors import USER_ERRORS
    text = (str(exc).strip().splitlines() or [""])[0][:300]
    if isinstance(exc, USER_ERRORS()):
        return text or type(exc).__name__
    if isinstance(exc, MemoryError):
        return "out of memory"
    return f"unexpected {type(exc).__name__}: {text}" if text else f"unexpected {type(exc).__name__}"


def run_photo(recipe_json: str, src: str, dst: str, overwrite: bool = False,
              quality: int | None = None) -> dict[str, Any]:
    """Apply the recipe (``steps_to_json`` as a JSON string) to the photo ``src`` and write
    ``dst`` (its EXIF and ICC profile kept as the single commands keep them; ``quality``: JPEG /
    WebP, None for the photo's own). Returns ``{"status": "done"|"failed", "reason", "seconds", "worker"}``."""
    from inference.io import WRITE_FORMATS, ImageWriteError, check_output, read_image, write_image
    t0 = time.perf_counter()
    try:
        steps = _steps(recipe_json)
        out = Path(dst)
        if out.suffix.lower() not in WRITE_FORMATS:
            raise ImageWriteError(f"{out.suffix} photos are read but not written; Visage writes "
                             + ", ".join(sorted(set(WRITE_FORMATS))))
        out.parent.mkdir(parents=True, exist_ok=True)
        others = [("a file of the recipe", v) for s in steps for v in s.params.values()
                  if isinstance(v, str) and os.path.isabs(v)]
        check_output(out, [("the input photo", src), *others], overwrite)
        photo = read_image(src)
        image = apply_steps(photo.rgb, steps)
        write_image(out, image, photo.alpha, quality, like=photo)
        status, reason = DONE, None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001  (any photo's failure is reported, the rest go on)
        status, reason = FAILED, _reason(exc)
    return {"status": status, "reason": reason, "seconds": round(time.perf_counter() - t0, 3),
            "worker": f"{socket.gethostname()}:{os.getpid()}"}
