"""Turn a head left or right (yaw), geometrically.

The head is taken as one surface: the face's dense 3D mesh where it covers the face, and over
hair and ears a smooth continuation of its depth out to the head's outline. That surface is
rotated through a pivot behind the face (about the image's vertical, tilted by the head's roll:
the pose's yaw changes by the angle) and projected; its relief is deepened along the head's own
depth axis, so a turned face turned back is as wide as it was frontal (relief_frame). Its depth
rises at most slope_for(angle) per pixel towards the side the turn brings round, so that side (the rim
of the face, the hair beside it) is stretched at most ~2x, not a pixel-wide band into streaks.
The motion is spread beyond the head and fades out, leaving the background beyond a margin
exactly as it was. The photo is forward-warped along that field (csrc/warp.cpp, with a soft
z-buffer so the nose hides the cheek behind it): what is splatted is each pixel's position in
the photo, and the photo is resampled through the result, which keeps it sharp. What the turn
still opens (with the slope limited, nothing on the photos measured; a steeper surface would)
gets first the detail of the mirror side of the face (the mesh knows which point mirrors which)
on a smooth fill from round it, the rest an inpainting engine's fill, blended in.

The parts: ``frame`` (the head's axes, pivot and turn), ``surface`` (the head's depth and the
motion field a turn of it gives), ``render`` (the warp and the fill). docs/head-turn.md says how
it works and how its constants were chosen.
"""
from __future__ import annotations

import numpy as np

from inference.edits.base import EditCache, Patch
from inference.edits.rotate import render
from inference.edits.spec import FLOAT, Command, Param
from inference.faces import Face

# Re-exported for the tests and benches that use them as rotate.X. MAX_SLOPE is re-exported to be
# read: each module looks up its own constants, so a test patches them there (surface.MAX_SLOPE).
from inference.edits.rotate.frame import _rotation, deepened, relief_frame, rotated_mesh  # noqa: F401
from inference.edits.rotate.render import _prepare
from inference.imaging import wide_blur as _wide_blur  # noqa: F401  (tests read it as rotate._wide_blur)
from inference.edits.rotate.surface import (MAX_SLOPE, depth_blur_weight,  # noqa: F401
                                            motion_field, slope_limited)

MAX_YAW = 45.0           # degrees; beyond this too much of the head is invented
MAX_RESULT_YAW = 50.0    # degrees from frontal a turned head may end at (its far side is not in the
                         # photo: past this turns read wrong or are not found as faces at all)

NAME = "rotate"
TITLE = "Head turn"
PARAMS = [Param("yaw", "Yaw", FLOAT, default=0.0, range=(-MAX_YAW, MAX_YAW), step=1.0, unit="°", required=True,
                help="degrees, same sign as the `faces` pose (positive: towards the image's left)")]
CHANGES_GEOMETRY = True
PREVIEW_IS_RESULT = False   # previews on a reduced copy; the release renders in full
CLI = Command("rotate", "turn a head left or right")


class RotateError(ValueError):
    """A turn that cannot be done (angle out of range)."""


def is_identity(yaw: float = 0.0, **_) -> bool:
    return abs(float(yaw)) < 1e-6


def limits(face: Face) -> dict[str, tuple[float, float]]:
    """The yaw slider reaches only the turns this face takes."""
    return {"yaw": yaw_range(face)}


def yaw_range(face: Face) -> tuple[float, float]:
    """The turns (degrees) this face takes: within ±MAX_YAW, and ending within ±MAX_RESULT_YAW
    of frontal (a face already turned 20° can be turned 45° back but only 30° further). A face
    turned past that already can still be turned back, towards frontal; 0 is always in range."""
    y0 = face.pose.yaw
    return max(-MAX_YAW, min(0.0, -MAX_RESULT_YAW - y0)), min(MAX_YAW, max(0.0, MAX_RESULT_YAW - y0))


def _check(face: Face, yaw: float) -> None:
    if abs(yaw) > MAX_YAW:
        raise RotateError(f"yaw must be within ±{MAX_YAW:.0f}°, not {yaw:g}°")
    lo, hi = yaw_range(face)
    if not lo - 1e-6 <= yaw <= hi + 1e-6:
        y0 = face.pose.yaw
        raise RotateError(f"this head is already turned {y0:+.0f}°: turning it {yaw:+g}° more would take it to "
                          f"{y0 + yaw:+.0f}°, past the ±{MAX_RESULT_YAW:.0f}° a turn can show; "
                          f"this face takes {lo:+.0f}°…{hi:+.0f}°")


def apply_region(image: np.ndarray, face: Face, yaw: float = 0.0, *, preview: bool = False, progress=None,
                 cache: EditCache | None = None, engine: str | None = None, seed: int = 0) -> Patch:
    """The turned head as a patch of the photo: full size, or (``preview``) fast, on a copy of
    at most render.PREVIEW_SIDE pixels, returned at that size (Patch.scale says by how much).
    ``cache``: the caller's, one per slider drag, so that the drag's steps share the head's
    surface model (the same for every angle); None computes it afresh."""
    _check(face, yaw)
    prepared = _prepare(image, face, preview, cache, progress)
    if is_identity(yaw):
        (x0, y0, _, _), work, s, _ = prepared
        return Patch(work.copy(), x0, y0, scale=1 / s)
    return render.render(prepared, face, yaw, preview=preview, engine=engine, seed=seed, progress=progress)


def apply(image: np.ndarray, face: Face, yaw: float = 0.0, **kw) -> np.ndarray:
    """Pure edit: a new image with the face turned by ``yaw`` degrees."""
    return apply_region(image, face, yaw, **kw).paste(image)
