"""Glasses: their frames (and dark lenses) found without a learned model, from the mesh's eyes
and the photo's thin lines, and labelled occluder in the parsing (class 12: no edit touches them).

The eye region is resampled into a frame of its own (the eyes on a horizontal line, D pixels
apart), so every length below is a fraction of the interocular distance. There a frame's rim is
a thin line, darker (or, a metal wire's highlight, lighter) than the skin on *both* its sides:
the two-sided contrast ``min(I(p + r n), I(p - r n)) - I(p)`` along 8 normal directions n and a
few half-widths r (a step edge, a brow or the hair, wider than 2r, give nothing). Glasses are
decided from where such lines run on a face with glasses and on none without:

- the **bridge**: a line crossing the nose between the eyes (the best path, column by column),
  looked at first on a small window: most faces stop there;
- a **rim** round each eye: the best of a family of superellipses (round to rectangular) round
  the eye, larger than the eye (the lash line, the lid crease lie inside) and below the brow,
  scored by the mean sureness of a line of its own direction along it (outside the eyes, the
  brows and the photo).

A face has glasses when both are strong (thresholds measured on the 49 faces of ../shared/data
without glasses, see bench/glasses.py); the frame's pixels are then those of the lines near the
fitted rims (snapped onto the frame's line), the bridge's path and the arms traced outwards
towards the ears, grown to the frame's width; dark lenses (sunglasses) are taken whole.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np

from inference import mesh_topology as topo

D = 112                      # interocular distance in the glasses' own frame (pixels)
BOX = (-1.4, 1.4, -0.7, 0.8)  # x0, x1, y0, y1 of that frame, x D (eyes at (-0.5, 0), (0.5, 0))
HALF_WIDTHS = (1.5, 2.5, 3.5, 4.5)   # pixels: a rim 2-6 % of D thick lies within them
N_DIR = 8
LINE = 16.0                  # two-sided contrast (Lab L, 0-255) of a sure line
EYE_KEEP_OUT = 0.07          # x D round the mesh's eyes: the lash line and the lid crease
BROW_KEEP_OUT = 0.03         # x D round its brows (their hairs are lines too)
RING_SAMPLES = 60
# the rims searched: half-axes, centre offsets (outwards, down) x D, superellipse exponents
RING_A = (0.34, 0.38, 0.42, 0.46, 0.50, 0.54, 0.58)
RING_B = (0.22, 0.26, 0.30, 0.34, 0.38)
RING_DX = (-0.04, 0.0, 0.04, 0.08)
RING_DY = (-0.04, 0.0, 0.04, 0.08, 0.12, 0.16, 0.20)
RING_N = (2.0, 4.0, 7.0)
BRIDGE_X = 0.16              # the bridge is followed over |x| < this (x D), the nose's top
BRIDGE_Y = (-0.40, 0.10)     # rows it may cross at
# the decision: both, measured on the 49 faces of ../shared/data without glasses (bench/glasses.py):
# rims there reach 0.52 but on three wrinkled faces (0.69, 0.59, 0.58; bridges 0.39-0.62), bridges 0.98
# where the rims are weak (0.21); dark frames drawn onto 9 real faces give rims >= 0.83, bridges >= 0.97
MIN_BRIDGE = 0.70
MIN_RIMS = 0.62


@dataclass
class Glasses:
    """What was found on one face: the scores, the decision, and the frame's pixels in the
    glasses' frame (``mask``) with the affine map from the photo to that frame."""
    bridge: float
    rims: tuple[float, float]
    present: bool
    mask: np.ndarray
    to_frame: np.ndarray                 # 2x3: photo pixel -> glasses-frame pixel

    @property
    def rim(self) -> float:
        return float(np.mean(self.rims))


