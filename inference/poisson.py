"""Gradient-domain editing: membrane fills, seamless cloning and mixed gradients (Pérez,
Gangnet & Blake 2003) by one Poisson solver on the masked pixels.

For every pixel p of the mask the solution f satisfies the 5-point equation

    sum_q (f_p - f_q) = sum_q v_pq,    q the neighbours of p inside the image,

with f_q the boundary image's value where q lies outside the mask (Dirichlet) and no term for
a neighbour beyond the image (Neumann at the image border). v_pq = g_p - g_q for a guide g
(seamless cloning), 0 without one (membrane), and in mixed mode the larger in magnitude of the
guide's and the destination's difference, edge by edge and channel by channel.

Two solvers, on the mask's box plus one pixel. Multigrid: conjugate gradients preconditioned
by one V-cycle (2x2 aggregation, Galerkin coarse operators, Jacobi smoothing, a sparse LU on
the coarsest grid), started from a push-pull fill; whole-array OpenCV / numpy work and a
set-up of a few block sums. Direct: SuperLU on all the mask's pixels. Measured on a 1000x1000
face crop, 3 channels, 2 shared cores (bench/poisson.py): an 8 % mask (80k unknowns) takes
55-70 ms by multigrid, first solve or repeat, where factorising alone takes 300+ ms (MMD
ordering; COLAMD and a nested dissection did worse) and a repeat solve then ~30 ms; a 2 %
mask (20k) 15-25 ms by multigrid, 8-10 ms per repeat once factorised. So
:class:`PoissonSolver` (kept for a fixed mask: a slider drag) factorises small masks and
runs multigrid on large ones, re-using either for any image, guide and number of channels.
"""
from __future__ import annotations

import cv2
import numpy as np

from inference.imaging import smooth_fill
from inference.lazy import lazy_module

sp = lazy_module("scipy.sparse")   # loaded at the first fill: the CLI starts without scipy
sla = lazy_module("scipy.sparse.linalg")

_LAPLACE = np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]], np.float32)
_COARSEST = 1500     # unknowns solved directly (a sparse LU of this size takes ~1 ms)
_DIRECT_MAX = 12000  # PoissonSolver's "auto": a direct solve up to this many unknowns
_NU = (2, 2)         # Jacobi sweeps before and after each coarse correction: finest, coarser
_OMEGA = 0.8         # Jacobi damping: 4/5 smooths the 5-point Laplacian best
_ALPHA = 1.8         # over-correction: piecewise-constant prolongation under-shoots smooth errors


def _pool(m: np.ndarray) -> np.ndarray:
    """A coarse cell is in the mask when any of its 2x2 children is (dims already even)."""
    return m[0::2, 0::2] | m[1::2, 0::2] | m[0::2, 1::2] | m[1::2, 1::2]


