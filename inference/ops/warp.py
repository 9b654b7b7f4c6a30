"""Forward warping (splatting) with a soft z-buffer: the layer of Sevastopolskiy's thesis,
with depth ordering added. See csrc/warp.cpp for the definition.

``forward_warp(x, target, z)`` moves every pixel of x (C, H, W) to target[:, y, x] = (u, v)
(target pixel coordinates, floats) and returns (image (C, Ho, Wo), hole mask (Ho, Wo) bool,
weight (Ho, Wo)). Differentiable in x and target.
"""
from __future__ import annotations

import warnings
from typing import Literal, NamedTuple

import numpy as np
import torch

from inference.ops import native

DEFAULT_TAU = 1.0   # depth units (pixels, for a mesh in pixel units): a surface 3 tau behind is 5 % as strong
DEFAULT_EPS = 1e-6


class _ForwardWarp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, target, z, Ho: int, Wo: int, tau: float, eps: float):
        y, w, zmin = native().forward_warp(x.contiguous(), target.contiguous(), z, Ho, Wo, tau, eps)
        ctx.save_for_backward(x, target, z, y, w, zmin)
        ctx.tau, ctx.eps = tau, eps
        ctx.mark_non_differentiable(w)
        return y, w

    @staticmethod
    def backward(ctx, grad_y, grad_w):
        x, target, z, y, w, zmin = ctx.saved_tensors
        dx, dt = native().forward_warp_backward(grad_y.contiguous(), x, target, z, y, w, zmin, ctx.tau, ctx.eps)
        return dx, dt, None, None, None, None, None


def forward_warp_reference(x: torch.Tensor, target: torch.Tensor, z: torch.Tensor | None, Ho: int, Wo: int,
                           tau: float = DEFAULT_TAU, eps: float = DEFAULT_EPS) -> tuple[torch.Tensor, torch.Tensor]:
    """Plain-torch twin (index_add_ scatter; autograd by torch). Returns (y, w)."""
    C, H, W = x.shape
    u, v = target[0].reshape(-1), target[1].reshape(-1)
    xs = x.reshape(C, -1)
    fu, fv = torch.floor(u), torch.floor(v)
    a, b = u - fu, v - fv
    parts = []
    for di, dj in ((0, 0), (1, 0), (0, 1), (1, 1)):
        i, j = fu.long() + di, fv.long() + dj
        k = (a if di else 1 - a) * (b if dj else 1 - b)
        ok = (i >= 0) & (i < Wo) & (j >= 0) & (j < Ho) & (fu >= -1) & (fu < Wo) & (fv >= -1) & (fv < Ho)
        parts.append((torch.where(ok, j * Wo + i, torch.zeros_like(i)), torch.where(ok, k, torch.zeros_like(k)), ok))
    d = [torch.ones_like(u)] * 4
    if z is not None and z.numel():
        zf = z.reshape(-1).to(x.dtype)
        zmin = torch.full((Ho * Wo,), float("inf"), dtype=x.dtype)
        for q, k, ok in parts:
            zmin = zmin.scatter_reduce(0, q[ok & (k > 0)], zf[ok & (k > 0)], reduce="amin")
        # K = 0 taps may land where nothing nearer did (zmin = inf): weight 0, not 0 * inf.
        d = [torch.where(ok & (k > 0), torch.exp(-(zf - zmin[q]) / tau), torch.zeros_like(zf)) for q, k, ok in parts]
    w = torch.zeros(Ho * Wo, dtype=x.dtype)
    acc = torch.zeros(C, Ho * Wo, dtype=x.dtype)
    for (q, k, _), dd in zip(parts, d):
        kd = k * dd
        w = w.index_add(0, q, kd)
        acc = acc.index_add(1, q, xs * kd)
    y = acc / (w + eps)
    return y.reshape(C, Ho, Wo), w.reshape(Ho, Wo)


