"""Image helpers several parts share (the inpainting engines, the head turn, the skin edit):
a smooth fill of holes, the seam blend of a fill into a photo, a feathered mask, and the
per-channel OpenCV operations they are built from."""
from __future__ import annotations

import cv2
import numpy as np


def nonzero_box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """(y0, y1, x0, x1) of the box round ``mask``'s non-zero pixels, None when it has none
    (cv2.boundingRect: several times faster than searching rows and columns with numpy)."""
    m = np.asarray(mask)
    m = m.view(np.uint8) if m.dtype == bool else m
    if m.dtype != np.uint8:
        m = (m != 0).view(np.uint8)
    x, y, w, h = cv2.boundingRect(np.ascontiguousarray(m))
    return None if w == 0 else (y, y + h, x, x + w)


def smooth_fill(img: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """A smooth, fast fill (push-pull): known pixels averaged down a pyramid until nothing is
    missing, then pulled back up, each level filling its holes from the coarser one. Float
    images of any channel count; the first guess of PatchMatch and the head-turn preview."""
    img = img.astype(np.float32)   # a copy: its holes are written over below
    if not hole.any() or hole.all():
        return img
    h, w = hole.shape
    size = ((w + 1) // 2, (h + 1) // 2)
    k = (~hole).astype(np.float32)
    den = cv2.resize(k, size, interpolation=cv2.INTER_AREA)
    small = resize_any(per_plane(cv2.multiply, img, k), size, cv2.INTER_AREA)
    small = per_plane(cv2.divide, small, np.maximum(den, 1e-6))
    coarse = smooth_fill(small, den <= 0)  # a block is known if any pixel is
    up = resize_any(coarse, (w, h), cv2.INTER_LINEAR)
    return cv2.copyTo(up, hole.astype(np.uint8), img).reshape(img.shape)


def seam_alpha(hole: np.ndarray, feather: float = 2.0) -> np.ndarray:
    """Blend weight of the fill: 1 deep inside the hole, easing to 0.5 on its border so the
    fill meets the photo without a visible step; 0 outside. The array's own border is no seam
    (nothing lies beyond it to meet): a hole running off the photo is filled fully there."""
    if feather <= 0:
        return hole.astype(np.float32)
    dist = cv2.distanceTransform(np.pad(hole.astype(np.uint8), 1, mode="edge"), cv2.DIST_L2, 3)[1:-1, 1:-1]
    t = np.clip(dist / feather, 0, 1)
    return np.where(hole, 0.5 + 0.5 * t * t * (3 - 2 * t), 0).astype(np.float32)


def compose(original: np.ndarray, filled: np.ndarray, hole: np.ndarray, feather: float = 2.0,
            strength: np.ndarray | None = None) -> np.ndarray:
    """``filled`` inside the hole (with the seam blend, times an optional soft-mask strength),
    ``original`` bit for bit everywhere else."""
    out = original.copy()
    ys, xs = np.nonzero(hole)
    if len(ys) == 0:
        return out
    box = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))  # work where the hole is
    h, o, f = hole[box], original[box], filled[box]
    # the seam is measured with one pixel of the photo round the box, so that only the photo's
    # own border (not the box's) counts as no seam
    H, W = hole.shape
    cy0, cx0 = max(0, box[0].start - 1), max(0, box[1].start - 1)
    ctx = hole[cy0:min(H, box[0].stop + 1), cx0:min(W, box[1].stop + 1)]
    a = seam_alpha(ctx, feather)[box[0].start - cy0:box[0].stop - cy0, box[1].start - cx0:box[1].stop - cx0]
    if strength is not None:
        a = a * strength[box]
    blended = np.clip(o.astype(np.float32) + a[..., None] * (f.astype(np.float32) - o) + 0.5, 0, 255)
    out[box] = np.where(h[..., None], blended.astype(np.uint8), o)
    return out


def feathered_mask(mask: np.ndarray, feather: float) -> np.ndarray:
    """Float mask in [0, 1]: 0 on and outside the mask's edge, rising smoothly to 1 at
    ``feather`` pixels inside, so an edit fades in without touching anything outside."""
    m = mask.astype(np.uint8)
    if not m.any():
        return np.zeros(mask.shape, np.float32)
    # Pad so that the crop's border does not count as an edge of the mask.
    dist = cv2.distanceTransform(np.pad(m, 1, mode="edge"), cv2.DIST_L2, 5)[1:-1, 1:-1]
    t = np.clip(dist / max(float(feather), 1e-3), 0.0, 1.0)
    return (t * t * (3.0 - 2.0 * t)).astype(np.float32)  # smoothstep


