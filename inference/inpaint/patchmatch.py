"""Patch-based completion (Wexler, Shechtman & Irani 2007) on PatchMatch fields (Barnes et al.
2009), coarse to fine.

The image is reduced until the hole is a few patches thick; there the hole starts from a
smooth push-pull fill. At every level, a few EM rounds alternate (E) a PatchMatch field from every
patch that touches the hole to the best fully-known patch of the image (the csrc/ op), and
(M) a vote: each hole pixel becomes the similarity-weighted mean of what the patches covering
it propose. The field and the fill are then carried to the next finer level. Sources can be
restricted (``source``: e.g. "fill from skin only"); everything is deterministic for a seed.

Extra terms (issue 25), all as planes matched with the colours, so the native op is
unchanged: ``classes`` (a face's parsing groups, inference/inpaint/sources.py) pin every hole
pixel to its surroundings' class; a usage plane of the source (the diversity term) makes
re-using one place for a whole block cost more than taking pieces from several; and at the
end the fill's low frequencies are blended to the photo in the gradient domain (a Poisson
solve guided by the fill), so the hole's edge shows no seam while the copied texture stays;
inside, the shading steps between the pieces the vote copied from different places are evened
in the same solve (their sources' own steps replace them), the grain kept.
Structure first: another plane holds the photo's structure edges and, inside the hole, the
edges that enter it joined across (inference/inpaint/structure.py), fixed near those curves,
so the hole's patches there copy an edge in the same place and direction.

Twins for the tests: :func:`nnf_reference` (exhaustive search, the optimum PatchMatch
approximates) and :func:`vote_reference`.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from inference.imaging import resize_any, smooth_fill
from inference.inpaint.base import InpaintError, Progress
from inference.inpaint.seams import blend_low_frequencies
from inference.lazy import lazy_module
from inference.ops import native

torch = lazy_module("torch")   # loaded at the first fill: the CLI starts without it

NAME = "patchmatch"
CONTEXT = 1.0          # context margin around the hole, x its size: the sources to copy from
PATCH = 7
# Vote weights exp(-d / (2 sigma2)), sigma2 = SIGMA_SCALE x the 75th percentile of the patch
# distances. Wexler's choice is a scale of 1: it averages so many patches that the fill blurs,
# and a blurry fill then attracts flat sources (measured by the texture gap, bench/inpaint.py).
SIGMA_PERCENTILE = 75
SIGMA_SCALE = 0.001   # 0.003 before the diversity term, whose fresher sources disagree more in the vote
MIN_SOURCES = 64       # the coarsest level keeps at least this many whole known patches ...
SRC_RATIO = 0.25       # ... and at least this many per patch to fill
TEXTURE_WEIGHT = 4.0   # weight of the texture features against the colours
TEXTURE_WINDOW = 9
PM_FIRST, PM_NEXT = 2, 1   # PatchMatch sweeps in the first and later EM rounds of a level
# Weight of the class planes: a pixel of another class costs 2 x 60^2 in a patch's SSD, more
# than a typical colour mismatch of a good match (~20 grey levels: 3 x 20^2), far less than
# filling skin from hair (3 x 100^2 and more).
CLASS_WEIGHT = 60.0
CLASS_REACH = 10.0    # px: the class pull fades as exp(-depth / reach) into the hole
# With a restricted source ("fill from skin only"), a step of more than this (grey levels, RGB
# norm) at the hole's edge is kept as an edge: the fill keeps the source's colours. Without one
# the whole step is spread (bench: capping it at 24 brought back seams of 6 grey levels).
SOURCE_SEAM_STEP = 12.0
# Diversity: the cost of re-using sources, per pixel of a source patch whose surroundings are
# all in use (a block copied whole; 0 for a fresh one), DIVERSITY x the level's typical match
# error (its SIGMA_PERCENTILE): where exact copies exist (a periodic texture) re-use is free
# ... and DIVERSITY_FINE at full size, where whole blocks are copied (stronger at every level
# costs the coarse structure: docs/figures.md, inpaint.py row)
DIVERSITY = 1.0
DIVERSITY_FINE = 2.0
USAGE_WINDOW = 2.0
SEAMLESS = True        # blend the fill to the photo in the gradient domain (inference/inpaint/seams.py)
# Structure first (inference/inpaint/structure.py): the plane of structure edges, the hole's
# joined across it, matched with the colours at this weight, the same at every level (bench/
# inpaint_structure.py, fitted photos: 40 / 80 / 120 / 160 / 200 gave recall 0.72 / 0.73 /
# 0.73 / 0.73-0.74 / 0.74; weighing coarse levels up, where an area-halved line fades, let
# the plane outweigh the colours there: a stroke over palms filled with flat pavement).
STRUCTURE_WEIGHT = 160.0
# ... and the plane of the grey on each side of a joined curve (SIDE_WEIGHT x the photo's grey:
# the grey as a fourth colour, sqrt(3) x 2 = 3.5 for twice the grey's share of an RGB distance;
# radius-20 holes across edges, fitted: recall 0.69 without it, 0.74 at 1 x, 0.75 at 2 x and
# RGB or grey alike, 0.74 at 3 x)
SIDE_WEIGHT = 3.5


def _masked_half(img: np.ndarray, known: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Half-size image averaging known pixels only, and its hole (a block with any unknown)."""
    h, w = known.shape
    size = ((w + 1) // 2, (h + 1) // 2)
    k = known.astype(np.float32)
    num = resize_any(img * k[..., None], size, cv2.INTER_AREA)
    den = cv2.resize(k, size, interpolation=cv2.INTER_AREA)
    small = num / np.maximum(den, 1e-6)[..., None]
    return small.astype(np.float32, copy=False), den < 0.999


def _texture_features(image: np.ndarray, hole: np.ndarray, window: int) -> np.ndarray:
    """Newson et al. (2014) texture features: |d/dx| and |d/dy| of the grey image averaged over
    a window, from known pixels only. Matched along with the colours they keep coarse levels,
    where downsampling has erased the texture, from filling a textured hole with a flat area
    (the flat one matches a blurry first guess best)."""
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    known = (~hole).astype(np.float32)
    gx = np.abs(cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)) / 4
    gy = np.abs(cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)) / 4
    k = cv2.erode(known, np.ones((3, 3), np.uint8))  # gradients across the hole border are not texture
    den = np.maximum(cv2.blur(k, (window, window)), 1e-3)
    return np.dstack([cv2.blur(g * k, (window, window)) / den for g in (gx, gy)])