def forward_warp(x: torch.Tensor, target: torch.Tensor, z: torch.Tensor | None = None,
                 out_size: tuple[int, int] | None = None, tau: float = DEFAULT_TAU, eps: float = DEFAULT_EPS,
                 backend: Literal["native", "reference"] = "native") -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(image (C, Ho, Wo), holes (Ho, Wo) bool, weight (Ho, Wo))."""
    Ho, Wo = out_size or tuple(x.shape[1:])
    dtype = torch.float64 if x.dtype == torch.float64 else torch.float32
    zt = torch.empty(0, dtype=dtype) if z is None else z.to(dtype)
    if backend == "reference":
        y, w = forward_warp_reference(x, target, zt, Ho, Wo, tau, eps)
    else:
        y, w = _ForwardWarp.apply(x.to(dtype), target.to(dtype), zt, Ho, Wo, float(tau), float(eps))
    return y, w == 0, w


def forward_warp_image(image: np.ndarray, target: np.ndarray, z: np.ndarray | None = None,
                       out_size: tuple[int, int] | None = None, tau: float = DEFAULT_TAU,
                       eps: float = DEFAULT_EPS, with_weight: bool = False
                       ) -> tuple[np.ndarray, np.ndarray] | tuple[np.ndarray, np.ndarray, np.ndarray]:
    """forward_warp for an 8-bit photo (H, W) or (H, W, C), no gradient: splats the bytes directly
    (no float copy of the photo) and rounds the result. target (2, H, W) and z (H, W) as in
    forward_warp. Returns (image uint8 like the input, holes (Ho, Wo) bool), and the weight
    (Ho, Wo) float32 as a third item with ``with_weight``."""
    if image.dtype != np.uint8:
        raise TypeError(f"forward_warp_image takes an 8-bit image, not {image.dtype}")
    img = image[..., None] if image.ndim == 2 else image
    Ho, Wo = out_size or img.shape[:2]
    t = torch.from_numpy(np.ascontiguousarray(target, dtype=np.float32))
    zt = torch.empty(0) if z is None else torch.from_numpy(np.ascontiguousarray(z, dtype=np.float32))
    with warnings.catch_warnings():  # a read-only photo (the document's) is fine: the op only reads it
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        src = torch.from_numpy(np.ascontiguousarray(img))
    out, holes, w = native().forward_warp_u8(src, t, zt, Ho, Wo, float(tau), float(eps), with_weight)
    out = out.numpy()
    out = out[..., 0] if image.ndim == 2 else out
    return (out, holes.numpy(), w.numpy()) if with_weight else (out, holes.numpy())


class SourceMap(NamedTuple):
    """What ``splat_source_map`` returns, per output pixel."""
    where: np.ndarray            # (2, Ho, Wo) float32: the photo position (x, y) shown; (-1, -1) in holes
    weight: np.ndarray           # (Ho, Wo) the splat weight (0: a hole)
    spread: np.ndarray           # (Ho, Wo) px: how far apart the samples mixed into the pixel came from


def splat_source_map(source: np.ndarray, target: np.ndarray, z: np.ndarray | None = None,
                     out_size: tuple[int, int] | None = None, tau: float = DEFAULT_TAU) -> SourceMap:
    """Forward-warp source positions instead of colours: source (2, H, W) holds where each
    sample lies in the photo (x, y), target (2, H, W) where it lands, z (H, W) its depth.

    Splatting colours bilinearly blurs: a sample landing half a pixel off is spread over two
    pixels (a 2x2 box filter). Splatting positions gives an inverse warp (exact for a shift,
    within ~0.1 px for a smooth turn or stretch), and resampling the photo through it
    (``cv2.remap``, cubic) keeps the photo's sharpness; the splat's depth test and holes are
    the same. Where samples from far apart in the photo meet in one pixel (a fold, or a
    surface squeezed several times over) their mean position shows neither: ``spread`` says
    where."""
    Ho, Wo = out_size or source.shape[1:]
    # What is splatted is each sample's position, and for the spread its way back, source -
    # target, and that squared: small numbers, which float32 keeps exact when squared.
    target = np.ascontiguousarray(target, dtype=np.float32)
    x = np.empty((5, *target.shape[1:]), np.float32)
    x[:2] = source
    np.subtract(x[:2], target, out=x[2:4])
    np.multiply(x[2], x[2], out=x[4])
    x[4] += x[3] * x[3]
    zt = torch.empty(0) if z is None else torch.from_numpy(np.ascontiguousarray(z, dtype=np.float32))
    eps = DEFAULT_EPS
    y, w, _ = native().forward_warp(torch.from_numpy(x), torch.from_numpy(target), zt, Ho, Wo, float(tau), eps)
    y, w = y.numpy(), w.numpy()
    # the op divides by w + eps: where a pixel got only the tail of a splat (w ~ eps) that would
    # pull its position towards 0
    tail = (w > 0) & (w < 1e3 * eps)   # elsewhere the difference is below float32's precision
    y[:, tail] *= (w[tail] + np.float32(eps)) / w[tail]
    spread = np.sqrt(np.maximum(y[4] - y[2] ** 2 - y[3] ** 2, 0))
    where = y[:2]
    np.copyto(where, np.float32(-1), where=w == 0)
    return SourceMap(where, w, spread)
