"""Whose pixel is it, on a photo of people side by side: beyond its own face a face's parsing
finds hair, a neck, clothes and a body, and the person segmenter it asks does not tell one
person from another. Those classes are kept only where they lie nearer this face than another
face beside it (faces.detect_all records the others on each face): above a face's centre by
the distance to it, below by the distance to the column under it (a body hangs below its
face), both in units of that face's size. A face well above or below this one (behind it or
in front) or much smaller (far back) takes nothing: which body hides which is not known.
"""
from __future__ import annotations

import numpy as np

from inference import parsing as P

BEYOND = (P.HAIR, P.NECK, P.CLOTHES)
LEVEL = 0.75      # another face counts when its centre is within this many face sizes up or down ...
MIN_SIZE = 0.5    # ... and it is at least this share of this face's size


def others_of(face) -> list[tuple[float, float, float]]:
    """(cx, cy, size) of the other faces of the photo ``face`` was found in."""
    return [tuple(o) for o in getattr(face, "extra", {}).get("others", ())]


def _reach(xs: np.ndarray, ys: np.ndarray, cx: float, cy: float, size: float) -> np.ndarray:
    dx, dy = (xs - cx) / size, (ys - cy) / size
    return np.where(dy > 0, np.abs(dx), np.hypot(dx, dy))


def theirs(face, x0: float, y0: float, sx: float, sy: float, shape: tuple[int, int]) -> np.ndarray | None:
    """bool (h, w) on the grid whose pixel (i, j) is the photo point (x0 + (j + 0.5) sx,
    y0 + (i + 0.5) sy): nearer another face than ``face``; None on a photo of one face."""
    others = others_of(face)
    if not others:
        return None
    h, w = shape
    xs = (x0 + (np.arange(w, dtype=np.float32) + 0.5) * sx)[None, :]
    ys = (y0 + (np.arange(h, dtype=np.float32) + 0.5) * sy)[:, None]
    cx, cy = face.centre
    size = float(face.size)
    # only people beside this one: a face well above or below is behind or in front (its body
    # there is hidden, or hides), a much smaller one a passer-by far back
    beside = [(ox, oy, osize) for ox, oy, osize in others
              if osize >= MIN_SIZE * size and abs(oy - cy) <= LEVEL * max(size, osize)]
    if not beside:
        return None
    own = _reach(xs, ys, float(cx), float(cy), size)
    out = np.zeros(shape, bool)
    for ox, oy, osize in beside:
        out |= _reach(xs, ys, ox, oy, osize) < own
    return out


def keep_own(parsing: "P.Parsing", face) -> None:
    """``parsing``'s hair, neck and clothes (and its body's continuation) handed to background,
    in place, where they lie nearer another face of the photo."""
    sh, sw = parsing.scores.shape[1:]
    taken = theirs(face, parsing.x0, parsing.y0, parsing.width / sw, parsing.height / sh, (sh, sw))
    if taken is None:
        return
    labels = parsing.labels
    lost = taken & P.among(labels, BEYOND)
    if lost.any():
        P.hand_over(parsing.scores, labels, lost, P.BACKGROUND)
        parsing._full = None
    b = parsing.body
    if b is not None:
        bh, bw = b.labels.shape
        gone = theirs(face, b.x0, b.y0, b.width / bw, b.height / bh, (bh, bw))
        b.labels[gone & (b.labels > 0)] = 0