def _valid_sources(hole: np.ndarray, source: np.ndarray | None, r: int) -> np.ndarray:
    """Patch centres whose whole patch is known, inside the image and inside ``source``."""
    known = (~hole).astype(np.uint8)
    ok = cv2.erode(known, np.ones((2 * r + 1, 2 * r + 1), np.uint8), borderType=cv2.BORDER_CONSTANT,
                   borderValue=0) > 0
    if source is not None:
        ok &= source
    return ok


def _targets(hole: np.ndarray, r: int) -> np.ndarray:
    """Patch centres whose patch touches the hole."""
    return cv2.dilate(hole.astype(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8)) > 0


def _pyramid(img: np.ndarray, hole: np.ndarray, source: np.ndarray | None, r: int):
    """Levels (image, hole, source) from fine to coarse, down to where the hole is about a
    patch thick or the image too small to hold the patches it needs."""
    levels = [(img, hole, source)]
    while True:
        im, ho, so = levels[-1]
        thick = cv2.distanceTransform(ho.astype(np.uint8), cv2.DIST_L2, 3).max()
        if thick <= r + 1 or min(ho.shape) < 8 * r:
            break
        small, small_hole = _masked_half(im, ~ho)
        small_src = None if so is None else cv2.resize(so.astype(np.uint8), small_hole.shape[::-1],
                                                       interpolation=cv2.INTER_NEAREST) > 0
        # Stop before a level has too few whole known patches to copy from: there every hole
        # patch would copy the same handful, and that monotony would be carried up.
        if _valid_sources(small_hole, small_src, r).sum() < max(MIN_SOURCES, SRC_RATIO * _targets(small_hole, r).sum()):
            break
        levels.append((small, small_hole, small_src))
    return levels


