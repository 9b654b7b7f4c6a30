"""Structure first (issue 25): the edges that enter a hole, continued across it.

Before any texture is copied, the photo's structure edges (Canny edges of long, contrasted
components: a doorframe, a horizon, a jaw line, not grass) that reach the hole are found where
they enter it, each with its direction and the colours on its two sides. Two entries that can
be one edge (they point at each other within a bend, and the colours left of one are those
right of the other) are joined by a cubic Hermite curve with their directions as tangents;
entries left alone stop at the hole, as an edge ending there would.

The result is a guide plane (:func:`edge_guide`): the structure edges outside the hole and the
joined curves inside it, softened by a pixel. PatchMatch matches it with the colours
(inference/inpaint/patchmatch.py), fixed in the hole at every level, so a hole patch that a
curve crosses takes a source patch with an edge in the same place and direction, and one off
the curves a source without a structure edge: the edge continues instead of stopping in the
middle of the hole or breaking into pieces.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from inference.imaging import smooth_fill

WORK_SIDE = 512        # px: the edges are found on a copy of the crop at most this large
SMOOTH = 1.5           # Gaussian sigma before Canny: structure, not grain
HIGH_PERCENTILE = 90   # Canny's high threshold: this percentile of the known gradient ...
MIN_HIGH = 60.0        # ... and no less (Sobel units: 15 grey levels per pixel)
MIN_LENGTH = 20        # px (work scale): shorter edge components are texture
EXCLUDE = 2            # px: edges this close to the hole are the removed object's, dropped
REACH = 12             # px: an entry's direction and colours are read this far from the hole
MIN_CONTRAST = 14.0    # RGB norm between the two sides: a weaker edge is not structure
SIDE_OFFSET = 3.0      # px either side of the edge where its colours are read
MAX_TURN = 40.0        # degrees: the most an entry's direction may differ from the chord
MAX_COLOUR = 0.6       # side colour mismatch, in units of the edges' own contrast
MIN_INSIDE = 0.85      # share of a joining curve that must lie in the hole
BAND = 3               # px: the edge plane is fixed this far either side of a joining curve ...
SIDE_BAND = 8          # ... and the side colours this far
SIDE_BLUR = 5.0        # px: Gaussian sigma of the side plane: it says which side's grey, not its
                       # grain (blurred 1 px, fills over foliage came out smoother)


@dataclass
class Entry:
    """Where a structure edge meets the hole: its end (x, y), unit direction into the hole,
    the mean colours on its left and right (looking along the direction), and the edge's
    contrast (their difference)."""
    point: np.ndarray
    direction: np.ndarray
    left: np.ndarray
    right: np.ndarray

    @property
    def contrast(self) -> float:
        return float(np.linalg.norm(self.left - self.right))


def structure_edges(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """(H, W) bool: the structure edges of the known part (long, contrasted Canny components),
    none within EXCLUDE px of the hole (they belong to what is being removed)."""
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    grey = cv2.GaussianBlur(smooth_fill(grey, hole), (0, 0), SMOOTH)
    near = cv2.dilate(hole.astype(np.uint8), np.ones((2 * EXCLUDE + 1,) * 2, np.uint8)) > 0
    mag = np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
    known = mag[~near]
    high = max(MIN_HIGH, float(np.percentile(known, HIGH_PERCENTILE))) if known.size else MIN_HIGH
    edges = cv2.Canny(np.clip(grey + 0.5, 0, 255).astype(np.uint8), high / 2, high, L2gradient=True) > 0
    edges &= ~near
    n, lab, st, _ = cv2.connectedComponentsWithStats(edges.astype(np.uint8), connectivity=8)
    long_ = np.zeros(n, bool)
    long_[1:] = np.maximum(st[1:, cv2.CC_STAT_WIDTH], st[1:, cv2.CC_STAT_HEIGHT]) >= MIN_LENGTH
    return long_[lab]


def _sample(img: np.ndarray, pts: np.ndarray, known: np.ndarray) -> np.ndarray | None:
    """Mean colour at the known ones of ``pts`` (x, y), nearest pixel; None if none is known."""
    H, W = known.shape
    xi, yi = np.rint(pts[:, 0]).astype(int), np.rint(pts[:, 1]).astype(int)
    ok = (xi >= 0) & (xi < W) & (yi >= 0) & (yi < H)
    xi, yi = xi[ok], yi[ok]
    ok = known[yi, xi]
    return img[yi[ok], xi[ok]].mean(0) if ok.any() else None


def find_entries(image: np.ndarray, hole: np.ndarray, edges: np.ndarray) -> list[Entry]:
    """Every structure edge that reaches the hole: a component of ``edges`` within REACH px
    of the hole, coming within EXCLUDE + 2 px of it, line-like and pointing into it."""
    out_dist = cv2.distanceTransform((~hole).astype(np.uint8), cv2.DIST_L2, 5)
    ring = edges & (out_dist <= REACH)
    n, lab = cv2.connectedComponents(ring.astype(np.uint8), connectivity=8)
    blurred = cv2.GaussianBlur(image.astype(np.float32), (0, 0), 1.0)
    known = ~hole & (out_dist > EXCLUDE)
    gy, gx = np.gradient(cv2.GaussianBlur(out_dist, (0, 0), 2.0))
    entries = []
    ay, ax = np.nonzero(lab)
    order = np.argsort(lab[ay, ax], kind="stable")   # the pixels grouped by component
    ay, ax = ay[order], ax[order]
    bounds = np.searchsorted(lab[ay, ax], np.arange(1, n + 1))
    for k in range(1, n):
        ys, xs = ay[bounds[k - 1]:bounds[k]], ax[bounds[k - 1]:bounds[k]]
        if len(ys) < 5:
            continue
        d = out_dist[ys, xs]
        if d.min() > EXCLUDE + 2:
            continue
        i = int(np.argmin(d))
        end = np.array([xs[i], ys[i]], np.float64)
        pts = np.stack([xs, ys], 1).astype(np.float64)
        local = pts[np.hypot(*(pts - end).T) <= REACH]
        if len(local) < 5:
            continue
        centred = local - local.mean(0)
        evals, evecs = np.linalg.eigh(centred.T @ centred)
        if evals[1] <= 0 or evals[0] / evals[1] > 0.1:   # not a line: a corner or a blob
            continue
        v = evecs[:, 1]
        if v @ (end - local.mean(0)) < 0:
            v = -v
        inward = -np.array([gx[ys[i], xs[i]], gy[ys[i], xs[i]]])
        if np.linalg.norm(inward) > 0 and v @ inward / np.linalg.norm(inward) < 0.3:
            continue   # runs along the hole's edge, not into it
        normal = np.array([-v[1], v[0]])
        left = _sample(blurred, local + SIDE_OFFSET * normal, known)
        right = _sample(blurred, local - SIDE_OFFSET * normal, known)
        if left is None or right is None:
            continue
        e = Entry(end, v, left, right)
        if e.contrast >= MIN_CONTRAST:
            entries.append(e)
    return entries


def hermite(a: Entry, b: Entry) -> np.ndarray:
    """(N, 2) points (x, y) of the cubic from ``a``'s end leaving along its direction to
    ``b``'s end arriving against ``b``'s (both point into the hole), tangents as long as the
    chord."""
    chord = float(np.linalg.norm(b.point - a.point))
    t = np.linspace(0, 1, max(int(2 * chord), 2))[:, None]
    h00, h10, h01, h11 = 2 * t ** 3 - 3 * t ** 2 + 1, t ** 3 - 2 * t ** 2 + t, -2 * t ** 3 + 3 * t ** 2, t ** 3 - t ** 2
    return h00 * a.point + h10 * chord * a.direction + h01 * b.point - h11 * chord * b.direction


def pair_cost(a: Entry, b: Entry) -> float | None:
    """How well two entries make one edge (lower is better), None if they cannot: each must
    point along the chord to the other within MAX_TURN, and the colours left of one must be
    those right of the other (walking back along it) within MAX_COLOUR of the contrast."""
    c = b.point - a.point
    dist = float(np.linalg.norm(c))
    if dist < 1:
        return None
    c /= dist
    ca, cb = float(a.direction @ c), float(-(b.direction @ c))
    lim = np.cos(np.radians(MAX_TURN))
    if ca < lim or cb < lim:
        return None
    colour = (np.linalg.norm(a.left - b.right) + np.linalg.norm(a.right - b.left)) / (a.contrast + b.contrast)
    if colour > MAX_COLOUR:
        return None
    return (2 - ca - cb) / (1 - lim) + colour / MAX_COLOUR


def join_edges(entries: list[Entry], hole: np.ndarray) -> list[tuple[np.ndarray, Entry, Entry]]:
    """Curves (each (N, 2), x, y, with the two entries it joins) pairing the entries: cheapest
    pairs first, each entry in one pair at most, a curve only where it runs through the hole."""
    H, W = hole.shape
    pairs = []
    for i in range(len(entries)):
        for j in range(i + 1, len(entries)):
            cost = pair_cost(entries[i], entries[j])
            if cost is not None:
                pairs.append((cost, i, j))
    used, curves = set(), []
    for _, i, j in sorted(pairs):
        if i in used or j in used:
            continue
        pts = hermite(entries[i], entries[j])
        xi = np.clip(np.rint(pts[:, 0]).astype(int), 0, W - 1)
        yi = np.clip(np.rint(pts[:, 1]).astype(int), 0, H - 1)
        inside = (pts[:, 0] >= 0) & (pts[:, 0] <= W - 1) & (pts[:, 1] >= 0) & (pts[:, 1] <= H - 1)
        inner = slice(len(pts) // 10, len(pts) - len(pts) // 10)   # the ends lie just outside
        if not (inside.all() and hole[yi[inner], xi[inner]].mean() >= MIN_INSIDE):
            continue
        used.update((i, j))
        curves.append((pts, entries[i], entries[j]))
    return curves


@dataclass
class Guide:
    """What the structure says, at the crop's size: ``edges`` (H, W) in [0, 1], the structure
    edges outside the hole and the joined curves inside (softened by a pixel, a line's peak
    1); ``fixed``: the hole pixels where it holds (within BAND px of a curve; elsewhere in the
    hole it is left to the copied sources, so texture with edges of its own is not turned
    away); ``sides`` (H, W): the photo's grey (mean of RGB) softened outside the hole and,
    within SIDE_BAND px of a curve inside it, the grey of that curve's side (blended from one
    end to the other), where ``side_fixed``; ``curves``: (N, 2) x, y. With no curve, no planes (None)."""
    edges: np.ndarray | None
    fixed: np.ndarray | None
    sides: np.ndarray | None
    side_fixed: np.ndarray | None
    curves: list[np.ndarray]


def _side_colours(shape: tuple[int, int], hole: np.ndarray, joined, band: float) -> tuple[np.ndarray, np.ndarray]:
    """(H, W) greys and (H, W) where set: each hole pixel within ``band`` px of a curve
    takes the colour of its side of the nearest curve point, blended along the curve from the
    first entry's to the second's (the second looks back, so its left is the first's right)."""
    H, W = shape
    out = np.zeros((H, W), np.float32)
    best = np.full((H, W), np.inf, np.float32)
    for pts, a, b in joined:
        line = np.zeros((H, W), np.uint8)
        cv2.polylines(line, [np.rint(pts).astype(np.int32)], False, 1, 1)
        near = hole & (cv2.dilate(line, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * int(band) + 1,) * 2)) > 0)
        ys, xs = np.nonzero(near)
        if not len(ys):
            continue
        d2 = (xs[:, None] - pts[None, :, 0]) ** 2 + (ys[:, None] - pts[None, :, 1]) ** 2
        k = np.argmin(d2, 1)
        d = np.sqrt(d2[np.arange(len(k)), k]).astype(np.float32)
        tangent = np.gradient(pts, axis=0)[k]
        cross = tangent[:, 0] * (ys - pts[k, 1]) - tangent[:, 1] * (xs - pts[k, 0])
        t = (k / max(len(pts) - 1, 1))[:, None]
        # image y grows downwards: a positive cross product is the side the normal (-dy, dx) of
        # find_entries points to, its "left"
        left = ((1 - t) * a.left + t * b.right).mean(1)
        right = ((1 - t) * a.right + t * b.left).mean(1)
        col = np.where(cross > 0, left, right)
        col = np.where(d <= 1.0, (left + right) / 2, col)
        closer = d < best[ys, xs]
        out[ys[closer], xs[closer]] = col[closer]
        best[ys[closer], xs[closer]] = d[closer]
    return out, np.isfinite(best)


