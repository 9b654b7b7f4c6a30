"""A brow's new shape: its five control points moved by arch / lift / tail (or by hand), its
thickness scaled about its spine, as one backward map the brow layer is sampled through."""
from __future__ import annotations

import numpy as np

from inference.edits.brows.region import Brow, Region

ARCH = 0.15     # x brow length: how far arch +1 raises the peak above the line through the ends
LIFT = 0.10     # x brow length: lift +1 moves the whole brow up this far
TAIL = 0.10     # x brow length: tail +1 raises the outer end this far (the outer third tilts)
THICK = 0.7     # thickness +1 scales the brow across by 1 + THICK, -1 by 1 - THICK (the hairs'
                # dark area grows less than the stretch: the brow's edges are its sparsest part)
WARP_ALPHA = 2.0  # MLS weights 1/d^4: a pixel of the brow follows the brow's own points, the
                  # pinned eyes pull less (1/d^2: a raised arch sagged to 0.7 of its height)
EDGE_POINTS = 0.8  # x thickness: the control points are repeated this far above and below the spine, so
                   # the brow's whole band moves as its spine does (with the spine's alone the pinned
                   # eyes held its lower edge back; docs/figures.md, brows.py)
PEAK = 2        # index of the peak among the points inner -> outer (landmarks 19 / 24)


def _along(points: np.ndarray) -> np.ndarray:
    """Each point's position along the brow, 0 at the inner end, 1 at the outer end."""
    d = points[-1] - points[0]
    return np.clip((points - points[0]) @ d / max(float(d @ d), 1e-9), 0, 1)


def control_points(brow: Brow, per_segment: int = 3) -> np.ndarray:
    """The five landmarks with points between them along the polyline: with only five, the
    pinned eyes below pull the warp back between them and a raised arch sags (half the raise)."""
    p = brow.points
    out = [p[0]]
    for a, b in zip(p[:-1], p[1:]):
        for k in range(1, per_segment + 1):
            out.append(a + (b - a) * k / per_segment)
    return np.array(out)


def moved_points(brow: Brow, arch: float, lift: float, tail: float,
                 points: np.ndarray | None = None) -> np.ndarray:
    """Where the control points (default: control_points) go. Arch raises the peak by ARCH x
    length above the line through the ends (which stay), the rest on a parabola through the
    three; lift moves all; tail tilts the outer third about the point two thirds along."""
    points = control_points(brow) if points is None else points
    ends = brow.points[[0, -1]]
    d = ends[1] - ends[0]
    t = np.clip((points - ends[0]) @ d / max(float(d @ d), 1e-9), 0, 1)
    tp = float(np.clip(_along(brow.points)[PEAK], 0.2, 0.8))
    bump = np.where(t < tp, 1 - ((t - tp) / tp) ** 2, 1 - ((t - tp) / (1 - tp)) ** 2)
    raise_ = arch * ARCH * brow.length * np.clip(bump, 0, 1)
    raise_ += lift * LIFT * brow.length
    raise_ += tail * TAIL * brow.length * np.clip((t - 2 / 3) * 3, 0, 1)
    return points + raise_[:, None] * brow.up[None, :]


def spine(brow: Brow) -> tuple[np.ndarray, np.ndarray]:
    """The brow's centre line: for each column it spans, the mean row of its mask (xs, ys)."""
    ys, xs = np.nonzero(brow.mask)
    cols = np.arange(xs.min(), xs.max() + 1)
    sums = np.bincount(xs - xs.min(), weights=ys, minlength=len(cols))
    counts = np.bincount(xs - xs.min(), minlength=len(cols))
    have = counts > 0
    centre = np.interp(cols, cols[have], sums[have] / counts[have])
    k = max(1, int(brow.thickness))
    smooth = np.convolve(np.pad(centre, k, mode="edge"), np.ones(2 * k + 1) / (2 * k + 1), mode="valid")
    return cols.astype(np.float64), smooth


def backward_map(region: Region, changes: dict[str, tuple[np.ndarray, float]],
                 pinned: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(map_x, map_y) over the region: where each pixel of the reshaped brows samples the
    photo. ``changes``: side -> (moved control points, thickness scale); ``pinned``: points
    that stay (the eyes, a brow left as it is)."""
    h, w = region.shape
    src = [pinned]
    dst = [pinned]
    for side, (points, _) in changes.items():
        b = region.brows[side]
        cp = control_points(b)
        for k in (0.0, EDGE_POINTS, -EDGE_POINTS):   # the spine and, moved alike, the brow's edges
            off = k * b.thickness * b.up
            src.append(cp + off)
            dst.append(points + off)
    src_pts, dst_pts = np.concatenate(src), np.concatenate(dst)
    if np.abs(src_pts - dst_pts).max() > 1e-6:
        from inference.point_warp import mls_warp_field
        map_x, map_y = mls_warp_field(src_pts, dst_pts, (h, w), alpha=WARP_ALPHA)
    else:
        map_y, map_x = np.mgrid[0:h, 0:w].astype(np.float32)
    for side, (_, scale) in changes.items():
        if abs(scale - 1.0) > 1e-6:
            map_y = _scaled_about_spine(region.brows[side], map_x, map_y, scale)
    return map_x.astype(np.float32), map_y.astype(np.float32)


def _scaled_about_spine(brow: Brow, map_x: np.ndarray, map_y: np.ndarray, scale: float) -> np.ndarray:
    """Thickness: a sample point at distance d across the spine samples d / scale instead,
    within a band round this brow (so the other brow is not touched)."""
    xs, cy = spine(brow)
    c = np.interp(map_x, xs, cy)
    d = map_y - c
    reach = 3.0 * brow.thickness
    x0, _, x1, _ = brow.box
    pad = brow.thickness
    inside = (map_x >= x0 - pad) & (map_x <= x1 + pad) & (np.abs(d) < reach)
    # fade the scaling out towards the band's ends so the map stays continuous
    fx = np.clip(np.minimum(map_x - (x0 - pad), (x1 + pad) - map_x) / pad, 0, 1)
    fy = np.clip((reach - np.abs(d)) / brow.thickness, 0, 1)
    k = 1.0 + (1.0 / scale - 1.0) * fx * fy
    return np.where(inside, c + d * k, map_y)
