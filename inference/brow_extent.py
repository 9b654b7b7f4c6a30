"""Brows to their hairs: the mesh puts a brow where an average brow lies, a little low on some
faces and thin on a thick one. Near the parsed brow (within GROW of its thickness) a pixel is
brow where it is darker than the skin round the brow by at least DARK of the brow core's own
darkness and joined to the brow; a pixel the brow gains must also be busy with edges as hairs
are (a lid's smooth shadow is dark too), duller than that skin (skin in shade keeps its
chroma) and no long lash of its eye. Parsed brow that is not dark (skin under a brow the mesh
set too low) goes back to skin. Only skin and the brow itself change hands: hair over a brow,
an eye, a lash stay what they are. A brow too thin, too faint, or cut by the crop's border
stays as parsed.
"""
from __future__ import annotations

import cv2
import numpy as np

from inference import parsing as P
from inference.imaging import joined_to

EYE_OF = {P.LEFT_BROW: P.LEFT_EYE, P.RIGHT_BROW: P.RIGHT_EYE}   # (both by the image's side)
DARK = 0.1      # of the core's darkness below the skin: sparse hairs at a brow's edge still count
GROW = 0.4      # x the brow's thickness: how far the brow may move out (or its own pixels back in)
RING = 0.5      # x thickness: the skin band just beyond that, whose lightness is the reference
CLOSE = 0.5     # x thickness: gaps between hairs closed, as a brow's outline is drawn round them
MIN_THICKNESS = 6.0   # px on the working crop: a thinner brow (a small face) moves by under 2 px, less
                      # than its edge can be told at that size: it stays as parsed
CHROMA = 0.0    # of the core's loss of chroma against the skin: how much duller a gained pixel must be
                # (only where the core is duller by over 2)
LASH = 0.3      # of the core's darkness: dark lines joined to an eye's rim through such pixels are lashes
MAX_DROP = 0.3  # a brow that would lose more than this share of its pixels stays as parsed: the mesh is
                # not that far off; its hairs are too faint for the darkness test (a blond brow)
TEXTURE = 0.5   # x the brow's own median edge strength: a pixel joining the brow is hair-busy, not a
                # smooth shadow (the lid's crease under a brow is dark too)


def _disc(r: float) -> np.ndarray:
    r = max(1, int(round(r)))
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def snapped(lab: np.ndarray, labels: np.ndarray, cls: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(added, dropped) bool masks of brow class ``cls`` on ``labels``' grid, from ``lab`` (OpenCV's
    8-bit Lab scale, float); None where the brow is too small or flat to tell its hairs from skin."""
    brow_all = labels == cls
    if brow_all.sum() < 30:
        return None
    pts = cv2.findNonZero(brow_all.view(np.uint8))
    t = brow_all.sum() / max(max(cv2.minAreaRect(pts)[1]), 1.0)
    if t < MIN_THICKNESS:
        return None
    if brow_all[0].any() or brow_all[-1].any() or brow_all[:, 0].any() or brow_all[:, -1].any():
        return None      # cut by the crop's border: the skin round it is on one side only
    sigma = t
    x, y, bw, bh = cv2.boundingRect(pts)
    m = int(np.ceil((GROW + RING) * t + 3 * sigma)) + 2        # the brow's box and what round it matters
    b = (slice(max(0, y - m), y + bh + m), slice(max(0, x - m), x + bw + m))
    brow, lab_b, light = brow_all[b], labels[b], lab[b][..., 0].astype(np.float32)
    u8 = brow.view(np.uint8)
    near = cv2.dilate(u8, _disc(GROW * t)) > 0
    ring = (cv2.dilate(u8, _disc((GROW + RING) * t)) > 0) & ~near & (lab_b == P.SKIN)
    if ring.sum() < 20:
        return None
    # the skin's lightness as the ring has it, spread over the brow (normalised blur)
    num = cv2.GaussianBlur(np.where(ring, light, 0).astype(np.float32), (0, 0), sigma)
    den = cv2.GaussianBlur(ring.astype(np.float32), (0, 0), sigma)
    dark = num / np.maximum(den, 1e-3) - light
    core = cv2.erode(u8, _disc(0.25 * t)) > 0
    if core.sum() < 5:
        core = brow
    depth = float(np.median(dark[core]))
    if depth < 3.0:      # a brow no darker than its skin (a light brow on light skin): as parsed
        return None
    free = (lab_b == P.SKIN) | brow
    eyes = lab_b == EYE_OF[cls]
    if eyes.any():   # long lashes reaching up to the brow are dark lines too: the eye's, never the brow's
        rim = cv2.dilate(eyes.view(np.uint8), _disc(2)) > 0
        lashes = joined_to((dark > LASH * depth) & ~brow & (lab_b != P.HAIR), rim)
        free &= ~((cv2.dilate(lashes.view(np.uint8), _disc(1)) > 0) & ~brow)
    cand = near & free & (dark > DARK * depth)
    n, comp = cv2.connectedComponents(cand.view(np.uint8))
    if n <= 1:
        return None
    hit = np.bincount(comp[brow], minlength=n)
    keep = (hit > 0.05 * brow.sum())
    keep[0] = False
    new = keep[comp]
    new = (cv2.morphologyEx(new.view(np.uint8), cv2.MORPH_CLOSE, _disc(CLOSE * t)) > 0) & near & free
    added = np.zeros(labels.shape, bool)
    dropped = np.zeros(labels.shape, bool)
    grown = new & ~brow
    if grown.any():
        smooth = cv2.GaussianBlur(light, (0, 0), 0.7)
        edge = cv2.GaussianBlur(cv2.magnitude(cv2.Sobel(smooth, cv2.CV_32F, 1, 0), cv2.Sobel(smooth, cv2.CV_32F, 0, 1)),
                                (0, 0), 1.5)
        grown &= edge > TEXTURE * float(np.median(edge[brow]))
    if grown.any():
        ch = np.hypot(lab[b][..., 1] - 128, lab[b][..., 2] - 128).astype(np.float32)
        cn = cv2.GaussianBlur(np.where(ring, ch, 0).astype(np.float32), (0, 0), sigma)
        cdull = cn / np.maximum(den, 1e-3) - ch
        cdepth = float(np.median(cdull[core]))
        if cdepth > 2.0:
            grown &= cdull > CHROMA * cdepth
    added[b] = grown
    gone = brow & ~new
    if gone.sum() > MAX_DROP * brow.sum():   # a faint or sparse brow the darkness cannot follow
        return None
    dropped[b] = gone
    return added, dropped


def snap_brows(lab: np.ndarray, x: np.ndarray, labels: np.ndarray, brows: tuple[int, ...]) -> None:
    """Moves each brow of ``labels`` (x's argmax, on the working crop) to its hairs, in place on
    the scores ``x`` and ``labels`` (parsing.hand_over: a bare win, so where the scores are
    upsampled to full resolution the new outline falls between the old and the snapped one;
    docs/figures.md, eval_parsing)."""
    for cls in brows:
        got = snapped(lab, labels, cls)
        if got is None:
            continue
        added, dropped = got
        for mask, to in ((added, cls), (dropped, P.SKIN)):
            if mask.any():
                P.hand_over(x, labels, mask, to)
