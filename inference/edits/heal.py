"""Blemish healing: spots filled from the skin round them, never across a brow, lip or eye edge.

Each spot is filled on two layers, as frequency separation does. The coarse layer is a
membrane fill (Poisson, :mod:`inference.poisson`) from the pixels of the spot's own parsing class
round it, so a lip or brow next to it never bleeds in; the fine layer (what a blur of the
class's pixels removes, the pores) is copied from the nearest
patch of the same class that the whole spot fits in, so the fill has the skin's grain instead
of a flat smear. Pixels outside the spots come back bit-identical.

Without a mask the spots are found (:func:`find_blemishes`): inside the face's skin, away from
its features, small regions darker or redder than a smoothed base of the skin round them.
A ``mask`` (a path to an image of the photo's size, an array, or the :class:`CroppedMask` the
GUI's brush keeps for a stroke) heals its non-zero pixels and nothing else.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import cv2
import numpy as np

from inference import parsing as P
from inference.edits.base import CroppedMask, Patch
from inference.imaging import nonzero_box
from inference.edits.spec import FILE, MASK, Command, EditError, Param
from inference.poisson import poisson_fill

NAME = "heal"
TITLE = "Heal blemishes"
PARAMS = [
    # a MASK (so that each brush stroke in the GUI is its own undoable step, as the session
    # does for masks), given on the CLI as an optional --mask path that the edit reads itself
    Param("mask", "Mask", MASK, default=None, cli="--mask", metavar="MASK", gui=False,
          help="an image of the photo's size: heal its non-zero pixels and nothing else "
               "(default: the blemishes found on the skin)"),
    # points (x, y) in photo pixels of found spots the user keeps (a beauty mark): the GUI's
    # markers overlay removes a marker by adding its point here
    Param("keep", "Spots kept", FILE, default=None, cli=None, gui=False),
]
CHANGES_GEOMETRY = False
PREVIEW_IS_RESULT = True
CLI = Command("heal", "heal blemishes: the spots found on the skin, or a mask's pixels")

DETAIL_SIGMA = 2.0        # px: the fine layer (texture) is what a Gauss blur of this sigma removes
TEXTURE_GAIN = 0.6        # of the copied texture: its grain, while a spot's shading is not
                          # guessed (a stranger's pores add to the error as much as they hide it)
# a hair on the skin round a spot (not a boundary the membrane holds to): thinner than HAIR_WIDTH
# px, STRAY_K robust deviations and STRAY_MIN grey levels darker than the skin's shading there
HAIR_WIDTH = 7
STRAY_K = 3.0
STRAY_MIN = 25.0
GRAIN_SPAN = (5.0, 10.0)  # in DETAIL_SIGMAs across (photo pixels, as the fine layer is): a spot
                          # narrower than the first (about two pores) gets no copied grain, the
                          # membrane is finer than a stamped pore there; the full gain from the second
# detection, in units of the face's size (sqrt of its box's area)
WORK_SIZE = 320           # px: the face's size on the reduced copy the spots are looked for on
BASE_SIGMA = 0.04         # the smoothed base of the skin a spot stands out from
MAX_SPOT = 0.06           # largest spot diameter found (a 2 % spot and its soft edge)
MIN_SPOT = 0.006          # smallest
EDGE_MARGIN = 0.02        # spots are looked for this far inside the skin (not on a feature's edge)
FEATURE_REACH = 0.06      # and off the landmarks' brows, eyes, lips and nostrils drawn this thick
DARK_DROP = 0.075         # a spot's core is this much darker (L*, 0..1 of 100) than the base ...
RED_RISE = 0.045          # ... or this much redder (a*, 0..1 of 255 units)
NOISE_SIGMA = 0.06        # the neighbourhood whose variation a spot must beat
NOISE_K = 1.6             # (chosen on HELEN and the sample: every face >= 80 % found)
RING_CONTRAST = 1.0        # a spot's peak above the median of the ring round it, in thresholds
GROW = 0.006              # a found spot's hole is grown by this to take its soft edge


@dataclass
class Spot:
    """A blemish found: its centre and radius in photo pixels and its hole (a mask of its box)."""
    x: float
    y: float
    radius: float
    box: tuple[int, int, int, int]     # x0, y0, x1, y1 in the photo
    hole: np.ndarray                   # bool (y1 - y0, x1 - x0)
    kind: str                          # "dark" or "red"


def is_identity(**_) -> bool:
    return False


# -- the fill ---------------------------------------------------------------------------------

def _blur_known(img: np.ndarray, known: np.ndarray, sigma: float) -> np.ndarray:
    w = known.astype(np.float32)
    num = cv2.GaussianBlur(img * w[..., None], (0, 0), sigma)
    den = cv2.GaussianBlur(w, (0, 0), sigma)[..., None]
    return num / np.maximum(den, 1e-4)


def _box_known(img: np.ndarray, known: np.ndarray, k: int) -> np.ndarray:
    """A wide normalised blur (two box filters of side ``k``: its cost does not grow with k)."""
    w = known.astype(np.float32)
    num, den = img * w[..., None], w
    for _ in range(2):
        num = cv2.boxFilter(num, -1, (k, k), normalize=True, borderType=cv2.BORDER_REFLECT)
        den = cv2.boxFilter(den, -1, (k, k), normalize=True, borderType=cv2.BORDER_REFLECT)
    return num / np.maximum(den, 1e-6)[..., None]


def _texture_offset(comp: np.ndarray, known: np.ndarray, detail: np.ndarray | None = None) -> tuple[int, int] | None:
    """A shift (dy, dx) that puts the whole component ``comp`` onto ``known`` pixels, from the
    nearest rings of 16 directions: of those that fit, the one whose texture (``detail``) is
    the most typical (its energy nearest the median: not a fold's or a highlight's edge)."""
    ys, xs = np.nonzero(comp)
    H, W = comp.shape
    ext = max(ys.max() - ys.min(), xs.max() - xs.min()) + 1
    angles = np.deg2rad(np.arange(0, 360, 22.5))
    fits = []
    for k in (1.3, 1.7, 2.2, 3.0):
        d = k * ext + 2
        for a in angles:
            dy, dx = int(round(d * np.sin(a))), int(round(d * np.cos(a)))
            sy, sx = ys + dy, xs + dx
            if sy.min() < 0 or sx.min() < 0 or sy.max() >= H or sx.max() >= W:
                continue
            if known[sy, sx].all():
                fits.append((dy, dx))
        if len(fits) >= 6:
            break
    if not fits:
        return None
    if detail is None or len(fits) == 1:
        return fits[0]
    energy = np.array([float(np.abs(detail[ys + dy, xs + dx]).mean()) for dy, dx in fits])
    return fits[int(np.argmin(np.abs(energy - np.median(energy))))]


def _dark_strays(I: np.ndarray, ring: np.ndarray) -> np.ndarray:
    """The ``ring`` pixels that are hairs on the skin round a spot (a fringe's hairs parsed as
    skin, a stray hair): a membrane held by them spreads their dark into the spot. A hair is
    thin (a grey black-hat of HAIR_WIDTH px picks it out) and far darker than the plane of
    the ring's lighter pixels (first those above the ring's median, then every pixel not found
    dark: the plane holds when half the ring is hair); a crease, a shadow's edge or a broad
    dark patch is neither that thin nor that dark, and holds the membrane as it is. Hairs
    lighter than the skin (blond) are not looked for."""
    out = np.zeros(ring.shape, bool)
    ys, xs = np.nonzero(ring)
    if len(ys) < 12:
        return out
    grey = I.mean(-1)
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (HAIR_WIDTH, HAIR_WIDTH))
    thin = cv2.morphologyEx(grey, cv2.MORPH_BLACKHAT, k)[ys, xs] > STRAY_MIN
    if not thin.any():
        return out
    g = grey[ys, xs].astype(np.float64)
    X = np.column_stack([np.ones_like(g), ys, xs]).astype(np.float64)
    use = g >= np.median(g)
    dark = np.zeros(len(g), bool)
    for _ in range(3):
        coef = np.linalg.lstsq(X[use], g[use], rcond=None)[0]
        res = g - X @ coef
        spread = 1.4826 * np.median(np.abs(res[use] - np.median(res[use])))
        dark = res < -max(STRAY_K * spread, STRAY_MIN)
        use = ~dark
    out[ys, xs] = dark & thin
    return out


def grain_share(extent: float) -> float:
    """How much of the copied grain a spot ``extent`` px across gets (0..1)."""
    a, b = GRAIN_SPAN
    return float(np.clip((extent / DETAIL_SIGMA - a) / (b - a), 0.0, 1.0))


def heal_window(win: np.ndarray, hole: np.ndarray, labels: np.ndarray,
                write: np.ndarray | None = None) -> np.ndarray:
    """``win`` (h, w, 3) uint8 with the ``hole`` pixels (those of ``write`` only, when given)
    filled from pixels of their own parsing class (``labels``); bit-identical elsewhere."""
    out = win.copy()
    write = hole if write is None else write & hole
    if not write.any():
        return out
    I = win.astype(np.float32)
    for c in np.unique(labels[write]):
        hc = write & (labels == c)
        known = (labels == c) & ~hole
        if known.sum() < 4:                  # nothing of its class round it: any pixel outside
            known = ~hole
            if not known.any():
                continue
        ys, xs = np.nonzero(hc)
        ext = int(max(ys.max() - ys.min(), xs.max() - xs.min())) + 1
        r = max(3, ext // 2 + 2)
        dist = cv2.distanceTransform((~hc).astype(np.uint8), cv2.DIST_L2, 3)
        near = dist <= r
        # hairs parsed as the spot's class (a fringe over the forehead) neither hold the
        # membrane nor shade its rim: dark strays of the class's pixels round the spot
        if c in (P.SKIN, P.NOSE, P.NECK):
            strays = _dark_strays(I, known & (dist <= 2 * r))
            if (known & ~strays).sum() >= max(4, known.sum() // 4):
                known = known & ~strays
        smooth = _blur_known(I, known, DETAIL_SIGMA)
        detail = I - smooth
        # the membrane of the coarse layer: its boundary is the class's own pixels as they are
        # (a blur there is one-sided at the hole's edge: it leans toward the skin farther
        # out), but not those within 2 px of another class (a brow's or lip's soft edge); the
        # rest is unknown (Neumann at the window's edge). Only near the spot: farther pixels
        # not held are a boundary holding the class's colour spread out to them, so a small
        # spot is a small solve
        other = (labels != c) & ~hole
        held = known & ~(cv2.dilate(other.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0)
        if held.sum() < 4:
            held = known
        dom = ~held & near
        rim = ~held & ~near
        boundary = np.where(held[..., None], I, smooth)
        if rim.any():
            far = _box_known(I, known, ext | 1)
            boundary = np.where(rim[..., None], far, boundary)
        low = poisson_fill(boundary, dom)
        fill = low
        # the fine layer (pores) copied from the nearest patch of the class the spot fits in
        away = known & ~cv2.dilate(hole.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        gain = TEXTURE_GAIN * grain_share(ext)
        off = _texture_offset(hc, away, detail) if gain > 0 else None
        if off is not None:
            fill = low.copy()
            fill[ys, xs] += gain * detail[ys + off[0], xs + off[1]]
        out[hc] = np.clip(fill[hc] + 0.5, 0, 255).astype(np.uint8)
    return out


def _labels_window(parsing, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    """The face's labels on the photo rectangle (x0, y0, x1, y1), background outside its crop;
    upsampled from the scores on the rectangle only (a brushed spot on a 24 MP photo)."""
    out = np.zeros((y1 - y0, x1 - x0), np.uint8)
    if parsing is None:
        return out
    cx0, cy0 = max(x0, parsing.x0), max(y0, parsing.y0)
    cx1, cy1 = min(x1, parsing.x0 + parsing.width), min(y1, parsing.y0 + parsing.height)
    if cx1 <= cx0 or cy1 <= cy0:
        return out
    if parsing._full is not None or parsing.scores.shape[1:] == (parsing.height, parsing.width):
        lab = parsing.labels_full()[cy0 - parsing.y0:cy1 - parsing.y0, cx0 - parsing.x0:cx1 - parsing.x0]
    else:
        sh, sw = parsing.scores.shape[1:]
        sx, sy = sw / parsing.width, sh / parsing.height
        M = np.array([[sx, 0, sx * (cx0 - parsing.x0 + 0.5) - 0.5],
                      [0, sy, sy * (cy0 - parsing.y0 + 0.5) - 0.5]], np.float64)
        size = (cx1 - cx0, cy1 - cy0)
        lab = P.running_argmax(cv2.warpAffine(sc, M, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                              borderMode=cv2.BORDER_REPLICATE) for sc in parsing.scores)
    out[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0] = lab
    return out


def heal_mask(image: np.ndarray, hole: np.ndarray, parsing, margin: int | None = None) -> Patch:
    """The photo with the ``hole`` (bool, the photo's size) pixels healed: the box round them
    (a Patch); nothing outside the hole changes."""
    box = nonzero_box(hole)
    if box is None:
        return Patch(image[:1, :1].copy(), 0, 0)
    H, W = hole.shape
    by0, by1, bx0, bx1 = box
    sub = hole[by0:by1, bx0:bx1]
    n, comps, stats, _ = cv2.connectedComponentsWithStats(sub.astype(np.uint8), connectivity=8)
    if margin is None:
        m_all = [int(3.5 * max(st[2], st[3]) + 8) for st in stats[1:]]
    else:
        m_all = [int(margin)] * (n - 1)
    # the patch: the hole's box grown by the largest margin
    M = max(m_all)
    px0, py0, px1, py1 = max(0, bx0 - M), max(0, by0 - M), min(W, bx1 + M), min(H, by1 + M)
    out = image[py0:py1, px0:px1].copy()
    # each spot in its own window (small for a small spot); the other spots' pixels there are
    # never taken as skin to fill from
    for i in range(1, n):
        x, y, bw, bh, _ = stats[i]
        m = m_all[i - 1]
        x0, y0 = max(0, bx0 + x - m), max(0, by0 + y - m)
        x1, y1 = min(W, bx0 + x + bw + m), min(H, by0 + y + bh + m)
        write = np.zeros((y1 - y0, x1 - x0), bool)
        cy0, cx0 = by0 + y - y0, bx0 + x - x0
        write[cy0:cy0 + bh, cx0:cx0 + bw] = comps[y:y + bh, x:x + bw] == i
        labels = _labels_window(parsing, x0, y0, x1, y1)
        healed = heal_window(image[y0:y1, x0:x1], hole[y0:y1, x0:x1], labels, write)
        dst = out[y0 - py0:y1 - py0, x0 - px0:x1 - px0]
        np.copyto(dst, healed, where=write[..., None])
    return Patch(out, px0, py0)


# -- finding the spots ------------------------------------------------------------------------

def _features_band(lm: np.ndarray, shape: tuple[int, int], size: float) -> np.ndarray:
    """uint8 (h, w): 1 on the 68 landmarks' brows, eyes, lips and nostrils (``lm`` in this
    grid's pixels), drawn FEATURE_REACH of the face's ``size`` thick."""
    out = np.zeros(shape, np.uint8)
    width = max(1, int(round(FEATURE_REACH * size)))
    p = np.round(lm).astype(np.int32)
    for a, b, closed in ((17, 22, False), (22, 27, False), (31, 36, False), (36, 42, True), (42, 48, True),
                         (48, 60, True)):
        cv2.polylines(out, [p[a:b]], closed, 1, width)
    for a, b in ((36, 42), (42, 48), (48, 60)):
        cv2.fillPoly(out, [p[a:b]], 1)
    return out


def find_blemishes(image: np.ndarray, face, keep=None) -> list[Spot]:
    """Small dark or red spots inside the face's skin, biggest contrast first. ``keep``: points
    (x, y) of spots to leave out."""
    parsing = face.parsing_for(image)
    S = face.size
    scale = min(1.0, WORK_SIZE / S)
    crop = image[parsing.y0:parsing.y0 + parsing.height, parsing.x0:parsing.x0 + parsing.width]
    h, w = crop.shape[:2]
    sw, sh = max(1, int(round(w * scale))), max(1, int(round(h * scale)))
    small = cv2.resize(crop, (sw, sh), interpolation=cv2.INTER_AREA) if scale < 1 else crop
    labels = cv2.resize(parsing.labels, (sw, sh), interpolation=cv2.INTER_NEAREST)
    s = S * scale                                          # the face's size on the small copy
    skin = labels == P.SKIN
    r = max(1, int(round(EDGE_MARGIN * s)))
    inner = cv2.erode(skin.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2)) > 0
    if not inner.any():
        return []
    lab = cv2.cvtColor(small.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
    L, A = lab[..., 0] / 100.0, lab[..., 1] / 255.0
    la = np.dstack([L, A]).astype(np.float32)
    base = _blur_known(la, skin, BASE_SIGMA * s)
    # a second pass without the pixels that stand out, so a spot does not pull its base down
    out1 = ((base[..., 0] - L) > 0.5 * DARK_DROP) | ((A - base[..., 1]) > 0.5 * RED_RISE)
    base = _blur_known(la, skin & ~out1, BASE_SIGMA * s)
    dark = (base[..., 0] - L) / DARK_DROP
    red = (A - base[..., 1]) / RED_RISE
    score = np.maximum(dark, red)
    score = cv2.GaussianBlur(score, (0, 0), 0.7)
    # how much the skin round a pixel varies anyway (a beard's stubble, a hairline, pores): a
    # spot must stand out NOISE_K times more than that, besides the fixed contrast
    w = skin.astype(np.float32)
    var = cv2.GaussianBlur(np.square(np.minimum(score, 3.0)) * w, (0, 0), NOISE_SIGMA * s) / \
        np.maximum(cv2.GaussianBlur(w, (0, 0), NOISE_SIGMA * s), 1e-4)
    noise = np.sqrt(var)
    cand = (score > np.maximum(1.0, NOISE_K * noise)) & inner
    support = (score > 0.4) & skin
    n, comps, stats, cents = cv2.connectedComponentsWithStats(cand.astype(np.uint8), connectivity=8)
    # a spot is never on a brow, an eye, the lips or a nostril where the landmarks put them,
    # whatever the parsing says there (a brow's tail it took for skin was healed away)
    lm = (np.asarray(face.landmarks68, np.float64) - (parsing.x0, parsing.y0)) * (sw / crop.shape[1], sh / crop.shape[0])
    on_feature = _features_band(lm, (sh, sw), s)
    spots: list[Spot] = []
    grow = max(1.0, GROW * S)
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        d_core = 2 * np.sqrt(area / np.pi)
        if d_core < MIN_SPOT * s * 0.5:
            continue
        ext = max(bw, bh)
        if ext > MAX_SPOT * s or area > np.pi / 4 * (MAX_SPOT * s) ** 2:
            continue                                       # a shadow, a streak of light: not a spot
        if area / float(bw * bh) < 0.3 or min(bw, bh) < 0.35 * ext:
            continue                                       # long and thin: a wrinkle, an edge
        if on_feature[y:y + bh, x:x + bw][comps[y:y + bh, x:x + bw] == i].mean() > 0.5:
            continue
        # the spot: its core and the soft edge round it (where it still stands out a little)
        rad = int(np.ceil(0.5 * d_core + 2))
        m0y, m0x = max(0, y - 2 * rad), max(0, x - 2 * rad)
        m1y, m1x = min(sh, y + bh + 2 * rad), min(sw, x + bw + 2 * rad)
        core = (comps[m0y:m1y, m0x:m1x] == i).astype(np.uint8)
        near = cv2.dilate(core, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * rad + 1,) * 2)) > 0
        region = np.zeros((sh, sw), bool)
        region[m0y:m1y, m0x:m1x] = (near & support[m0y:m1y, m0x:m1x]) | (core > 0)
        ys, xs = np.nonzero(region)
        ext = max(ys.max() - ys.min(), xs.max() - xs.min()) + 1
        # isolated on skin: the ring round it is skin and does not stand out itself
        ring = (cv2.dilate(core, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (4 * rad + 1,) * 2)) > 0) & ~near
        if ring.any():
            sub_skin = skin[m0y:m1y, m0x:m1x]
            sub_score = score[m0y:m1y, m0x:m1x]
            peak = float(sub_score[core > 0].max())
            if sub_skin[ring].mean() < 0.85 or peak - np.median(sub_score[ring]) < RING_CONTRAST:
                continue
        cm = core > 0
        kind = "dark" if dark[m0y:m1y, m0x:m1x][cm].max() >= red[m0y:m1y, m0x:m1x][cm].max() else "red"
        # the hole at photo resolution: the region upsampled, grown by its soft edge
        rx0, ry0 = xs.min(), ys.min()
        rx1, ry1 = xs.max() + 1, ys.max() + 1
        X0 = int(np.floor(rx0 / scale - grow - 2)) + parsing.x0
        Y0 = int(np.floor(ry0 / scale - grow - 2)) + parsing.y0
        X1 = int(np.ceil(rx1 / scale + grow + 2)) + parsing.x0
        Y1 = int(np.ceil(ry1 / scale + grow + 2)) + parsing.y0
        X0, Y0 = max(X0, 0), max(Y0, 0)
        X1, Y1 = min(X1, image.shape[1]), min(Y1, image.shape[0])
        gx = (np.arange(X0, X1) - parsing.x0 + 0.5) * scale - 0.5
        gy = (np.arange(Y0, Y1) - parsing.y0 + 0.5) * scale - 0.5
        mx, my = np.meshgrid(gx.astype(np.float32), gy.astype(np.float32))
        hole = cv2.remap(region.astype(np.float32), mx, my, cv2.INTER_LINEAR, borderValue=0) > 0.3
        k = int(np.ceil(grow))
        hole = cv2.dilate(hole.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * k + 1,) * 2)) > 0
        # never onto another class (a brow, a lip next to the skin)
        lab_w = _labels_window(parsing, X0, Y0, X1, Y1)
        hole &= lab_w == P.SKIN
        if not hole.any():
            continue
        cx, cy = float(cents[i][0] / scale + parsing.x0), float(cents[i][1] / scale + parsing.y0)
        spots.append(Spot(cx, cy, ext / scale / 2 + grow, (X0, Y0, X1, Y1), hole, kind))
    if keep:
        spots = [sp for sp in spots if not any(np.hypot(px - sp.x, py - sp.y) <= sp.radius for px, py in keep)]
    return spots


def spots_mask(shape: tuple[int, ...], spots: list[Spot]) -> np.ndarray:
    out = np.zeros(shape[:2], bool)
    for sp in spots:
        x0, y0, x1, y1 = sp.box
        out[y0:y1, x0:x1] |= sp.hole
    return out


# -- the edit ---------------------------------------------------------------------------------

def read_hole(mask, shape: tuple[int, ...]) -> np.ndarray:
    """A mask (a path to an image, an array, or a CroppedMask) as a bool map of the photo's size."""
    if isinstance(mask, CroppedMask):
        hole = mask.full()
        name = "the mask"
    elif isinstance(mask, (str, os.PathLike)):
        from inference.io import read_mask
        hole = read_mask(mask)
        name = str(mask)
    else:
        hole = np.asarray(mask)
        if hole.ndim == 3:
            hole = hole.max(-1)
        hole = hole > 0
        name = "the mask"
    if hole.shape != tuple(shape[:2]):
        raise EditError(f"{name}: the mask is {hole.shape[1]}x{hole.shape[0]} but the photo is "
                        f"{shape[1]}x{shape[0]}")
    return hole


def apply_region(image: np.ndarray, face, *, preview: bool = False, progress=None, cache=None,
                 mask=None, keep=None) -> Patch:
    """The healed box of the photo: the mask's pixels when a mask is given, else the blemishes
    found on ``face``'s skin (less those at the ``keep`` points)."""
    parsing = None if face is None else face.parsing_for(image)
    if mask is not None:
        return heal_mask(image, read_hole(mask, image.shape), parsing)
    if face is None:
        raise EditError("automatic healing needs a face (or give a mask)")
    spots = find_blemishes(image, face, keep)
    if progress is not None:
        progress(0.3)
    patch = heal_mask(image, spots_mask(image.shape, spots), parsing)
    patch.info["spots"] = [(sp.x, sp.y, sp.radius, sp.kind) for sp in spots]
    return patch


def apply(image: np.ndarray, face, **params) -> np.ndarray:
    return apply_region(image, face, **params).paste(image)
