"""Colour layers in Lab: a product moves the a/b of the pixels it covers towards its own and
shifts their lightness by the difference of means (lips) or of local means (skin), so the
texture underneath (lip lines, pores) is kept; soft coverage masks; anti-aliased shapes."""
from __future__ import annotations

import cv2
import numpy as np

SS_BITS = 4                     # sub-pixel bits of the shapes drawn by cv2 (1/16 px)


def hex_rgb(colour: str) -> np.ndarray:
    c = colour.lstrip("#")
    return np.array([int(c[i:i + 2], 16) for i in (0, 2, 4)], np.float32)


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) RGB 0..255 (any dtype) -> float32 Lab (L 0..100)."""
    return cv2.cvtColor(np.ascontiguousarray(rgb, np.float32) * (1 / 255), cv2.COLOR_RGB2Lab)


def from_lab(lab: np.ndarray) -> np.ndarray:
    """Lab -> float32 RGB 0..255."""
    return cv2.cvtColor(np.ascontiguousarray(lab, np.float32), cv2.COLOR_Lab2RGB) * 255.0


def colour_lab(colour: str) -> np.ndarray:
    return to_lab(hex_rgb(colour)[None, None])[0, 0]


def smoothstep(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0, 1)
    return (t * t * (3 - 2 * t)).astype(np.float32)


def soft(mask: np.ndarray, sigma: float) -> np.ndarray:
    """A bool mask blurred by ``sigma`` px: its edge becomes a ramp (0.5 on the edge)."""
    m = mask.astype(np.float32)
    if sigma <= 0.05:
        return m
    return cv2.GaussianBlur(m, (0, 0), sigma)


def soft_around(mask: np.ndarray, width: float) -> np.ndarray:
    """1 on ``mask``, fading to 0 over ``width`` px outside it (what a product must keep off)."""
    if not mask.any():
        return np.zeros(mask.shape, np.float32)
    d = cv2.distanceTransform(np.pad((~mask).astype(np.uint8), 1, constant_values=1),
                              cv2.DIST_L2, 3)[1:-1, 1:-1]
    return smoothstep(1 - d / max(width, 1e-3))


def polygon_coverage(polys: list[np.ndarray], shape: tuple[int, int], value: float = 1.0,
                     out: np.ndarray | None = None, supersample: int = 1) -> np.ndarray:
    """Anti-aliased coverage (float32, 0..value) of filled polygons given in float pixel
    coordinates (pixel centres at integers). ``supersample`` > 1 draws at that many times the
    size and averages down (for shapes under a pixel wide: lashes)."""
    k = int(supersample)
    h, w = shape
    canvas = np.zeros((h * k, w * k), np.uint8)
    pts = [np.round((np.asarray(p, np.float64) * k + (k - 1) / 2) * (1 << SS_BITS)).astype(np.int32).reshape(-1, 1, 2)
           for p in polys]
    cv2.fillPoly(canvas, pts, 255, lineType=cv2.LINE_AA, shift=SS_BITS)
    if k > 1:
        canvas = cv2.resize(canvas, (w, h), interpolation=cv2.INTER_AREA)
    cov = canvas.astype(np.float32) * (value / 255.0)
    return cov if out is None else np.maximum(out, cov, out=out)


def keep_off(mask: np.ndarray, sigma: float = 0.7) -> np.ndarray:
    """0 on ``mask`` and rising smoothly outside it within a pixel or two: multiplying a drawn
    layer by it cuts the layer off the mask without a stair-stepped edge."""
    e = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), sigma)
    k = np.clip(1 - 2 * e, 0, 1)
    k[mask] = 0
    return k.astype(np.float32)


def local_mean(L: np.ndarray, where: np.ndarray, sigma: float) -> np.ndarray:
    """Mean of ``L`` over ``where`` (float weights) within ``sigma`` px of each pixel."""
    w = where.astype(np.float32)
    num = cv2.GaussianBlur(L * w, (0, 0), sigma)
    den = cv2.GaussianBlur(w, (0, 0), sigma)
    return num / np.maximum(den, 1e-4)


def tint(lab: np.ndarray, w_ab: np.ndarray, target: np.ndarray, l_shift: np.ndarray | float,
         w_l: np.ndarray | None = None) -> np.ndarray:
    """Lab with a/b moved towards ``target``'s by ``w_ab`` (0..1 per pixel) and L moved by
    ``l_shift`` (the target's L minus the covered area's mean, per pixel or one number) times
    ``w_l`` (default ``w_ab``): the lightness detail rides on top unchanged."""
    out = lab.copy()
    wl = w_ab if w_l is None else w_l
    out[..., 1:] += w_ab[..., None] * (target[1:] - lab[..., 1:])
    out[..., 0] = np.clip(lab[..., 0] + wl * l_shift, 0, 100)
    return out


def tint_where(crop8: np.ndarray, lab: np.ndarray, w: np.ndarray, target: np.ndarray, l_shift: np.ndarray | float,
               l_share: float) -> np.ndarray:
    """``crop8`` (a uint8 copy) with the pixels where ``w`` > 1/512 tinted (see :func:`tint`):
    only those pixels are converted, so a sparse layer (two cheeks, two lids) costs what it
    covers, not its bounding box."""
    sel = w > 1 / 512
    if not sel.any():
        return crop8.copy()
    ws = w[sel][:, None]
    shift = l_shift[sel][:, None] if isinstance(l_shift, np.ndarray) else l_shift
    px = tint(lab[sel][:, None], ws, target, shift, ws * l_share)
    return to_uint8(from_lab(px)[:, 0], crop8, sel)


def overlay(rgb: np.ndarray, colour: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """A paint layer (one RGB colour) over ``rgb`` with coverage ``alpha``."""
    a = alpha[..., None]
    return rgb * (1 - a) + colour * a


def to_uint8(out: np.ndarray, original: np.ndarray, touched: np.ndarray | None = None) -> np.ndarray:
    """Rounded to uint8, and bit for bit the original where it changed by under half a level.
    ``touched``: only these pixels may have changed, and ``out`` holds just them (N, 3)."""
    if touched is None:
        out8 = np.clip(out + 0.5, 0, 255).astype(np.uint8)
        same = np.all(np.abs(out - original.astype(np.float32)) < 0.5, axis=-1)
        out8[same] = original[same]
        return out8
    result = original.copy()
    orig = original[touched]
    o8 = np.clip(out + 0.5, 0, 255).astype(np.uint8)
    same = np.all(np.abs(out - orig) < 0.5, axis=-1)
    o8[same] = orig[same]
    result[touched] = o8
    return result
