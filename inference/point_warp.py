"""Smooth image warps from control-point moves: moving least squares (Schaefer, McPhail &
Warren 2006, "Image deformation using moving least squares": affine, similarity and rigid)
and, for comparison, a thin-plate spline.

The fields are backward maps for ``cv2.remap``: (map_x, map_y) give, for every output pixel,
where to sample the input, so that the input's control points ``src`` appear at ``dst`` in
the output. That is the deformation fitted from ``dst`` to ``src`` (the standard trick: the
forward MLS deformation is not invertible in closed form). A control point with src == dst
pins its neighbourhood (an eye kept still while the brow above it moves).

MLS is local only near the points: far from all of them the field tends to the points' one
best similarity (affine, rigid), which moves far pixels too. ``roi`` limits the work to a
box, identity elsewhere; pin points along its edges (src == dst) so that nothing jumps there.

A field is evaluated on a coarse grid (every ``step`` pixels) and its displacement upsampled
bilinearly, then evaluated exactly again round each control point: the fields are smooth, and
a 1000x1000 crop with 10 points costs 15-20 ms instead of ~300 (2 cores). :func:`invert_map`
turns a backward map into a forward one (where each input pixel lands), :func:`forward_points`
does it at points: to carry masks, outlines and landmarks forward.
"""
from __future__ import annotations

from typing import Callable, Literal

import cv2
import numpy as np

Kind = Literal["similarity", "rigid", "affine"]
Roi = tuple[int, int, int, int]     # x0, y0, x1, y1 (x1, y1 exclusive)
Displacement = Callable[[np.ndarray], np.ndarray]   # (N, 2) positions -> (N, 2) displacements


def _points(pts: np.ndarray) -> np.ndarray:
    p = np.asarray(pts, np.float64).reshape(-1, 2)
    if not np.all(np.isfinite(p)):
        raise ValueError("control points must be finite")
    return p


def _pair(src_pts: np.ndarray, dst_pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    src, dst = _points(src_pts), _points(dst_pts)
    if src.shape != dst.shape or len(src) == 0:
        raise ValueError(f"src_pts {src.shape} and dst_pts {dst.shape} must be the same, non-empty")
    return src, dst


def _clip_roi(shape: tuple[int, int], roi: Roi | None) -> Roi:
    H, W = shape
    x0, y0, x1, y1 = (0, 0, W, H) if roi is None else roi
    x0, y0, x1, y1 = max(0, int(x0)), max(0, int(y0)), min(W, int(x1)), min(H, int(y1))
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"empty roi {roi} for an image of {shape}")
    return x0, y0, x1, y1


def _identity(h: int, w: int, x0: int = 0, y0: int = 0) -> tuple[np.ndarray, np.ndarray]:
    return np.meshgrid(np.arange(x0, x0 + w, dtype=np.float32), np.arange(y0, y0 + h, dtype=np.float32))


