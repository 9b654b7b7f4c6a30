"""The fill blended into the photo in the gradient domain (issue 25): no seam at the hole's
edge, none between the pieces inside, the copied grain kept.

The last vote of inference/inpaint/patchmatch.py is a mosaic: each hole pixel takes the
source pixel of the best patch covering it, so neighbours copied from different places meet at
seams (about half of all neighbour pairs), often with a step of shading between them. One
Poisson solve (inference/poisson.py) guided by the fill carries its gradients: across the
hole's edge the fill's own continuation meets the photo, so the step there is spread over the
hole as a membrane (Pérez et al. 2003); across a seam inside, the step is replaced by the mean
of the two sources' own steps there (Darabi et al. 2012's gradient-domain fusion, the field
given to the solver as a divergence).
"""
from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from inference.lazy import lazy_module

torch = lazy_module("torch")

# Inside the hole, where two neighbours were copied from different places (a seam of the
# mosaic the vote leaves), the step between them is replaced by the mean of the two sources' own
# steps there (Darabi et al. 2012's gradient-domain fusion); of that correction only the band
# between two Gaussians is kept (sigmas in px): finer, it is the copied grain; broader, it pulls
# the fill's level towards a rim the removed object may have darkened (figures: docs/figures.md,
# inpaint.py row).
SEAM_LOWPASS, SEAM_BROAD = 2.0, 4.0
# the blend's solve to 1e-4 of the range, 0.03 grey levels (the solver's default 1e-5: ~1e-3)
BLEND_TOL, SEAM_TOL = 1e-4, 1e-2