class _Fine:
    """The finest grid: unit couplings, so A x is one OpenCV filter per plane, plus a fix on
    the rows / columns lying on the image's border (a neighbour fewer there: Neumann). Its
    Jacobi sweeps use the diagonal 4 everywhere (3 on those lines would be exact Jacobi), so
    that a sweep is one filter, an add and the mask: x <- x + omega / 4 (r - A x)."""

    c = 1.0          # the coupling inside the mask

    def __init__(self, mask: np.ndarray, border: list[tuple[slice, slice]]):
        self.mask = mask
        self.m = mask.astype(np.float32)
        self.border = border
        deg = np.full(mask.shape, 4, np.float32)
        for line in border:
            deg[line] -= 1
        self.d = np.where(mask, deg, 0).astype(np.float32)
        self.w = _OMEGA / 4
        # (1 - omega) x + omega / 4 (sum of the neighbours): the sweep less its r term
        self.k_sweep = np.array([[0, self.w, 0], [self.w, 1 - _OMEGA, self.w], [0, self.w, 0]], np.float32)
        # the second sweep from x = 0 in one filter of r: w r + k_sweep (w r)
        self.k_first = self.w * (self.k_sweep + np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], np.float32))

    def apply(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        """A x for one plane x (h, w) zero off the mask; ``out`` holds garbage off the mask."""
        cv2.filter2D(x, -1, _LAPLACE, dst=out, borderType=cv2.BORDER_CONSTANT)
        for line in self.border:
            out[line] -= x[line]
        return out

    def sweep(self, x: np.ndarray, wr: np.ndarray, t: np.ndarray) -> None:
        """One Jacobi sweep on a plane in place, wr = omega / 4 r given (t: scratch)."""
        cv2.filter2D(x, -1, self.k_sweep, dst=t, borderType=cv2.BORDER_CONSTANT)
        for line in self.border:        # deg 3 there: (1 - 3 omega / 4) x
            t[line] += self.w * x[line]
        cv2.add(t, wr, dst=t)
        cv2.multiply(t, self.m, dst=x)

    def first_sweeps(self, r: np.ndarray, x: np.ndarray, t: np.ndarray) -> None:
        """Two sweeps from x = 0 (the first is x = omega / 4 r) into x, for one plane."""
        cv2.filter2D(r, -1, self.k_first, dst=t, borderType=cv2.BORDER_CONSTANT)
        for line in self.border:
            t[line] += (self.w * self.w) * r[line]
        cv2.multiply(t, self.m, dst=x)

    def residual(self, x: np.ndarray, r: np.ndarray, t: np.ndarray) -> None:
        """t = (r - A x) on the mask, 0 off it, for one plane."""
        self.apply(x, t)
        cv2.subtract(r, t, dst=t)
        cv2.multiply(t, self.m, dst=t)

    def couplings(self) -> tuple[np.ndarray, np.ndarray]:
        m = self.mask
        return (m[:, :-1] & m[:, 1:]).astype(np.float32), (m[:-1] & m[1:]).astype(np.float32)


class _Coarse:
    """A coarse grid: a variable 5-point stencil (we: coupling with the east neighbour, ws:
    with the south one) from the Galerkin product of the grid above. Inside the mask it is
    c times the 5-point Laplacian (c = 2^level), so A x is one OpenCV filter plus a sparse
    correction on the cells near the mask's edge (a few %): 2x faster than the stencil in numpy."""

    def __init__(self, mask: np.ndarray, d: np.ndarray, we: np.ndarray, ws: np.ndarray, c: float):
        self.mask, self.d, self.we, self.ws = mask, d, we, ws
        self.m = mask.astype(np.float32)
        self.inv_d = np.where(mask, _OMEGA / np.where(mask, d, 1), 0).astype(np.float32)
        self.c, self.kernel = c, c * _LAPLACE
        idx = np.arange(mask.size).reshape(mask.shape)
        flat = mask.ravel()
        rows, cols, vals = [idx[mask]], [idx[mask]], [d[mask] - 4 * c]
        for a, b, wgt in ((idx[:, :-1], idx[:, 1:], we), (idx[:-1], idx[1:], ws)):
            k = flat[a] & flat[b] & (wgt != c)
            for p, q in ((a[k], b[k]), (b[k], a[k])):
                rows.append(p), cols.append(q), vals.append(c - wgt[k])
        v = np.concatenate(vals)
        keep = v != 0
        ij = (np.concatenate(rows)[keep], np.concatenate(cols)[keep])
        self.fix = sp.csr_matrix((v[keep].astype(np.float32), ij), shape=(mask.size, mask.size))

    def apply(self, x: np.ndarray, out: np.ndarray, s: np.ndarray) -> np.ndarray:
        """A x for planar x (C, h, w) zero off the mask (garbage in ``out`` off the mask)."""
        for xc, oc in zip(x, out):
            cv2.filter2D(xc, -1, self.kernel, dst=oc, borderType=cv2.BORDER_CONSTANT)
            oc.ravel()[:] += self.fix @ xc.ravel()
        return out

    def couplings(self) -> tuple[np.ndarray, np.ndarray]:
        return self.we, self.ws


def _coarsen(lv: _Fine | _Coarse) -> _Coarse:
    """P^T A P for P = each coarse cell copied to its 2x2 children (those in the mask)."""
    h, w = lv.mask.shape
    H, W = h // 2, w // 2
    we, ws = np.zeros((h, w), np.float32), np.zeros((h, w), np.float32)
    e, s = lv.couplings()
    we[:, :-1], ws[:-1] = e, s                   # we[i, j]: the edge (i, j)-(i, j+1)
    # strided sums over each 2x2 block (numpy's reshaped sums are several times slower)
    inner = we[0::2, 0::2] + we[1::2, 0::2] + ws[0::2, 0::2] + ws[0::2, 1::2]
    d = lv.d[0::2, 0::2] + lv.d[1::2, 0::2] + lv.d[0::2, 1::2] + lv.d[1::2, 1::2] - 2 * inner
    wec = (we[0::2, 1::2] + we[1::2, 1::2])[:, :-1]     # the block's east column, both rows
    wsc = (ws[1::2, 0::2] + ws[1::2, 1::2])[:-1]        # the block's south row, both columns
    return _Coarse(_pool(lv.mask), d, wec, wsc, 2 * lv.c)   # inside: 2 fine edges per coarse one


def _sparse(lv: _Fine | _Coarse) -> sp.csc_matrix:
    """The grid's operator as a sparse matrix over its mask pixels (row-major order)."""
    idx = np.full(lv.mask.shape, -1, np.int64)
    n = int(lv.mask.sum())
    idx[lv.mask] = np.arange(n)
    rows, cols, vals = [np.arange(n)], [np.arange(n)], [lv.d[lv.mask].astype(np.float64)]
    for a, b, wgt in zip((idx[:, :-1], idx[:-1]), (idx[:, 1:], idx[1:]), lv.couplings()):
        k = (a >= 0) & (b >= 0) & (wgt != 0)
        for p, q in ((a[k], b[k]), (b[k], a[k])):
            rows.append(p), cols.append(q), vals.append(-wgt[k].astype(np.float64))
    return sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-channel inner products of planar arrays (BLAS on each plane)."""
    return np.array([a[c].ravel() @ b[c].ravel() for c in range(a.shape[0])], np.float64)


def _resize(x: np.ndarray, out: np.ndarray, interp: int) -> None:
    """cv2.resize of one plane or each plane of (C, h, w) into ``out``."""
    if x.ndim == 2:
        cv2.resize(x, out.shape[::-1], dst=out, interpolation=interp)
    else:
        for xp, op in zip(x, out):
            cv2.resize(xp, op.shape[::-1], dst=op, interpolation=interp)


def _sweep(lv: _Coarse, r: np.ndarray, x: np.ndarray, t: np.ndarray, s: np.ndarray) -> None:
    """One damped Jacobi sweep x += omega D^-1 (r - A x), in place (t, s: scratch)."""
    lv.apply(x, t, s)
    np.subtract(r, t, out=t)
    t *= lv.inv_d
    x += t


class PoissonSolver:
    """The Poisson problem of one mask (H, W) bool, set up once: its working box, multigrid
    hierarchy and coarsest factorisation (or the whole problem's factorisation) serve every
    :meth:`solve`, for any image, guide and channel count. Not for two threads at once (it
    keeps scratch arrays).

    ``method``: "multigrid" (CG), "direct" (SuperLU on all the mask's pixels, float64, exact)
    or "auto": direct up to _DIRECT_MAX unknowns, where factorising (~35 ms at 13k) costs
    about a first multigrid solve and the back-substitution is ~10x cheaper (1.9 ms against
    16 ms, 3 channels), multigrid above (80k unknowns: 300+ ms to factorise).
    ``tol``: CG stops when its error estimate is below tol times the data's range at every
    pixel (1e-5: ~1e-3 grey levels of 0..255 data, measured against a float64 direct solve).
    ``iterations``: the CG iterations of the last solve (0 for a direct one)."""

    def __init__(self, mask: np.ndarray, *, method: str = "auto", tol: float = 1e-5, max_iter: int = 100):
        if method not in ("auto", "multigrid", "direct"):
            raise ValueError(f"unknown method {method!r}: auto, multigrid or direct")
        mask = np.asarray(mask, bool)
        if mask.ndim != 2:
            raise ValueError(f"mask must be (H, W), got {mask.shape}")
        self.shape = mask.shape
        self.tol, self.max_iter = tol, max_iter
        self.iterations = 0
        self._buffers: dict[tuple[str, int], list] = {}   # scratch per (use, channel count)
        n = int(np.count_nonzero(mask))
        self.empty = n == 0
        if self.empty:
            return
        if n == mask.size:
            raise ValueError("the mask covers the whole image: no boundary to fill from")
        H, W = mask.shape
        ys, xs = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
        # the mask's box plus one pixel: every neighbour of a mask pixel lies in it (or off the image)
        y0, y1 = max(0, ys[0] - 1), min(H, ys[-1] + 2)
        x0, x1 = max(0, xs[0] - 1), min(W, xs[-1] + 2)
        self.box = (slice(y0, y1), slice(x0, x1))
        h, w = y1 - y0, x1 - x0
        self.direct = method == "direct" or (method == "auto" and n <= _DIRECT_MAX)
        # as many halvings as bring the unknowns under _COARSEST (none for a direct solve); the
        # grid padded (off the mask, below and right) to a multiple of 2^levels so that every
        # halving is exact
        k, m = 0, mask[self.box]
        while not self.direct and n > _COARSEST and min(m.shape) > 4:
            m = np.pad(m, ((0, m.shape[0] % 2), (0, m.shape[1] % 2)))
            m = _pool(m)
            n, k = int(m.sum()), k + 1
        step = 1 << k
        hp, wp = -(-h // step) * step, -(-w // step) * step
        self.mask = np.zeros((hp, wp), bool)
        self.mask[:h, :w] = mask[self.box]
        edges = (((slice(0, 1), slice(0, w)), y0 == 0), ((slice(h - 1, h), slice(0, w)), y1 == H),
                 ((slice(0, h), slice(0, 1)), x0 == 0), ((slice(0, h), slice(w - 1, w)), x1 == W))
        border = [line for line, on in edges if on]     # the image's own edges inside the box
        self.levels: list[_Fine | _Coarse] = [_Fine(self.mask, border)]
        for _ in range(k):
            self.levels.append(_coarsen(self.levels[-1]))
        self._lu = sla.splu(_sparse(self.levels[-1]), permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                            options=dict(SymmetricMode=True))
        self._scale = [(4 * _ALPHA) * lv.m for lv in self.levels]   # see _vcycle
        self._index = np.flatnonzero(self.mask)        # the unknowns, in _sparse's order

    # -- the preconditioner ------------------------------------------------------------------
    def _work(self, C: int) -> list[dict[str, np.ndarray]]:
        """Scratch arrays per level for C planes, kept: fresh ones cost more than the work
        (a new 1 MB array is page faults on first touch; they took half the V-cycle's time)."""
        if ("mg", C) not in self._buffers:
            self._buffers["mg", C] = [{name: np.zeros((C,) + lv.mask.shape, np.float32) for name in "rxts"}
                                      for lv in self.levels]
        return self._buffers["mg", C]

    def _vcycle(self, r: np.ndarray, k: int = 0) -> np.ndarray:
        """One V-cycle from level k on planar r (C, h, w), zero off the mask; the answer is
        level k's "x" buffer (valid until the next V-cycle). As many sweeps after the coarse
        correction as before it keeps the V-cycle symmetric, as CG needs."""
        lv, work = self.levels[k], self._work(r.shape[0])[k]
        x, t, s = work["x"], work["t"], work["s"]
        if k == len(self.levels) - 1:
            x[:, lv.mask] = self._lu.solve(np.ascontiguousarray(r[:, lv.mask].T, np.float64)).T
            return x
        rc = self._work(r.shape[0])[k + 1]["r"]
        if k == 0:
            return self._vcycle_fine(r, x, t, s, rc)
        nu = _NU[1]
        np.multiply(lv.inv_d, r, out=x)
        for _ in range(nu - 1):
            _sweep(lv, r, x, t, s)
        lv.apply(x, t, s)
        np.subtract(r, t, out=t)
        t *= lv.m
        # restriction by 2x2 means (P^T / 4): the 4 comes back in _scale with the over-correction
        _resize(t, rc, cv2.INTER_AREA)
        _resize(self._vcycle(rc, k + 1), s, cv2.INTER_NEAREST)
        s *= self._scale[k]
        x += s
        for _ in range(nu):
            _sweep(lv, r, x, t, s)
        return x

    def _vcycle_fine(self, r: np.ndarray, x: np.ndarray, t: np.ndarray, wr: np.ndarray,
                     rc: np.ndarray) -> np.ndarray:
        """The V-cycle's finest level, plane by plane: a plane stays in cache through its
        sweeps (all planes at once ran 1.6x slower), and OpenCV's calls beat numpy's there."""
        fine, nu = self.levels[0], _NU[0]
        h, w = fine.mask.shape
        for c in range(r.shape[0]):
            np.multiply(r[c], fine.w, out=wr[c])
            if nu == 1:
                x[c] = wr[c]                              # one sweep from x = 0
            else:
                fine.first_sweeps(r[c], x[c], t[c])
            for _ in range(nu - 2):
                fine.sweep(x[c], wr[c], t[c])
            fine.residual(x[c], r[c], t[c])
            cv2.resize(t[c], (w // 2, h // 2), dst=rc[c], interpolation=cv2.INTER_AREA)
        xc = self._vcycle(rc, 1)
        xc *= 4 * _ALPHA                                   # P^T = 4 x the means; over-correction
        for c in range(r.shape[0]):
            cv2.resize(xc[c], (w, h), dst=t[c], interpolation=cv2.INTER_NEAREST)
            cv2.multiply(t[c], fine.m, dst=t[c])
            cv2.add(x[c], t[c], dst=x[c])
            for _ in range(nu):
                fine.sweep(x[c], wr[c], t[c])
        return x

    def _pcg(self, b: np.ndarray, atol: float) -> np.ndarray:
        """Solve A x = b (planar float32, zero off the mask) per channel. Stops when the
        V-cycle's answer to the residual, an estimate of the remaining error (measured: its
        largest value is 1.5-2x the true largest error), is below ``atol`` everywhere."""
        fine = self.levels[0]
        C = b.shape[0]
        if ("cg", C) not in self._buffers:
            self._buffers["cg", C] = [np.empty_like(b) for _ in range(4)]
        x, r, p, q = self._buffers["cg", C]
        x[:] = 0
        p[:] = 0
        r[:] = b
        pq = np.empty(C)
        rz = np.ones(C)
        self.iterations = 0
        while True:
            z = self._vcycle(r)
            if self.iterations == self.max_iter or all(cv2.norm(zc, cv2.NORM_INF) <= atol for zc in z):
                return x
            rz, rz_old = _dot(r, z), rz
            beta = np.divide(rz, rz_old, out=np.zeros(C), where=rz_old > 0)
            for c in range(C):
                cv2.scaleAdd(p[c], float(beta[c]), z[c], dst=p[c])
                fine.apply(p[c], q[c])
                q[c] *= fine.m
                pq[c] = p[c].ravel() @ q[c].ravel()
            alpha = np.divide(rz, pq, out=np.zeros(C), where=pq > 0)
            for c in range(C):
                cv2.scaleAdd(p[c], float(alpha[c]), x[c], dst=x[c])
                cv2.scaleAdd(q[c], -float(alpha[c]), r[c], dst=r[c])
            self.iterations += 1

    # -- the problem ---------------------------------------------------------------------------
    def solve(self, image: np.ndarray, guide: np.ndarray | None = None, mixed: bool = False, *,
              boundary: np.ndarray | None = None, divergence: np.ndarray | None = None) -> np.ndarray:
        """``image`` (H, W[, C]) with the mask's pixels replaced by the Poisson solution (see
        :func:`poisson_fill`); every other pixel bit-identical. float32 out (float64 for
        float64 in). ``divergence`` (image's shape): added to every mask pixel's right-hand
        side, sum_q w_pq of a field w that is no image's differences (a guide's own are
        ``guide``'s)."""
        image = np.asarray(image)
        if image.shape[:2] != self.shape:
            raise ValueError(f"image {image.shape} does not match the mask {self.shape}")
        for name, a in (("guide", guide), ("boundary", boundary), ("divergence", divergence)):
            if a is not None and np.shape(a) != image.shape:
                raise ValueError(f"{name} {np.shape(a)} does not match the image {image.shape}")
        if mixed and guide is None:
            raise ValueError("mixed gradients need a guide")
        out = image.astype(np.float64 if image.dtype == np.float64 else np.float32)  # a copy
        if self.empty:
            return out
        dest = self._planar(image if boundary is None else boundary)
        g = None if guide is None else self._planar(guide)
        # the unknown is the offset from the guide (the membrane fill's offset from 0): first
        # guessed by a push-pull fill, its residual taken in float64, its correction solved by
        # float32 CG (the correction is small next to the pixel values: float32 costs nothing
        # that shows, 1e-4 of a grey level against a float64 direct solve); or from 0 by the
        # float64 factorisation
        off = dest if g is None else dest - g
        m = self.mask
        r = np.empty(off.shape, np.float64 if self.direct else np.float32)
        for c in range(off.shape[0]):
            if self.direct:
                off[c] *= ~m
            else:
                np.copyto(off[c], smooth_fill(off[c].astype(np.float32), m), where=m)
            r[c] = self._residual(off[c], None if g is None or not mixed else (g[c], dest[c]))
        if divergence is not None:
            r += self._planar(divergence) * self.mask
        if self.direct:
            self.iterations = 0
            flat, idx = off.reshape(off.shape[0], -1), self._index
            flat[:, idx] += self._lu.solve(np.ascontiguousarray(r.reshape(r.shape[0], -1)[:, idx].T)).T
        elif np.any(r):
            # the error allowed: tol times the data's range (guide and boundary)
            scale = max(float(np.ptp(a)) for a in (dest,) + (() if g is None else (g,)))
            off += self._pcg(r, self.tol * scale)
        else:
            self.iterations = 0
        if g is not None:
            off += g
        h, w = out[self.box].shape[:2]
        region = out[self.box].reshape(h, w, -1)
        np.copyto(region, np.moveaxis(off[:, :h, :w], 0, -1), where=m[:h, :w, None])
        return out

    def _planar(self, a: np.ndarray) -> np.ndarray:
        """The working box of an image as float64 planes (C, hp, wp), padded by edge copies
        (so that a replicated border is the image's Neumann border)."""
        a = np.asarray(a)[self.box]
        a = a.reshape(a.shape[:2] + (-1,))
        hp, wp = self.mask.shape
        out = np.empty((a.shape[2], hp, wp))
        h, w = a.shape[:2]
        out[:, :h, :w] = np.moveaxis(a, -1, 0)
        out[:, h:, :w] = out[:, h - 1:h, :w]
        out[:, :, w:] = out[:, :, w - 1:w]
        return out

    def _residual(self, off: np.ndarray, mixed: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
        """b - A u on the mask for one plane of the offset u - g: minus its Laplacian (edge
        copies beyond the image add nothing: Neumann). In mixed mode (guide, destination) the
        edges where the destination's difference beats the guide's add the gap between them."""
        r = cv2.filter2D(off, -1, -_LAPLACE.astype(np.float64), borderType=cv2.BORDER_REPLICATE)
        if mixed is not None:
            g, dest = mixed
            for ax in (0, 1):
                n = off.shape[ax]
                hi = (slice(None),) * ax + (slice(1, n),)
                lo = (slice(None),) * ax + (slice(0, n - 1),)
                dg, dd = g[hi] - g[lo], dest[hi] - dest[lo]
                t = np.where(np.abs(dd) > np.abs(dg), dg - dd, 0)   # the guide's difference minus v
                r[lo] += t
                r[hi] -= t
        r *= self.mask
        return r


def poisson_fill(image: np.ndarray, mask: np.ndarray, guide: np.ndarray | None = None, *,
                 mixed: bool = False, boundary: np.ndarray | None = None,
                 divergence: np.ndarray | None = None) -> np.ndarray:
    """``image`` (H, W[, C], float, any range) with the ``mask`` (H, W) pixels replaced by a
    Poisson solution whose boundary is the image just outside the mask. ``guide=None``: a
    membrane fill (smooth interpolation of the boundary); a guide (same shape): seamless
    cloning (its Laplacian inside the mask); ``mixed``: per edge the stronger of the guide's
    and the destination's gradient. ``boundary`` (same shape) replaces the image as the
    boundary values and the destination of ``mixed``. Pixels off the mask come back
    bit-identical. ``divergence``: see :meth:`PoissonSolver.solve`. For repeated solves on one
    mask keep a :class:`PoissonSolver`."""
    return PoissonSolver(mask).solve(image, guide, mixed, boundary=boundary, divergence=divergence)