def _field(disp_at: Displacement, dst: np.ndarray, shape: tuple[int, int], roi: Roi | None,
           step: int) -> tuple[np.ndarray, np.ndarray]:
    """Backward maps from a displacement function: exact on coarse nodes every ``step`` px,
    bilinear in between, and exact again round each control point (within 2 steps, blended in
    smoothly), so that the points land where asked whatever the step (bilinear alone missed
    by up to 0.6 px at step 4 next to a pinned point)."""
    if step < 1:
        raise ValueError("step must be at least 1")
    x0, y0, x1, y1 = _clip_roi(shape, roi)
    h, w = y1 - y0, x1 - x0
    map_x, map_y = _identity(*shape)
    if step == 1:
        d = disp_at(np.stack([map_x[y0:y1, x0:x1].ravel(), map_y[y0:y1, x0:x1].ravel()], -1).astype(np.float64))
        map_x[y0:y1, x0:x1] += d[:, 0].reshape(h, w).astype(np.float32)
        map_y[y0:y1, x0:x1] += d[:, 1].reshape(h, w).astype(np.float32)
        return map_x, map_y
    # nodes where cv2.resize (INTER_LINEAR, x step) takes its samples, node i at (i + 0.5) step
    # - 0.5, with one more beyond each edge so that no pixel of the roi is clamped
    nx, ny = -(-w // step) + 2, -(-h // step) + 2
    gx, gy = x0 + (np.arange(nx) - 0.5) * step - 0.5, y0 + (np.arange(ny) - 0.5) * step - 0.5
    vx, vy = np.meshgrid(gx, gy)
    coarse = disp_at(np.stack([vx.ravel(), vy.ravel()], -1)).reshape(ny, nx, 2).astype(np.float32)
    d = cv2.resize(coarse, (nx * step, ny * step), interpolation=cv2.INTER_LINEAR)[step:step + h, step:step + w]
    map_x[y0:y1, x0:x1] += d[..., 0]
    map_y[y0:y1, x0:x1] += d[..., 1]
    radius = 2 * step
    for px, py in dst:
        wx0, wx1 = max(x0, int(np.floor(px)) - radius), min(x1, int(np.ceil(px)) + radius + 1)
        wy0, wy1 = max(y0, int(np.floor(py)) - radius), min(y1, int(np.ceil(py)) + radius + 1)
        if wx1 <= wx0 or wy1 <= wy0:
            continue
        ux, uy = _identity(wy1 - wy0, wx1 - wx0, wx0, wy0)
        t = np.clip(1 - np.hypot(ux - px, uy - py) / radius, 0, 1)
        beta = t * t * (3 - 2 * t)                       # 1 on the point, 0 from the radius on
        exact = disp_at(np.stack([ux.ravel(), uy.ravel()], -1).astype(np.float64)).reshape(ux.shape + (2,))
        # applied window after window: a point already exact stays exact under the next blend
        for m, u, c in ((map_x, ux, 0), (map_y, uy, 1)):
            win = m[wy0:wy1, wx0:wx1]
            win += beta * ((u + exact[..., c]) - win)
    return map_x, map_y


def _blocked(fn: Displacement, v: np.ndarray, n: int) -> np.ndarray:
    """fn over blocks of v whose (n, block) work arrays stay in cache (4x faster at 64k points)."""
    block = max(1024, 65536 // max(n, 1))
    if len(v) <= block:
        return fn(v)
    return np.concatenate([fn(v[i:i + block]) for i in range(0, len(v), block)])


def _mls(p: np.ndarray, q: np.ndarray, v: np.ndarray, alpha: float, kind: Kind) -> np.ndarray:
    """MLS deformation fitted p -> q (n, 2), evaluated at v (N, 2). Returns f(v) - v.

    Weights are (n, N), points first (numpy is slow along a short last axis), and the moments
    matrix products with them: sum w (p - p*)(q - q*)^T = sum w p q^T - (sum w) p* q*^T."""
    c = p.mean(0)                                       # centred: the moments cancel less
    p, q, vt = p - c, q - c, (v - c).T
    w = (p[:, 0:1] - vt[0]) ** 2 + (p[:, 1:2] - vt[1]) ** 2            # (n, N) squared distances
    np.maximum(w, 1e-12, out=w)
    if alpha == 2:
        np.multiply(w, w, out=w)
    elif alpha != 1:
        w = w ** alpha
    w = np.divide(1.0, w, out=w)                        # on a control point: ~exactly it
    s0 = w.sum(0)
    ps, qs = (p.T @ w) / s0, (q.T @ w) / s0             # weighted centroids (2, N)

    def pp(i: int, j: int) -> np.ndarray:   # sum w ph_i ph_j
        return (p[:, i] * p[:, j]) @ w - s0 * ps[i] * ps[j]

    def pq(i: int, j: int) -> np.ndarray:   # sum w ph_i qh_j
        return (p[:, i] * q[:, j]) @ w - s0 * ps[i] * qs[j]

    vx, vy = vt - ps
    if kind == "affine":
        # M = (sum w ph^T ph)^-1 sum w ph^T qh per point; collinear points: similarity instead
        axx, axy, ayy = pp(0, 0), pp(0, 1), pp(1, 1)
        bxx, bxy, byx, byy = pq(0, 0), pq(0, 1), pq(1, 0), pq(1, 1)
        det = axx * ayy - axy * axy
        ok = np.abs(det) > 1e-9 * (axx + ayy) ** 2
        det = np.where(ok, det, 1)
        # (vh^T A^-1) B, with A^-1 = [[ayy, -axy], [-axy, axx]] / det
        tx, ty = (vx * ayy - vy * axy) / det, (vy * axx - vx * axy) / det
        out = np.stack([tx * bxx + ty * byx, tx * bxy + ty * byy], -1) + qs.T - vt.T
        if not ok.all():
            out[~ok] = _mls(p, q, v[~ok] - c, alpha, "similarity")
        return out
    # similarity / rigid as complex numbers: f(v) = (v - p*) m + q*, m = sum w conj(ph) qh / mu
    m_re, m_im = pq(0, 0) + pq(1, 1), pq(0, 1) - pq(1, 0)
    if kind == "similarity":
        mu = pp(0, 0) + pp(1, 1)
    elif kind == "rigid":
        mu = np.hypot(m_re, m_im)
    else:
        raise ValueError(f"unknown kind {kind!r}: similarity, rigid or affine")
    # one control point (or all on the centroid): a pure translation
    ok = mu > 1e-12 * s0
    mu = np.where(ok, mu, 1)
    m_re, m_im = np.where(ok, m_re / mu, 1), np.where(ok, m_im / mu, 0)
    return np.stack([vx * m_re - vy * m_im + qs[0] - vt[0], vx * m_im + vy * m_re + qs[1] - vt[1]], -1)


def mls_warp_field(src_pts: np.ndarray, dst_pts: np.ndarray, shape: tuple[int, int], *,
                   alpha: float = 1.0, kind: Kind = "similarity", roi: Roi | None = None,
                   step: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Backward maps (map_x, map_y), float32 (H, W), for ``cv2.remap`` that move the control
    points ``src_pts`` (n, 2; x, y) to ``dst_pts``. ``alpha``: the weights' falloff 1/d^(2 alpha)
    (higher: more local); ``kind``: the local transform (similarity keeps angles, rigid also
    scale, affine may shear); ``roi`` (x0, y0, x1, y1): computed there only, identity elsewhere;
    ``step``: the coarse grid's spacing in pixels."""
    src, dst = _pair(src_pts, dst_pts)
    if kind not in ("similarity", "rigid", "affine"):
        raise ValueError(f"unknown kind {kind!r}: similarity, rigid or affine")
    # fitted dst -> src: the map of an output pixel is where its content comes from
    return _field(lambda v: _blocked(lambda b: _mls(dst, src, b, alpha, kind), v, len(dst)), dst, shape, roi, step)


def _tps_kernel(r2: np.ndarray) -> np.ndarray:
    """U(r) = r^2 log r, written with r^2 (U(0) = 0)."""
    return 0.5 * r2 * np.log(np.where(r2 > 0, r2, 1.0))


def tps_warp_field(src_pts: np.ndarray, dst_pts: np.ndarray, shape: tuple[int, int], *,
                   regularization: float = 0.0, roi: Roi | None = None,
                   step: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`mls_warp_field` with a thin-plate spline fitted dst -> src: the smoothest
    (least bending) interpolant, global (every point pulls everywhere) where MLS is local.
    ``regularization`` (lambda >= 0): 0 interpolates, larger values trade the points' exact
    landing for a smoother field."""
    src, dst = _pair(src_pts, dst_pts)
    n = len(dst)
    # centred and scaled: the system is as well conditioned at any pixel scale
    c = dst.mean(0)
    scale = max(float(np.abs(dst - c).max()), 1.0)
    p = (dst - c) / scale
    A = np.zeros((n + 3, n + 3))
    A[:n, :n] = _tps_kernel(((p[:, None] - p[None]) ** 2).sum(-1)) + regularization * np.eye(n)
    A[:n, n:] = np.hstack([np.ones((n, 1)), p])
    A[n:, :n] = A[:n, n:].T
    rhs = np.zeros((n + 3, 2))
    rhs[:n] = src - dst                                   # the displacement: no move, exactly 0
    coef = np.linalg.lstsq(A, rhs, rcond=None)[0]         # < 3 or collinear points: least norm

    def disp_at(v: np.ndarray) -> np.ndarray:
        u = ((v - c) / scale).T
        r2 = (p[:, 0:1] - u[0]) ** 2 + (p[:, 1:2] - u[1]) ** 2     # (n, N): points first
        return (coef[:n].T @ _tps_kernel(r2) + coef[n][:, None] + coef[n + 1:].T @ u).T

    return _field(lambda v: _blocked(disp_at, v, n), dst, shape, roi, step)


def warp_image(image: np.ndarray, map_x: np.ndarray, map_y: np.ndarray, *,
               interpolation: int = cv2.INTER_CUBIC, border: int = cv2.BORDER_REFLECT) -> np.ndarray:
    """``image`` sampled through the backward maps (cv2.remap, bicubic, reflected border), any
    number of channels. A bool mask is resampled bilinearly and cut at 0.5."""
    map_x, map_y = np.asarray(map_x, np.float32), np.asarray(map_y, np.float32)
    if image.dtype == bool:
        soft = cv2.remap(image.astype(np.float32), map_x, map_y, cv2.INTER_LINEAR, borderMode=border)
        return soft > 0.5
    if image.ndim == 2 or image.shape[2] <= 4:
        out = cv2.remap(image, map_x, map_y, interpolation, borderMode=border)
        return out.reshape(map_x.shape + image.shape[2:])
    # remap takes at most 4 channels for the bicubic filter
    return np.dstack([warp_image(image[..., c:c + 4], map_x, map_y, interpolation=interpolation, border=border)
                      for c in range(0, image.shape[2], 4)])


def _displacement(map_x: np.ndarray, map_y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The maps' displacement d = map - identity and its Jacobian I + grad d (central
    differences), as 2- and 4-channel images for sampling by cv2.remap."""
    ix, iy = _identity(*map_x.shape)
    disp = cv2.merge([np.asarray(map_x, np.float32) - ix, np.asarray(map_y, np.float32) - iy])
    kx = np.array([[-0.5, 0, 0.5]], np.float32)
    gx = cv2.filter2D(disp, -1, kx, borderType=cv2.BORDER_REPLICATE)      # d(dx, dy) / dx
    gy = cv2.filter2D(disp, -1, kx.T, borderType=cv2.BORDER_REPLICATE)    # d(dx, dy) / dy
    return disp, cv2.merge([1 + gx[..., 0], gy[..., 0], gx[..., 1], 1 + gy[..., 1]])


def _solve_forward(ux: np.ndarray, uy: np.ndarray, disp: np.ndarray, jac: np.ndarray, iterations: int,
                   start: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """v with v + d(v) = u at every query u (float32 arrays of one shape), by Newton's method
    from ``start`` or v = u - d(u): a few steps reach 1e-3 px where fixed-point iteration
    (v <- u - d(v)) crawls, next to a pinned point where the field compresses (|grad d| ~ 1)."""
    shape, n = ux.shape, ux.size
    rows = -(-n // 1024)                        # remap's images stay under 32767 a side
    ux, uy = (np.resize(a.ravel(), rows * 1024).reshape(rows, 1024) for a in (ux, uy))
    sample = lambda img, x, y: cv2.remap(img, x, y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)  # noqa: E731
    if start is None:
        d = sample(disp, ux, uy)
        vx, vy = ux - d[..., 0], uy - d[..., 1]
    else:
        vx, vy = (np.resize(a.ravel(), rows * 1024).reshape(rows, 1024) for a in start)
    for _ in range(iterations):
        d, j = sample(disp, vx, vy), sample(jac, vx, vy)
        rx, ry = ux - vx - d[..., 0], uy - vy - d[..., 1]          # u - map(v)
        if max(np.abs(rx).max(), np.abs(ry).max()) < 1e-3:
            break
        a, b, c, e = j[..., 0], j[..., 1], j[..., 2], j[..., 3]    # [[a, b], [c, e]]: d map / d(x, y)
        det = a * e - b * c
        det = np.where(np.abs(det) > 1e-3, det, 1e-3)             # a fold: a bounded step
        vx, vy = vx + (e * rx - b * ry) / det, vy + (a * ry - c * rx) / det
    return vx.ravel()[:n].reshape(shape), vy.ravel()[:n].reshape(shape)


def invert_map(map_x: np.ndarray, map_y: np.ndarray, *, iterations: int = 8,
               step: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Forward maps of a backward map: for each input pixel u, the output position v with
    map(v) = u (where that pixel lands), to carry masks, outlines and points forward.
    ``step`` > 1 solves on every step-th pixel first, interpolates, and polishes with two
    Newton steps at every pixel (the forward map is sharp at the source points, where
    interpolation alone missed by 1.4 px). Off-image positions are extrapolated with the
    border's displacement."""
    H, W = map_x.shape
    disp, jac = _displacement(map_x, map_y)
    # only where the map moves anything (R) and where R's content comes from (map(R)) can the
    # forward map differ from the identity: solved on the box round both
    moved = np.any(disp != 0, axis=2)
    rows, cols = np.flatnonzero(moved.any(1)), np.flatnonzero(moved.any(0))
    if len(rows) == 0:
        return _identity(H, W)
    r = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
    mx, my = np.asarray(map_x)[r], np.asarray(map_y)[r]
    box = (min(cols[0], int(np.floor(mx.min()))) - 1, min(rows[0], int(np.floor(my.min()))) - 1,
           max(cols[-1] + 1, int(np.ceil(mx.max())) + 1) + 1, max(rows[-1] + 1, int(np.ceil(my.max())) + 1) + 1)

    def inverse_disp(v: np.ndarray) -> np.ndarray:
        ux, uy = v[:, 0].astype(np.float32), v[:, 1].astype(np.float32)
        vx, vy = _solve_forward(ux, uy, disp, jac, iterations)
        return np.stack([vx - ux, vy - uy], -1).astype(np.float64)

    fx, fy = _field(inverse_disp, np.empty((0, 2)), (H, W), box, step)
    if step > 1:    # Newton again where the interpolated answer misses (a few % of the pixels)
        x0, y0, x1, y1 = _clip_roi((H, W), box)
        ux, uy = _identity(y1 - y0, x1 - x0, x0, y0)
        vx, vy = fx[y0:y1, x0:x1].copy(), fy[y0:y1, x0:x1].copy()
        d = cv2.remap(disp, vx, vy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        miss = np.flatnonzero(np.maximum(np.abs(ux - vx - d[..., 0]), np.abs(uy - vy - d[..., 1])) > 1e-2)
        if len(miss):
            sub = [a.ravel()[miss] for a in (ux, uy, vx, vy)]
            px, py = _solve_forward(sub[0], sub[1], disp, jac, iterations, (sub[2], sub[3]))
            vx.ravel()[miss], vy.ravel()[miss] = px, py
            fx[y0:y1, x0:x1], fy[y0:y1, x0:x1] = vx, vy
    return fx, fy


def forward_points(points: np.ndarray, map_x: np.ndarray, map_y: np.ndarray, *,
                   iterations: int = 8) -> np.ndarray:
    """Where input points (n, 2; x, y) land under the backward maps (:func:`invert_map` at
    the points only)."""
    u = _points(points).astype(np.float32)
    disp, jac = _displacement(map_x, map_y)
    vx, vy = _solve_forward(u[:, 0].copy(), u[:, 1].copy(), disp, jac, iterations)
    return np.stack([vx, vy], -1).astype(np.float64)