def _upsample_nnf(nnf: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Each coarse match to its 2x2 children, scaled: child (y, x) takes 2 nnf[y // 2, x // 2] +
    (y % 2, x % 2) (the last coarse row / column repeated where the fine size is odd and more).
    By repeats and in-place adds: an index grid of the size took a second on a 12 MP photo."""
    h, w = shape
    rows = np.minimum(np.arange(h) // 2, nnf.shape[0] - 1)
    cols = np.minimum(np.arange(w) // 2, nnf.shape[1] - 1)
    up = (nnf.astype(np.int32) * 2)[rows][:, cols]
    up[..., 0] += (np.arange(h, dtype=np.int32) % 2)[:, None]
    up[..., 1] += (np.arange(w, dtype=np.int32) % 2)[None, :]
    return up


EM_COARSE, EM_MID, EM_FINE = 4, 4, 1   # 6, 4, 3 took 1.4x the time for no better fill (bench); fewer mid rounds break the stripes of tests/test_inpaint.py


def _clamp_to_valid(nnf: np.ndarray, valid: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Move every ``target`` pixel's match to the nearest valid source centre (the op would
    otherwise draw a random one, and the upsampled field is mostly right already); the other
    entries are never read. Flat indices, the targets only: the whole field's took ~0.8 s at
    12 MP."""
    if valid.all():
        return nnf
    H, W = valid.shape
    _, labels = cv2.distanceTransformWithLabels((~valid).astype(np.uint8), cv2.DIST_L2, 5,
                                                labelType=cv2.DIST_LABEL_PIXEL)
    labels = labels.ravel()
    at = np.flatnonzero(valid)
    lut = np.zeros(int(labels.max()) + 1, np.int64)   # label -> the valid pixel that has it
    lut[labels[at]] = at
    t = np.flatnonzero(target)
    m = nnf.reshape(-1, 2)[t]
    near = lut[labels[np.clip(m[:, 0], 0, H - 1) * W + np.clip(m[:, 1], 0, W - 1)]]
    out = nnf.copy()
    out.reshape(-1, 2)[t] = np.stack([near // W, near % W], -1)
    return out


def _em_rounds(level: int, levels: int) -> int:
    """EM rounds at a level: many where it is cheap (coarsest), few at full size."""
    return EM_COARSE if level == levels - 1 else (EM_FINE if level == 0 else EM_MID)


def fill(image: np.ndarray, hole: np.ndarray, progress: Progress | None = None, seed: int = 0,
         source: np.ndarray | None = None, patch: int | None = None, stats: dict | None = None,
         classes: np.ndarray | None = None, **_) -> np.ndarray:
    """(H, W, 3) uint8 crop and its hole -> the crop with the hole completed. ``stats`` (a
    dict, optional) receives the finest level's field ("nnf", (H, W, 2) source centres) and
    "patch", for the measures of bench/inpaint.py and the tests. ``classes`` (H, W) int: the
    source group of every pixel (inference.inpaint.sources; negative: none): each hole pixel
    then copies from its surroundings' group."""
    ops = native()
    patch = patch or PATCH
    r = patch // 2
    parts = [image.astype(np.float32)]   # the planes matched, joined once (each join copied all)
    if TEXTURE_WEIGHT > 0:
        parts.append(TEXTURE_WEIGHT * _texture_features(image, hole, TEXTURE_WINDOW))
    structure = planes = None
    if STRUCTURE_WEIGHT > 0:
        from inference.inpaint.structure import edge_guide
        found = edge_guide(image, hole)
        if found.curves:   # no edge joined across: the fill is as it was without the planes
            structure = found
            planes = np.dstack([STRUCTURE_WEIGHT * found.edges, SIDE_WEIGHT * found.sides]).astype(np.float32)
            parts.append(planes)
    e0 = sum(a.shape[2] for a in parts) - 2   # the structure planes (when there are): edges, then sides
    guide = None
    if classes is not None:
        guide = _class_planes(classes, hole)
        if guide.shape[2] == 0:   # one class round the hole (or none known): nothing to choose
            guide = None
        else:
            parts.append(guide)
    if DIVERSITY > 0:   # the usage plane: 0 in the fill, how much each source is used in B
        parts.append(np.zeros(hole.shape + (1,), np.float32))
    img = np.concatenate(parts, axis=2, dtype=np.float32)
    ncls = 0 if guide is None else guide.shape[2]
    c0 = img.shape[2] - ncls - (DIVERSITY > 0)   # first class plane
    if source is not None:
        source = source & ~hole
    levels = _pyramid(img, hole, source, r)
    # the hole's classes are fixed: every level's fill carries them, whatever the vote says
    guides = None if guide is None else [resize_any(guide, l[1].shape[::-1], cv2.INTER_AREA) for l in levels]
    pinned = []
    if structure is not None:   # near the joined curves the hole's planes are fixed at every level
        for l in levels:
            size = l[1].shape[::-1]
            masks = [cv2.resize(m.astype(np.uint8), size, interpolation=cv2.INTER_AREA) > 0
                     for m in (structure.fixed, structure.side_fixed)]
            pinned.append((resize_any(planes, size, cv2.INTER_AREA), np.dstack(masks)))

    def pin(a: np.ndarray, li: int) -> np.ndarray:
        if pinned:
            value, where = pinned[li]
            a[..., e0:e0 + 2] = np.where(where, value, a[..., e0:e0 + 2])
        if guides is not None:
            a[..., c0:c0 + ncls] = guides[li]
        if DIVERSITY > 0:
            a[..., -1] = 0
        return a
    if not _valid_sources(levels[0][1], levels[0][2], r).any():
        raise InpaintError("nothing to fill from: the mask (or the allowed source) leaves no whole patch")
    work = [float(l[1].sum()) * _em_rounds(i, len(levels)) for i, l in enumerate(levels)]
    done, total = 0.0, max(sum(work), 1.0)
    A = nnf = tdist = ttarget = None
    sigma2 = typical = 1.0
    for li in range(len(levels) - 1, -1, -1):
        B, ho, so = levels[li]
        valid = _valid_sources(ho, so, r)
        if not valid.any():
            continue
        target = _targets(ho, r)
        if A is None:  # coarsest: a first guess
            A = pin(smooth_fill(B, ho), li)
            nnf = np.zeros(ho.shape + (2,), np.int32)
        tB, tvalid, ttarget, thole = (torch.from_numpy(np.ascontiguousarray(B)),
                                      torch.from_numpy(valid.astype(np.uint8)),
                                      torch.from_numpy(target.astype(np.uint8)),
                                      torch.from_numpy(ho.astype(np.uint8)))
        if nnf.shape[:2] != ho.shape:
            # New level: the coarse field, scaled up, votes this level's own sharp pixels into
            # the hole (an upsampled coarse fill would be blurry, and a blurry guess matches
            # flat patches best: the fill would lose its texture level by level).
            nnf = np.ascontiguousarray(_upsample_nnf(nnf, ho.shape))
            nnf = _clamp_to_valid(nnf, valid, target)
            flat = torch.zeros(ho.shape, dtype=torch.float32)
            up = resize_any(A, ho.shape[::-1], cv2.INTER_LINEAR)
            A = np.where(ho[..., None], up, B).astype(np.float32, copy=False)
            A = ops.patchmatch_vote(tB, torch.from_numpy(nnf), flat, ttarget, thole, torch.from_numpy(A),
                                    patch, 1.0).numpy()
            A = pin(A, li)
        weight = torch.ones(ho.shape, dtype=torch.float32)
        rounds = _em_rounds(li, len(levels))
        for em in range(rounds):
            level_seed = (seed * 7919 + li) * 104729 + em
            tA = torch.from_numpy(A)
            if DIVERSITY > 0 and not (em == 0 and li == len(levels) - 1):   # tB shares B's memory
                _set_usage(B, nnf, ho, patch, float(np.sqrt((DIVERSITY_FINE if li == 0 else DIVERSITY) * typical)))
            tnnf, tdist = ops.patchmatch_nnf(tA, tB, weight,
                                             tvalid, ttarget,
                                             torch.from_numpy(nnf), patch, PM_FIRST if em == 0 else PM_NEXT,
                                             level_seed)
            d = tdist.numpy()[target]
            typical = float(np.percentile(d, SIGMA_PERCENTILE)) if d.size else 1.0
            sigma2 = typical * SIGMA_SCALE
            A = pin(ops.patchmatch_vote(tB, tnnf, tdist, ttarget, thole, tA, patch, max(sigma2, 1e-3)).numpy(), li)
            nnf = tnnf.numpy()
            done += work[li] / rounds
            if progress:
                progress(min(0.99, done / total))
    if stats is not None:
        stats.update(nnf=nnf, hole=levels[0][1], patch=patch)
    out = A[..., :3]
    if SEAMLESS and nnf is not None and nnf.shape[:2] == hole.shape:
        # the steps a joined edge is made of are no seams to even (between classes they are:
        # keeping those, the brow shares of tests/test_inpaint_quality.py fell 0.87 -> 0.81)
        keep = None if structure is None else structure.fixed
        out = blend_low_frequencies(ops, levels[0][0], A, hole, nnf, tdist, ttarget, patch, sigma2,
                                     SOURCE_SEAM_STEP if source is not None else np.inf, keep)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def _set_usage(B: np.ndarray, nnf: np.ndarray, hole: np.ndarray, patch: int, scale: float) -> None:
    """Set B's last plane (in place) to ``scale`` x the share of the source centres round each
    pixel (a window of USAGE_WINDOW patches) that the hole's field uses now: a block copied
    whole uses all of them and costs the most there, small pieces taken from many places cost
    little. Matched against the fill's 0, it makes the next field prefer fresh sources."""
    H, W = hole.shape
    src = nnf[hole]
    counts = np.bincount(src[:, 0].astype(np.int64) * W + src[:, 1], minlength=H * W).astype(np.float32)
    k = int(USAGE_WINDOW * patch) | 1
    B[..., -1] = scale * np.minimum(cv2.blur(counts.reshape(H, W), (k, k)), 1.0)


def _class_planes(classes: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """The source groups present as corners of a cube centred on 0 (hole pixels taking their
    surroundings' group): two groups differ by at least the cost of one-hot planes of weight
    CLASS_WEIGHT (2 x CLASS_WEIGHT^2 per pixel) in ceil(log2(groups)) planes instead of one per
    group (up to 11: the matching's cost grows with the planes). A pixel of no group is at the
    centre, as far from every group as the others are from each other's mid-point."""
    from inference.inpaint.sources import hole_groups
    g = hole_groups(classes.astype(np.int8), hole)
    present = [int(k) for k in np.unique(g) if k >= 0]
    dims = int(np.ceil(np.log2(len(present)))) if len(present) > 1 else 0
    if dims == 0:
        return np.zeros(hole.shape + (0,), np.float32)
    half = CLASS_WEIGHT / np.sqrt(2.0)   # corners at +-half: neighbours (2 half)^2 = 2 CLASS_WEIGHT^2 apart
    codes = np.zeros((256, dims), np.float32)   # indexed by group (int8 as uint8; -1 -> 255: centre)
    for i, k in enumerate(present):
        codes[k] = [half * (((i >> bit) & 1) * 2 - 1) for bit in range(dims)]
    planes = codes[g.astype(np.uint8)]
    # deep in a big hole the nearest class is a guess: its pull fades with the distance
    if CLASS_REACH > 0:
        depth = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3)
        planes *= np.exp(-depth / CLASS_REACH).astype(np.float32)[..., None]
    return np.ascontiguousarray(planes)


def largest_copied_block(nnf: np.ndarray, hole: np.ndarray) -> int:
    """Pixels of the largest 4-connected set of hole pixels that share one offset (source
    minus target) in ``nnf``: the biggest piece of the fill copied whole from one place."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    H, W = hole.shape
    off = nnf.astype(np.int64) - np.stack(np.mgrid[0:H, 0:W], -1)
    idx = np.full((H, W), -1, np.int64)
    n = int(hole.sum())
    if n == 0:
        return 0
    idx[hole] = np.arange(n)
    rows, cols = [], []
    for a, b in (((slice(None), slice(0, W - 1)), (slice(None), slice(1, W))),
                 ((slice(0, H - 1), slice(None)), (slice(1, H), slice(None)))):
        same = hole[a] & hole[b] & (off[a] == off[b]).all(-1)
        rows.append(idx[a][same])
        cols.append(idx[b][same])
    r, c = np.concatenate(rows), np.concatenate(cols)
    g = coo_matrix((np.ones(len(r), np.int8), (r, c)), shape=(n, n))
    _, lab = connected_components(g, directed=False)
    return int(np.bincount(lab).max())


# -- twins for the tests ----------------------------------------------------------------------
def patch_distances(A: np.ndarray, B: np.ndarray, wa: np.ndarray, y: int, x: int, r: int) -> np.ndarray:
    """Weighted SSD of A's patch at (y, x) against every B patch centre (inf where the B patch
    leaves the image), divided by the patch's total weight."""
    H, W = wa.shape
    Hb, Wb = B.shape[:2]
    out = np.full((Hb, Wb), np.inf)
    tot = 0.0
    acc = np.zeros((Hb - 2 * r, Wb - 2 * r))
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            ay, ax = y + dy, x + dx
            if not (0 <= ay < H and 0 <= ax < W) or wa[ay, ax] == 0:
                if 0 <= ay < H and 0 <= ax < W:
                    tot += wa[ay, ax]
                continue
            tot += wa[ay, ax]
            shifted = B[r + dy:Hb - r + dy, r + dx:Wb - r + dx].astype(np.float64)
            acc += wa[ay, ax] * ((shifted - A[ay, ax]) ** 2).sum(-1)
    out[r:Hb - r, r:Wb - r] = acc / tot if tot > 0 else 0.0
    return out


def nnf_reference(A, B, wa, bvalid, target, patch) -> tuple[np.ndarray, np.ndarray]:
    """The exact nearest-neighbour field by exhaustive search."""
    r = patch // 2
    nnf = np.zeros(target.shape + (2,), np.int32)
    dist = np.zeros(target.shape, np.float64)
    for y, x in zip(*np.nonzero(target)):
        d = patch_distances(A, B, wa, y, x, r)
        d[~bvalid.astype(bool)] = np.inf
        k = int(np.argmin(d))
        nnf[y, x] = divmod(k, B.shape[1])
        dist[y, x] = d.flat[k]
    return nnf, dist


def nnf_patchmatch_reference(A, B, wa, bvalid, target, patch, iterations, seed) -> tuple[np.ndarray, np.ndarray]:
    """A plain PatchMatch in Python (one band, serial scan, numpy's random numbers): the same
    algorithm as the native op, to compare energies with."""
    r = patch // 2
    H, W = target.shape
    Hb, Wb = bvalid.shape
    rng = np.random.default_rng(seed)
    valid = np.argwhere(bvalid)
    Ap = np.pad(A.astype(np.float64), ((r, r), (r, r), (0, 0)))
    wp = np.pad(wa.astype(np.float64), r)

    def dist(y, x, v, u):
        a, w = Ap[y:y + patch, x:x + patch], wp[y:y + patch, x:x + patch]
        b = B[v - r:v + r + 1, u - r:u + r + 1]
        return float((w * ((a - b) ** 2).sum(-1)).sum())

    nnf = valid[rng.integers(len(valid), size=(H, W))].astype(np.int32)
    d = np.array([[dist(y, x, *nnf[y, x]) if target[y, x] else np.inf for x in range(W)] for y in range(H)])

    def consider(y, x, v, u):
        if 0 <= v < Hb and 0 <= u < Wb and bvalid[v, u]:
            dd = dist(y, x, v, u)
            if dd < d[y, x]:
                d[y, x], nnf[y, x] = dd, (v, u)

    for it in range(iterations):
        step = 1 if it % 2 == 0 else -1
        ys = range(H) if step == 1 else range(H - 1, -1, -1)
        for y in ys:
            for x in (range(W) if step == 1 else range(W - 1, -1, -1)):
                if not target[y, x]:
                    continue
                if 0 <= x - step < W and target[y, x - step]:
                    consider(y, x, nnf[y, x - step, 0], nnf[y, x - step, 1] + step)
                if 0 <= y - step < H and target[y - step, x]:
                    consider(y, x, nnf[y - step, x, 0] + step, nnf[y - step, x, 1])
                rad = max(Hb, Wb)
                while rad >= 1:
                    v = int(np.clip(nnf[y, x, 0] + rng.integers(-rad, rad + 1), 0, Hb - 1))
                    u = int(np.clip(nnf[y, x, 1] + rng.integers(-rad, rad + 1), 0, Wb - 1))
                    consider(y, x, v, u)
                    rad //= 2
    tot = np.array([[wp[y:y + patch, x:x + patch].sum() for x in range(W)] for y in range(H)])
    return nnf, np.where(target, d / np.maximum(tot, 1e-12), 0.0)


def vote_reference(B, nnf, dist, target, fill_mask, A, patch, sigma2) -> np.ndarray:
    """Plain-numpy twin of the native vote."""
    r = patch // 2
    out = A.astype(np.float64).copy()
    H, W = fill_mask.shape
    for y, x in zip(*np.nonzero(fill_mask)):
        qs = [(y + dy, x + dx, dy, dx) for dy in range(-r, r + 1) for dx in range(-r, r + 1)
              if 0 <= y + dy < H and 0 <= x + dx < W and target[y + dy, x + dx]]
        if not qs:
            continue
        dmin = min(dist[qy, qx] for qy, qx, _, _ in qs)
        acc, wsum = np.zeros(B.shape[2]), 0.0
        for qy, qx, dy, dx in qs:
            w = math.exp(-(dist[qy, qx] - dmin) / (2 * sigma2))
            acc += w * B[nnf[qy, qx, 0] - dy, nnf[qy, qx, 1] - dx]
            wsum += w
        out[y, x] = acc / wsum
    return out