def _eyes(mesh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = np.asarray(mesh, np.float64)[:, :2]
    a, b = m[topo.RIGHT_EYE].mean(0), m[topo.LEFT_EYE].mean(0)
    return (a, b) if a[0] <= b[0] else (b, a)


def frame_map(mesh: np.ndarray) -> np.ndarray:
    """2x3 affine map from photo pixels to the glasses' frame (eyes at (-D/2, 0), (D/2, 0) from
    the frame's origin at BOX's corner)."""
    e1, e2 = _eyes(mesh)
    v = e2 - e1
    s = D / max(float(np.hypot(*v)), 1e-6)
    c, si = v / max(float(np.hypot(*v)), 1e-6)
    R = np.array([[c, si], [-si, c]]) * s
    mid = (e1 + e2) / 2
    t = -R @ mid + (-BOX[0] * D, -BOX[2] * D)
    return np.hstack([R, t[:, None]])


def _resampled(image: np.ndarray, A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The glasses' frame of ``image`` (RGB), antialiased where it is shrunk, and where it
    lies inside the photo (bool)."""
    h, w = FRAME_SHAPE
    s = float(np.hypot(A[0, 0], A[0, 1]))
    if s < 0.6:   # shrink the region first (area averaging), then warp
        inv = cv2.invertAffineTransform(A)
        corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], np.float64) @ inv.T
        H, W = image.shape[:2]
        x0, y0 = np.clip(np.floor(corners.min(0)).astype(int) - 2, 0, [W, H])
        x1, y1 = np.clip(np.ceil(corners.max(0)).astype(int) + 2, 0, [W, H])
        if x1 - x0 < 2 or y1 - y0 < 2:
            return np.zeros((h, w, 3), np.uint8), np.zeros((h, w), bool)
        f = s * 1.5
        roi = cv2.resize(image[y0:y1, x0:x1], (max(2, round((x1 - x0) * f)), max(2, round((y1 - y0) * f))),
                         interpolation=cv2.INTER_AREA)
        fx, fy = roi.shape[1] / (x1 - x0), roi.shape[0] / (y1 - y0)
        # roi pixel -> photo pixel, then A
        B = np.array([[1 / fx, 0, x0 + 0.5 / fx - 0.5], [0, 1 / fy, y0 + 0.5 / fy - 0.5]])
        M = A[:, :2] @ B[:, :2]
        A = np.hstack([M, (A[:, :2] @ B[:, 2] + A[:, 2])[:, None]])
        image = roi
    out = cv2.warpAffine(np.ascontiguousarray(image), A, (w, h), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REPLICATE)
    inside = cv2.warpAffine(np.ones(image.shape[:2], np.uint8), A, (w, h), flags=cv2.INTER_NEAREST,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return out, inside > 0


def line_contrast(grey: np.ndarray, dirs=range(N_DIR)) -> tuple[np.ndarray, np.ndarray]:
    """(dark, bright): (N_DIR, h, w) two-sided contrast of a line at each pixel whose normal
    points at angle k pi / N_DIR (dark: darker than both sides; bright: lighter), the best
    over HALF_WIDTHS; only for the directions ``dirs`` (the others left at -1e9)."""
    g = cv2.GaussianBlur(grey, (0, 0), 0.7)
    h, w = g.shape
    dark = np.full((N_DIR, h, w), -1e9, np.float32)
    bright = np.full((N_DIR, h, w), -1e9, np.float32)
    for k in dirs:
        nx, ny = np.cos(k * np.pi / N_DIR), np.sin(k * np.pi / N_DIR)
        for r in HALF_WIDTHS:
            M1 = np.float32([[1, 0, r * nx], [0, 1, r * ny]])
            M2 = np.float32([[1, 0, -r * nx], [0, 1, -r * ny]])
            a = cv2.warpAffine(g, M1, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            b = cv2.warpAffine(g, M2, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            np.maximum(dark[k], np.minimum(a, b) - g, out=dark[k])
            np.maximum(bright[k], g - np.maximum(a, b), out=bright[k])
    return dark, bright


def _superellipse(a: float, b: float, n: float, m: int = RING_SAMPLES) -> tuple[np.ndarray, np.ndarray]:
    """(m, 2) points of a superellipse round the origin and the direction index of each
    point's normal."""
    t = np.linspace(0, 2 * np.pi, m, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    p = np.stack([a * np.sign(c) * np.abs(c) ** (2 / n), b * np.sign(s) * np.abs(s) ** (2 / n)], 1)
    # the normal of |x/a|^n + |y/b|^n = 1 is the gradient
    gx = np.sign(c) * np.abs(c) ** (2 * (n - 1) / n) / a
    gy = np.sign(s) * np.abs(s) ** (2 * (n - 1) / n) / b
    k = np.round(np.mod(np.arctan2(gy, gx), np.pi) / (np.pi / N_DIR)).astype(int) % N_DIR
    return p, k


def _support(planes: np.ndarray) -> np.ndarray:
    """Per direction, how sure a line is (0-1), with a pixel's tolerance in place and a
    neighbouring direction's answer counted at 0.7."""
    sat = np.clip(planes / LINE, 0, 1)
    grown = np.stack([cv2.dilate(p, np.ones((3, 3), np.uint8)) for p in sat])
    return np.maximum(grown, 0.7 * np.maximum(np.roll(grown, 1, 0), np.roll(grown, -1, 0)))


def _support_at(planes: np.ndarray, k: int) -> np.ndarray:
    """``_support(planes)[k]``, from the three planes it reads."""
    near = [(k - 1) % N_DIR, k, (k + 1) % N_DIR]
    grown = [cv2.dilate(p, np.ones((3, 3), np.uint8)) for p in np.clip(planes[near] / LINE, 0, 1)]
    return np.maximum(grown[1], 0.7 * np.maximum(grown[0], grown[2]))


@cache
def _ring_family() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every rim searched: points (R, m, 2) round the origin, their normals' direction
    indices (R, m) and the rim's centre offset (R, 2) (x outwards, y down; pixels)."""
    pts, dirs, offs = [], [], []
    for a in RING_A:
        for b in RING_B:
            if b > a:
                continue
            for n in RING_N:
                p0, k = _superellipse(a * D, b * D, n)
                for dx in RING_DX:
                    for dy in RING_DY:
                        pts.append(p0)
                        dirs.append(k)
                        offs.append((dx * D, dy * D))
    return np.array(pts), np.array(dirs), np.array(offs)


FRAME_SHAPE = (int(round((BOX[3] - BOX[2]) * D)), int(round((BOX[1] - BOX[0]) * D)))


@cache
def _ring_pixels(side: int) -> tuple[np.ndarray, np.ndarray]:
    """Flat pixel indices (R, m) of every searched rim round the eye on ``side`` (-1 the
    image's left) in the glasses' frame, and the same with each point's direction plane
    (indices into (N_DIR, h, w)). The eyes sit at fixed places there and every rim lies
    inside the frame, so they are computed once, when a face's rims are first looked at (most
    faces stop at the bridge)."""
    h, w = FRAME_SHAPE
    pts, dirs, offs = _ring_family()
    centre = np.array([-BOX[0] * D + side * D / 2, -BOX[2] * D])
    p = pts + (centre + offs * (side, 1))[:, None, :]
    ix = np.clip(np.round(p[..., 0]).astype(np.int64), 0, w - 1)
    iy = np.clip(np.round(p[..., 1]).astype(np.int64), 0, h - 1)
    flat = iy * w + ix
    return flat, dirs * (h * w) + flat


def _path(cost: np.ndarray) -> tuple[float, np.ndarray]:
    """The path through the columns of ``cost`` (rows may change by one a column) of the
    highest mean, and its row per column."""
    h, w = cost.shape
    cols = np.ascontiguousarray(cost.T)
    acc = cols[0].copy()
    back = np.zeros((w, h), np.int64)
    # the row above, the same row, the row below, each column (one buffer; the first wins ties)
    stack = np.full((3, h), -np.inf, acc.dtype)
    below = np.arange(h) - 1
    for x in range(1, w):
        stack[0, 1:], stack[1], stack[2, :-1] = acc[:-1], acc, acc[1:]
        np.add(below, stack.argmax(0), out=back[x])
        acc = stack.max(0) + cols[x]
    back = back.T
    rows = np.zeros(w, np.int64)
    rows[-1] = int(acc.argmax())
    for x in range(w - 1, 0, -1):
        rows[x - 1] = back[rows[x], x]
    return float(acc.max() / w), rows


def _keep_out(q: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(eyes, eyes and brows) bool masks in the glasses' frame (mesh points ``q`` there),
    grown by EYE_KEEP_OUT and BROW_KEEP_OUT."""
    def grown(polys, r):
        m = np.zeros(shape, np.uint8)
        for poly in polys:
            cv2.fillPoly(m, [np.round(q[poly]).astype(np.int32)], 1)
        r = max(1, int(round(r * D)))
        return cv2.dilate(m, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2)) > 0
    eyes = grown((topo.RIGHT_EYE, topo.LEFT_EYE), EYE_KEEP_OUT)
    return eyes, eyes | grown((topo.RIGHT_BROW, topo.LEFT_BROW), BROW_KEEP_OUT)


def _best_ring(sup: np.ndarray, keep: np.ndarray, side: int) -> tuple[float, np.ndarray, np.ndarray]:
    """(score, points, direction indices) of the best-supported rim round the eye on
    ``side``: the mean support along the part of it that ``keep`` allows (a rim mostly over
    the eye and brows scores nothing)."""
    flat, planes = _ring_pixels(side)
    k = keep.ravel()[flat]
    n = k.sum(1)
    score = np.where(n >= 0.5 * k.shape[1], (sup.ravel()[planes] * k).sum(1) / np.maximum(n, 1), 0.0)
    j = int(score.argmax())
    pts, dirs, offs = _ring_family()
    centre = np.array([-BOX[0] * D + side * D / 2, -BOX[2] * D])
    return float(score[j]), pts[j] + centre + offs[j] * (side, 1), dirs[j]


def find_glasses(image: np.ndarray, mesh: np.ndarray, always_rims: bool = False) -> Glasses:
    """Glasses on the face of ``mesh`` in ``image`` (RGB uint8, the photo the mesh is in).
    The bridge is looked at first (a few directions on a small window); the rims only where
    it is strong enough, or ``always_rims`` (their scores are then reported: bench)."""
    A = frame_map(mesh)
    crop, inside = _resampled(image, A)
    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2LAB)[..., 0].astype(np.float32)
    ox, oy = -BOX[0] * D, -BOX[2] * D
    xs = slice(int(round(ox - BRIDGE_X * D)), int(round(ox + BRIDGE_X * D)) + 1)
    ys = slice(int(round(oy + BRIDGE_Y[0] * D)), int(round(oy + BRIDGE_Y[1] * D)) + 1)
    m = int(np.ceil(HALF_WIDTHS[-1])) + 3
    # past the photo's border (a face at its edge) the replicated border is streaks, not lines
    off = cv2.dilate((~inside).astype(np.uint8), np.ones((2 * m + 1,) * 2, np.uint8)) > 0

    def contrast(g, at, dirs=range(N_DIR)):
        planes = line_contrast(g, dirs)
        for c in planes:
            c[:, off[at]] = -1e9
        return planes
    around = (slice(ys.start - m, ys.stop + m), slice(xs.start - m, xs.stop + m))
    vert = N_DIR // 2
    # the bridge: lines whose normal is (near) vertical, across the top of the nose
    bridges = [_path(_support_at(c, vert)[m:-m, m:-m])
               for c in contrast(grey[around], around, (vert - 1, vert, vert + 1))]
    none = np.zeros(grey.shape, bool)
    if not always_rims and max(b for b, _ in bridges) < MIN_BRIDGE:
        return Glasses(max(b for b, _ in bridges), (0.0, 0.0), False, none, A)
    q = np.asarray(mesh, np.float64)[:, :2] @ A[:, :2].T + A[:, 2]
    eyes, keep_out = _keep_out(q, grey.shape)
    best = None
    # a frame is dark or light all round (a metal wire's highlight): each polarity on its own,
    # the skin's texture has both
    for sign, lines, (bridge, rows) in zip((1, -1), contrast(grey, (slice(None), slice(None))), bridges):
        sup = _support(lines)
        rims = [_best_ring(sup, ~keep_out & ~off, side) for side in (-1, 1)]
        rim = float(np.mean([r[0] for r in rims]))
        if best is None or rim + bridge > best[0] + best[1]:
            best = (rim, bridge, rims, rows, lines, sup, sign)
    rim, bridge, rims, rows, lines, sup, sign = best
    present = bridge >= MIN_BRIDGE and rim >= MIN_RIMS
    mask = none
    if present:
        arms = [_arm(sup, p, side) for (_, p, _), side in zip(rims, (-1, 1))]
        rims = [(score, _snapped(lines, p, k), k) for score, p, k in rims]
        mask = _frame_pixels(grey * sign, lines, rims, (xs, ys, rows), [a for a in arms if a is not None]) & ~eyes
        mask |= _dark_lenses(grey, mask, [p for _, p, _ in rims], keep_out)
    return Glasses(bridge, (float(rims[0][0]), float(rims[1][0])), present, mask, A)


DARK_LENS = 0.55             # a lens this much darker than the skin round it (lightness ratio) is dark
LENS_RING = 0.12             # x D: the skin round a lens it is compared with


def _dark_lenses(grey: np.ndarray, frame: np.ndarray, rims: list[np.ndarray], keep_out: np.ndarray) -> np.ndarray:
    """The inside of both rims when each one's lightness (median) is at most DARK_LENS of the
    skin's round it (outside the rims, not the frame, eyes or brows): sunglasses hide the
    eyes, which no edit can then reach. Clear and lightly tinted lenses stay what they cover."""
    out = np.zeros(grey.shape, bool)
    r = max(1, int(round(LENS_RING * D)))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2)
    polys = []
    for p in rims:
        m = np.zeros(grey.shape, np.uint8)
        cv2.fillPoly(m, [np.round(p).astype(np.int32)], 1)
        polys.append(m > 0)
    either = np.logical_or.reduce(polys)
    lenses = []
    for inside in polys:
        ring = (cv2.dilate(inside.astype(np.uint8), disc) > 0) & ~either & ~frame & ~keep_out
        lens = inside & ~frame
        if ring.sum() < 20 or lens.sum() < 20:
            return out
        lenses.append((lens, np.median(grey[lens]) / max(np.median(grey[ring]), 1.0)))
    # both lenses are dark, or neither is (a pair of glasses has one tint)
    if max(ratio for _, ratio in lenses) <= DARK_LENS:
        for lens, _ in lenses:
            out |= lens
    return out


ARM_LENGTH = 0.5             # x D: how far outwards from a rim an arm is followed
ARM_SUPPORT = 0.6            # an arm's mean support over its length


def _arm(sup: np.ndarray, rim: np.ndarray, side: int) -> np.ndarray | None:
    """(n, 2) points of the arm leaving the rim's outer side towards the ear: the best path
    of near-horizontal lines from the rim's outermost point in its upper half, as far as the
    lines go; None when no such line leaves the rim."""
    h, w = sup.shape[1:]
    cy = rim[:, 1].mean()
    upper = rim[rim[:, 1] <= cy]
    # the hinge is on the rim's outer side, anywhere along it above the middle
    outer = upper[side * upper[:, 0] >= (side * upper[:, 0]).max() - 2]
    start = np.array([outer[:, 0].mean(), outer[:, 1].mean()])
    spread = 3 + (outer[:, 1].max() - outer[:, 1].min()) / 2
    x0 = int(round(start[0]))
    x1 = int(np.clip(x0 + side * ARM_LENGTH * D, 0, w - 1))
    if abs(x1 - x0) < 4:
        return None
    r = int(0.25 * D)
    y0, y1 = max(0, int(start[1]) - r), min(h, int(start[1]) + r + 1)
    cols = np.arange(x0, x1 + side, side)
    cost = sup[N_DIR // 2 - 1:N_DIR // 2 + 2, y0:y1][:, :, cols].max(0)
    # the path starts where the rim is
    cost[:, 0] = np.where(np.abs(np.arange(y0, y1) - start[1]) <= spread, cost[:, 0], -1e3)
    _, rows = _path(cost)
    along = cost[rows, np.arange(len(cols))]
    # as far as the line goes: up to the first three columns in a row with little support
    weak = np.convolve(along < 0.3, np.ones(3), "valid") >= 3
    n = int(np.argmax(weak)) if weak.any() else len(cols)
    if n < 0.1 * D or along[:n].mean() < ARM_SUPPORT:
        return None
    return np.stack([cols[:n], rows[:n] + y0], 1).astype(np.float64)


SNAP = 0.08                  # x D: a fitted rim's point moves this far along its normal to the line


def _snapped(lines: np.ndarray, p: np.ndarray, k: np.ndarray) -> np.ndarray:
    """The rim's points moved along their normals onto the strongest line of their own
    direction within SNAP (the frame is no exact superellipse), the moves smoothed along the
    rim (a running median of five)."""
    h, w = lines.shape[1:]
    t = np.arange(-round(SNAP * D), round(SNAP * D) + 1, dtype=np.float64)
    ang = k * np.pi / N_DIR
    n = np.stack([np.cos(ang), np.sin(ang)], 1)
    q = p[:, None, :] + t[None, :, None] * n[:, None, :]
    ix = np.clip(np.round(q[..., 0]).astype(np.int64), 0, w - 1)
    iy = np.clip(np.round(q[..., 1]).astype(np.int64), 0, h - 1)
    v = lines[k[:, None], iy, ix] - 0.02 * LINE * np.abs(t)[None]    # the nearer of two equals
    move = t[v.argmax(1)]
    move = np.where(v.max(1) >= 0.5 * LINE, move, 0.0)
    ring = np.concatenate([move[-2:], move, move[:2]])
    move = np.median(np.stack([ring[i:i + len(move)] for i in range(5)]), 0)
    return p + move[:, None] * n


def _frame_pixels(grey: np.ndarray, lines: np.ndarray, rims, bridge, arms) -> np.ndarray:
    """The frame's pixels: near the fitted rims, the bridge's path and the arms, those on a
    line of the curve's own direction (at least half a sure line's contrast), grown to the
    frame's whole width (pixels nearer the frame's lightness than the skin's beside it;
    ``grey`` is negated for a light frame, so the frame is the dark side)."""
    h, w = lines.shape[1:]
    r_max = int(np.ceil(HALF_WIDTHS[-1])) + 2
    near = np.zeros((N_DIR, h, w), np.uint8)
    for _, p, k in rims:     # (already snapped)
        for i in range(len(p)):
            q = np.round([p[i - 1], p[i]]).astype(np.int32).reshape(-1, 1, 2)
            for kk in (k[i], (k[i] + 1) % N_DIR, (k[i] - 1) % N_DIR):
                cv2.polylines(near[kk], [q], False, 1, 2 * r_max)
    xs, ys, rows = bridge
    cols = np.arange(xs.start, xs.start + len(rows))
    paths = [np.stack([cols, rows + ys.start], 1)] + list(arms)
    for path in paths:
        q = np.round(path).astype(np.int32).reshape(-1, 1, 2)
        for kk in (N_DIR // 2 - 1, N_DIR // 2, N_DIR // 2 + 1):
            cv2.polylines(near[kk], [q], False, 1, 2 * r_max)
    on = ((lines >= 0.5 * LINE) & (near > 0)).any(0)
    band = near.any(0)
    if on.sum() < 10 or (band & ~on).sum() < 10:
        return on
    # the frame's and the skin's lightness near each pixel (normalised convolutions): the
    # frame's anti-aliased edge is nearer the first and clearly darker than the second; a
    # thin wire's neighbours are skin
    def local(sel):
        wgt = cv2.GaussianBlur(sel.astype(np.float32), (0, 0), 3.0)
        return cv2.GaussianBlur(np.where(sel, grey, 0).astype(np.float32), (0, 0), 3.0) / np.maximum(wgt, 1e-3)
    frame, skin = local(on), local(band & ~on)
    closer = band & (np.abs(grey - frame) < np.abs(grey - skin)) & (grey < skin - 0.3 * LINE)
    grow = on.astype(np.uint8)
    for _ in range(2):
        grow = (cv2.dilate(grow, np.ones((3, 3), np.uint8)) > 0) & closer | (grow > 0)
        grow = grow.astype(np.uint8)
    return cv2.morphologyEx(grow, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)) > 0


def glasses_mask(image: np.ndarray, mesh: np.ndarray, box: tuple[int, int, int, int],
                 shape: tuple[int, int]) -> np.ndarray:
    """bool mask of the glasses' frame on the photo rectangle ``box`` (x0, y0, x1, y1)
    resampled to ``shape`` (h, w): the parsing's working crop. All False without glasses."""
    g = find_glasses(image, mesh)
    h, w = shape
    if not g.present or not g.mask.any():
        return np.zeros(shape, bool)
    x0, y0, x1, y1 = box
    sx, sy = w / (x1 - x0), h / (y1 - y0)
    # work pixel -> photo pixel -> glasses frame: warp the frame's mask by its inverse
    W = np.array([[1 / sx, 0, x0 + 0.5 / sx - 0.5], [0, 1 / sy, y0 + 0.5 / sy - 0.5], [0, 0, 1]])
    A = np.vstack([g.to_frame, [0, 0, 1]])
    M = (A @ W)[:2]
    m = cv2.warpAffine(g.mask.astype(np.float32), M, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                       borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return m >= 0.5