def per_plane(op, img: np.ndarray, plane: np.ndarray) -> np.ndarray:
    """op (cv2.multiply, cv2.divide) of each channel of img (H, W[, C]) float32 with one plane
    (H, W): numpy's broadcast over a short last axis is several times slower."""
    if img.ndim == 2:
        return op(img, plane)
    return np.dstack([op(np.ascontiguousarray(img[..., c]), plane) for c in range(img.shape[2])]) \
        if img.shape[2] > 4 else cv2.merge([op(p, plane) for p in cv2.split(img)]).reshape(img.shape)


def resize_any(img: np.ndarray, size: tuple[int, int], interp: int) -> np.ndarray:
    """cv2.resize for any number of channels (its area filter takes at most 4)."""
    if img.ndim == 2 or img.shape[2] <= 4:
        out = cv2.resize(img, size, interpolation=interp)
        return out.reshape(out.shape[:2] + img.shape[2:])
    return np.dstack([resize_any(img[..., c:c + 4], size, interp) for c in range(0, img.shape[2], 4)])


def soft_inside(mask: np.ndarray, width: float) -> np.ndarray:
    """1 deep inside ``mask``, fading to 0 at its edge over ``width`` px (at least 1); the
    array's border counts as an edge (unlike feathered_mask), nothing outside the mask."""
    d = cv2.distanceTransform(np.pad(mask.astype(np.uint8), 1), cv2.DIST_L2, 3)[1:-1, 1:-1]
    t = np.clip(d / max(width, 1.0), 0, 1)
    return (t * t * (3 - 2 * t)).astype(np.float32)


def wide_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian blur of a smooth float image (H, W[, C]); a wide one (40 px on a 1000 px face:
    a 241-tap kernel, 0.45 s per call on a 4 MP photo) is taken on a copy shrunk by ~sigma / 4
    and scaled back up, which the blur has made smooth enough to interpolate."""
    k = int(sigma // 4)
    if k < 2:
        return cv2.GaussianBlur(img, (0, 0), sigma)
    H, W = img.shape[:2]
    small = cv2.resize(img, (max(1, round(W / k)), max(1, round(H / k))), interpolation=cv2.INTER_AREA)
    # the shrink's box average already spread it by ~k / sqrt(12) of the photo's pixels
    small = cv2.GaussianBlur(small, (0, 0), np.sqrt(max(sigma ** 2 - k * k / 12, 1.0)) / k)
    return cv2.resize(small, (W, H), interpolation=cv2.INTER_LINEAR).reshape(img.shape)


def blur_known(img: np.ndarray, known: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian blur of ``img`` (H, W[, C]) float32 from the ``known`` pixels only (normalised
    convolution: what lies outside them never bleeds in); a wide one on a reduced copy
    (wide_blur), a narrow one (sigma < 8) exact."""
    w = known.astype(np.float32)
    den = np.maximum(wide_blur(w, sigma), 1e-4)
    if img.ndim == 3:
        return wide_blur(np.ascontiguousarray(img * w[..., None]), sigma) / den[..., None]
    return wide_blur(img * w, sigma) / den


def grow_disc(mask: np.ndarray, radius: float) -> np.ndarray:
    """``mask`` grown by a disc of ``radius`` (rounded) px: OpenCV's elliptic dilation for a
    small disc; a wide one from a distance transform, several times faster than a dilation by
    a large kernel (the two discs differ on a rim pixel here and there)."""
    r = max(1, int(round(radius)))
    if r <= 3:
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
        return cv2.dilate(mask.astype(np.uint8), k).astype(bool)
    outside = (~mask.astype(bool)).astype(np.uint8)
    return cv2.distanceTransform(outside, cv2.DIST_L2, cv2.DIST_MASK_PRECISE) <= r + 0.25


def joined_to(mask: np.ndarray, anchor: np.ndarray) -> np.ndarray:
    """The pixels of ``mask`` (bool) 8-connected, through ``mask`` and ``anchor``, to ``anchor``."""
    n, comp = cv2.connectedComponents(mask.view(np.uint8) | anchor.view(np.uint8), connectivity=8)
    joined = np.zeros(n, bool)
    joined[comp[anchor]] = True
    joined[0] = False
    return joined[comp] & mask