def edge_guide(image: np.ndarray, hole: np.ndarray) -> Guide:
    """The structure of the crop and its hole (:class:`Guide`). Found on a copy at most
    WORK_SIDE px large, so a 12 MP crop costs what a small one does."""
    H, W = hole.shape
    s = min(1.0, WORK_SIDE / max(H, W))
    if s < 1:
        size = (max(1, round(W * s)), max(1, round(H * s)))
        img = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        ho = cv2.resize(hole.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    else:
        img, ho = image, hole
    edges = structure_edges(img, ho)
    joined = join_edges(find_entries(img, ho, edges), ho)
    if not joined:   # nothing to guide: the planes are not built
        return Guide(None, None, None, None, [])
    scale = np.array([W / ho.shape[1], H / ho.shape[0]])
    curves = [c * scale for c, _, _ in joined]
    plane = np.zeros((H, W), np.uint8)
    if s < 1:
        plane[~hole] = cv2.resize(edges.astype(np.uint8), (W, H), interpolation=cv2.INTER_NEAREST)[~hole]
    else:
        plane[edges] = 1
    drawn = np.zeros((H, W), np.uint8)
    for c in curves:
        cv2.polylines(drawn, [np.rint(c).astype(np.int32)], False, 1, max(1, round(1 / s)))
    plane = np.where(hole, drawn, plane).astype(np.float32)
    plane = cv2.GaussianBlur(plane, (0, 0), 1.0 / s) / _line_peak(1.0 / s)
    band = round(BAND / s)
    fixed = hole & (cv2.dilate(drawn, np.ones((2 * band + 1,) * 2, np.uint8)) > 0)
    # the sides' grey, blurred past the texture's grain (a flat source must not match a side
    # better than a textured one): the photo outside, each side's grey in the band, the push-
    # pull fill elsewhere in the hole, blurred together so they agree where they meet
    grey = image.astype(np.float32).mean(2)
    colours, side_fixed = _side_colours(ho.shape, ho, joined, SIDE_BAND)
    if s < 1:
        colours = cv2.resize(colours, (W, H), interpolation=cv2.INTER_LINEAR)
        side_fixed = cv2.resize(side_fixed.astype(np.uint8), (W, H), interpolation=cv2.INTER_NEAREST) > 0
    side_fixed &= hole
    grey = smooth_fill(grey, hole & ~side_fixed)
    grey[side_fixed] = colours[side_fixed]
    sides = cv2.GaussianBlur(grey, (0, 0), SIDE_BLUR / s)
    return Guide(np.minimum(plane, 1.0).astype(np.float32), fixed, sides, side_fixed, curves)


def _line_peak(sigma: float) -> float:
    """Peak of a one-pixel line blurred by ``sigma``: the plane's scale, so a line reads 1."""
    k = np.zeros((1, 41), np.float32)
    k[0, 20] = 1
    return float(cv2.GaussianBlur(k, (0, 0), sigma).max())