def blend_low_frequencies(ops: Any, B: np.ndarray, A: np.ndarray, hole: np.ndarray, nnf: np.ndarray,
                          dist: np.ndarray, target: np.ndarray, patch: int, sigma2: float, max_step: float = np.inf,
                          keep: np.ndarray | None = None) -> np.ndarray:
    """The fill's gradients inside the hole, its low frequencies meeting the photo (Pérez et
    al. 2003). The guide is the fill voted one pixel past the hole too (what the copied patches
    put on the photo's side of the edge), so every gradient across the edge is the fill's own:
    the step between the fill's continuation and the photo there is spread over the hole as a
    membrane, no seam, and the texture is untouched. A: the fill (its last vote, with the same
    field), so only the ring round the hole is voted here. With SEAM_LOWPASS, the steps between
    the fill's pieces are evened out too (:func:`seam_divergence`), except where ``keep``."""
    from inference.poisson import PoissonSolver
    ring = cv2.dilate(hole.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    tB = torch.from_numpy(np.ascontiguousarray(B))
    guide = ops.patchmatch_vote(tB, torch.from_numpy(nnf), dist, target,
                                torch.from_numpy((ring & ~hole).astype(np.uint8)), torch.from_numpy(A), patch,
                                max(sigma2, 1e-3)).numpy()[..., :3]
    # A step of more than max_step between the fill's continuation and the photo is kept as an
    # edge (skin copied next to a background it borders): only that much of it is spread.
    photo = np.ascontiguousarray(B[..., :3])
    if np.isfinite(max_step):
        gap = photo - guide
        norm = np.sqrt((gap ** 2).sum(-1, keepdims=True))
        guide = np.where((ring & ~hole)[..., None], photo - gap * np.minimum(1.0, max_step / np.maximum(norm, 1e-6)),
                         guide).astype(np.float32)
    if SEAM_LOWPASS <= 0:
        return PoissonSolver(hole).solve(photo, np.ascontiguousarray(guide))
    src = pixel_sources(nnf, dist.numpy(), target.numpy(), hole, patch // 2)
    # the work on the hole's box, a margin for the low-pass round it (the solve needs 1 px)
    ys, xs = np.nonzero(hole)
    m = int(np.ceil(3 * SEAM_BROAD)) + 1
    box = (slice(max(ys.min() - m, 0), ys.max() + 1 + m), slice(max(xs.min() - m, 0), xs.max() + 1 + m))
    sub_hole, sub_photo, sub_guide = hole[box], photo[box], np.ascontiguousarray(guide[box])
    div = seam_divergence(photo, guide, hole, src, box, edge=not np.isfinite(max_step), keep=keep)
    solver = PoissonSolver(sub_hole, tol=BLEND_TOL)
    low = solver.solve(sub_photo, sub_guide)
    # the seams' correction alone (the same solve from the guide itself, less the guide), to a
    # looser tolerance: only its band between the Gaussians is kept (1e-2 of the range: PSNR
    # the same as at 1e-3, 5 iterations for 7)
    solver.tol = SEAM_TOL
    corr = solver.solve(sub_guide, sub_guide, divergence=div) - sub_guide
    out = photo.copy()
    band = cv2.GaussianBlur(corr, (0, 0), SEAM_LOWPASS) - cv2.GaussianBlur(corr, (0, 0), SEAM_BROAD)
    out[box] = np.where(sub_hole[..., None], low + band, low)
    return out


def pixel_sources(nnf: np.ndarray, dist: np.ndarray, target: np.ndarray, hole: np.ndarray, r: int) -> np.ndarray:
    """(n, 2) int: for each hole pixel (np.nonzero order) the source pixel it took in the vote:
    the covering patch of least distance wins (the vote's weights are that sharp, SIGMA_SCALE;
    the first of equals, in the vote's order)."""
    H, W = hole.shape
    ys, xs = np.nonzero(hole)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    d = np.full((y1 - y0 + 2 * r, x1 - x0 + 2 * r), np.inf, np.float32)   # the box, r more each side
    cy0, cy1, cx0, cx1 = max(y0 - r, 0), min(y1 + r, H), max(x0 - r, 0), min(x1 + r, W)
    d[cy0 - y0 + r:cy1 - y0 + r, cx0 - x0 + r:cx1 - x0 + r] = np.where(target[cy0:cy1, cx0:cx1] > 0,
                                                                       dist[cy0:cy1, cx0:cx1], np.inf)
    h, w = y1 - y0, x1 - x0
    best = np.full((h, w), np.inf, np.float32)
    which = np.zeros((h, w), np.uint8 if (2 * r + 1) ** 2 < 256 else np.int16)
    shifts = [(dy, dx) for dy in range(-r, r + 1) for dx in range(-r, r + 1)]
    better = np.empty((h, w), bool)
    for i, (dy, dx) in enumerate(shifts):
        cand = d[r + dy:r + dy + h, r + dx:r + dx + w]
        np.less(cand, best, out=better)
        np.copyto(best, cand, where=better)
        np.copyto(which, i, where=better)
    sh = np.array(shifts, np.int64)[which[ys - y0, xs - x0]]
    return nnf[ys + sh[:, 0], xs + sh[:, 1]].astype(np.int64) - sh


def seam_divergence(photo: np.ndarray, guide: np.ndarray, hole: np.ndarray, src: np.ndarray,
                     box: tuple[slice, slice], edge: bool = True, keep: np.ndarray | None = None) -> np.ndarray:
    """The Poisson right-hand side (PoissonSolver's ``divergence``) on ``box`` (the hole's box
    and at least a pixel round it) that replaces, for each pair of neighbours p, q = p + e
    copied from different places (``src``: each hole pixel's source, :func:`pixel_sources`),
    the guide's step g_q - g_p by the mean of what their sources have there: photo(s_p + e) -
    photo(s_p) and photo(s_q) - photo(s_q - e), each where both pixels are known (neither: the
    pair is left alone, as is one touching ``keep``). With ``edge``, the pairs across the hole's
    edge too (one source only: the hole pixel's own)."""
    H, W = hole.shape
    oy, ox = box[0].start, box[1].start
    # the photo padded by a pixel (unknown there), as flat arrays: a source's neighbour s +- e
    # (a source lies inside the photo, its neighbour at most a pixel off it) is one index away
    Wp = W + 2
    colours = np.pad(photo, ((1, 1), (1, 1), (0, 0))).reshape(-1, photo.shape[2])
    known = np.pad(~hole, 1).ravel()
    bh = hole[box]
    smap = np.full(bh.shape, -1, np.int64)
    smap[bh] = (src[:, 0] + 1) * Wp + src[:, 1] + 1
    div = np.zeros(bh.shape + (3,), np.float32)
    kb = None if keep is None else keep[box]
    h, w = bh.shape
    for e in ((0, 1), (1, 0)):
        de = e[0] * Wp + e[1]
        P, Q = (slice(0, h - e[0]), slice(0, w - e[1])), (slice(e[0], h), slice(e[1], w))
        pin, qin = bh[P], bh[Q]
        sp, sq = smap[P], smap[Q]
        pick = pin & qin & (sq != sp + de)
        if edge:
            pick |= pin ^ qin
        if kb is not None:
            pick &= ~(kb[P] | kb[Q])
        py, px = np.nonzero(pick)
        pi, qi, sp, sq = pin[py, px], qin[py, px], sp[py, px], sq[py, px]
        # p's source going on to q, q's source coming from p: where both pixels are known
        oka = pi & known[np.where(pi, sp, 0)] & known[np.where(pi, sp + de, 0)]
        okb = qi & known[np.where(qi, sq - de, 0)] & known[np.where(qi, sq, 0)]
        va = (colours[np.where(oka, sp + de, 0)] - colours[np.where(oka, sp, 0)]) * oka[:, None]
        vb = (colours[np.where(okb, sq, 0)] - colours[np.where(okb, sq - de, 0)]) * okb[:, None]
        n = oka.astype(np.float32) + okb
        has = n > 0
        py, px, pi, qi = py[has], px[has], pi[has], qi[has]
        qy, qx = py + e[0], px + e[1]
        c = (va + vb)[has] / n[has, None] - (guide[qy + oy, qx + ox] - guide[py + oy, px + ox])
        # sum_q (f_p - f_q) = ... - c at p and + c at q turns f_q - f_p into the sources' step
        div[py[pi], px[pi]] -= c[pi]   # each pixel once as p and once as q per direction
        div[qy[qi], qx[qi]] += c[qi]
    return div
