"""How a fill's structure is judged (issue 25): whether the edges that cross a hole continue
across it, and holes put across a photo's own long structure edges to measure that on; shared
by bench/inpaint_structure.py and tests/test_inpaint_structure.py."""
from __future__ import annotations

import cv2
import numpy as np

from inference.inpaint.structure import HIGH_PERCENTILE, MIN_HIGH, SMOOTH, structure_edges


def edge_continuity(fill: np.ndarray, truth: np.ndarray, hole: np.ndarray, tol: float = 2.0,
                    cap: float = 10.0) -> tuple[float, float, float]:
    """How well the fill's edges inside the hole continue the truth's: the truth's structure
    edges in the hole (long, contrasted Canny components of the whole photo, as
    structure.structure_edges finds them) against the fill's Canny edges
    with the same thresholds. Returns (recall: share of the truth's edge pixels with a fill
    edge within ``tol`` px, precision: share of the fill's edge pixels within ``tol`` of a
    truth edge, mean distance in px from a truth edge pixel to the fill's nearest, capped at
    ``cap``)."""
    none = np.zeros(hole.shape, bool)
    want = structure_edges(truth, none) & hole
    grey = cv2.GaussianBlur(cv2.cvtColor(fill, cv2.COLOR_RGB2GRAY).astype(np.float32), (0, 0), SMOOTH)
    tg = cv2.GaussianBlur(cv2.cvtColor(truth, cv2.COLOR_RGB2GRAY).astype(np.float32), (0, 0), SMOOTH)
    mag = np.hypot(cv2.Sobel(tg, cv2.CV_32F, 1, 0), cv2.Sobel(tg, cv2.CV_32F, 0, 1))
    high = max(MIN_HIGH, float(np.percentile(mag, HIGH_PERCENTILE)))
    got = cv2.Canny(np.clip(grey + 0.5, 0, 255).astype(np.uint8), high / 2, high, L2gradient=True) > 0
    got &= hole
    if not want.any():
        return float("nan"), float("nan"), float("nan")
    to_got = cv2.distanceTransform((~got).astype(np.uint8), cv2.DIST_L2, 5) if got.any() else np.full(hole.shape, cap)
    to_want = cv2.distanceTransform((~want).astype(np.uint8), cv2.DIST_L2, 5)
    recall = float((to_got[want] <= tol).mean())
    precision = float((to_want[got] <= tol).mean()) if got.any() else 0.0
    return recall, precision, float(np.minimum(to_got[want], cap).mean())


def crossing_holes(img: np.ndarray, count: int, radius: int) -> list[np.ndarray]:
    """Holes to measure :func:`edge_continuity` on: discs
    of ``radius`` px across the ``count`` longest structure edges (each component's pixel nearest its
    own centroid; components shorter than 4 radii, or too near the border, skipped)."""
    H, W = img.shape[:2]
    edges = structure_edges(img, np.zeros((H, W), bool))
    n, lab, st, cen = cv2.connectedComponentsWithStats(edges.astype(np.uint8), connectivity=8)
    order = np.argsort(-st[1:, cv2.CC_STAT_AREA]) + 1
    holes, taken = [], np.zeros((H, W), bool)
    m = radius + 8
    for k in order:
        if max(st[k, cv2.CC_STAT_WIDTH], st[k, cv2.CC_STAT_HEIGHT]) < 4 * radius:
            continue
        ys, xs = np.nonzero(lab == k)
        i = int(np.argmin((xs - cen[k, 0]) ** 2 + (ys - cen[k, 1]) ** 2))
        x, y = int(xs[i]), int(ys[i])
        if not (m <= x < W - m and m <= y < H - m) or taken[y, x]:
            continue
        hole = np.zeros((H, W), np.uint8)
        cv2.circle(hole, (x, y), radius, 1, -1)
        holes.append(hole > 0)
        cv2.circle(taken.view(np.uint8), (x, y), 3 * radius, 1, -1)
        if len(holes) == count:
            break
    return holes
