"""The refined parsing's prior (inference.parsing.parse): soft class maps of a face from its
mesh's polygons and the parsing atlas (inference.face_atlas), blurred into a band along every
boundary, and how confident they are.

The blur filters only each class's box (bit for bit the blur of the whole plane, see
:func:`_blurred`): most classes are small next to the crop.
"""
from __future__ import annotations

import cv2
import numpy as np

from inference.parsing import (FACE_CLASSES, INNER_MOUTH, LEFT_EYE, RIGHT_EYE, among,
                               rasterise_mesh)


def _soft_prior(coarse: np.ndarray, band_px: float) -> tuple[np.ndarray, np.ndarray]:
    """One-hot maps of the coarse labels and a confidence that is 0 on every boundary and
    rises to 1 at ``band_px`` inside each region."""
    onehot = (coarse[None] == np.arange(FACE_CLASSES, dtype=coarse.dtype)[:, None, None]).astype(np.float32)
    return onehot, _band_confidence(coarse, band_px)


def _band_confidence(labels: np.ndarray, band_px: float) -> np.ndarray:
    """0 on every boundary of the label map, rising to 1 at ``band_px`` inside each region."""
    edges = np.zeros(labels.shape, np.uint8)
    edges[:, 1:] |= labels[:, 1:] != labels[:, :-1]
    edges[1:, :] |= labels[1:, :] != labels[:-1, :]
    dist = cv2.distanceTransform((edges == 0).astype(np.uint8), cv2.DIST_L2, 5)
    t = np.clip(dist / max(band_px, 1e-3), 0, 1)
    return (t * t * (3 - 2 * t)).astype(np.float32)


def _top_two(planes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(labels, largest, second largest) over finite planes: labels as running_argmax's (the
    first wins ties), the second largest the same as the largest on a tie."""
    best, second = planes[0].copy(), np.full(planes.shape[1:], -np.inf, planes.dtype)
    labels = np.zeros(planes.shape[1:], np.uint8)
    better = np.empty(planes.shape[1:], bool)
    for k, p in enumerate(planes[1:], 1):
        np.greater(p, best, out=better)
        np.copyto(labels, k, where=better)
        np.maximum(second, np.minimum(best, p), out=second)
        np.maximum(best, p, out=best)
    return labels, best, second


def prior(pts: np.ndarray, shape: tuple[int, int], atlas, band_px: float,
          polygon_classes: tuple[int, ...] = ()) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Soft class maps (FACE_CLASSES, H, W) inside the face and their confidence (H, W)."""
    coarse = rasterise_mesh(pts, shape)
    if atlas is None:
        onehot, conf = _soft_prior(coarse, band_px)
        return onehot, conf, coarse
    from inference.face_atlas import render
    maps, covered = render(atlas, pts, shape)
    # mesh holes and the classes drawn from contours: the coarse labels, one-hot
    contour = ~covered | among(coarse, [LEFT_EYE, RIGHT_EYE, INNER_MOUTH] + list(polygon_classes))
    for k in range(FACE_CLASSES):
        np.copyto(maps[k], coarse == k, where=contour)
    sigma = max(0.5, 0.3 * band_px)
    maps = _blurred(maps, sigma, _supports(coarse, atlas, pts))
    labels, best, runner_up = _top_two(maps)
    atlas_conf = np.clip((best - runner_up) * 2.0, 0, 1)  # a clear winner is confident
    return maps, np.minimum(_band_confidence(labels, band_px), atlas_conf), labels


def _supports(coarse: np.ndarray, atlas, pts: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Per face class, a box (x0, y0, x1, y1) outside which the prior's plane is 0: where the
    coarse labels have it and the atlas's triangles that may give it (a pixel's margin)."""
    tri = pts[atlas.triangles]                      # (T, 3, 2)
    lo, hi = np.floor(tri.min(1)) - 1, np.ceil(tri.max(1)) + 2
    boxes = []
    for k in range(FACE_CLASSES):
        x, y, w, h = cv2.boundingRect((coarse == k).view(np.uint8))
        b = [x, y, x + w, y + h] if w else [np.inf, np.inf, -np.inf, -np.inf]
        sel = atlas.probs[:, k] > 0
        if sel.any():
            b[:2] = np.minimum(b[:2], lo[sel].min(0))
            b[2:] = np.maximum(b[2:], hi[sel].max(0))
        boxes.append(tuple(b))
    return boxes


_ALIGN = 64    # pixels: a multiple of any SIMD row width (the filter's tail pixels differ in rounding)


def _blurred(planes: np.ndarray, sigma: float, boxes) -> np.ndarray:
    """cv2.GaussianBlur of each plane, bit for bit, filtering only the box round its support
    (``boxes``: (x0, y0, x1, y1), 0 outside): the box grows by the kernel's reach and two pixels,
    so that the border reflects zeros; its columns start on a multiple of _ALIGN and span a
    multiple of it, or run to the plane's right edge, so every pixel is filtered by the
    same code (vector or tail) as in the whole plane."""
    H, W = planes.shape[1:]
    pad = (int(round(sigma * 8 + 1)) | 1) // 2 + 2      # OpenCV's float kernel: 2 round(4 sigma) + 1 taps
    out = np.zeros_like(planes)
    for k, (c, (bx0, by0, bx1, by1)) in enumerate(zip(planes, boxes)):
        if bx1 <= bx0 or by1 <= by0:
            continue
        y0, y1 = max(0, int(by0) - pad), min(H, int(by1) + pad)
        x0 = max(0, int(bx0) - pad) // _ALIGN * _ALIGN
        x1 = -(-min(W, int(bx1) + pad) // _ALIGN) * _ALIGN
        if x1 > W - W % _ALIGN:
            x1 = W
        if y1 <= y0 or x1 <= x0:
            continue
        out[k, y0:y1, x0:x1] = cv2.GaussianBlur(c[y0:y1, x0:x1], (0, 0), sigma)
    return out
