"""Facial hair on the skin: a beard, a moustache, stubble. The parsing calls it skin (as the
annotated sets do), but a retouch that smooths or tints skin must leave it alone: it is where
the lower face's skin is both darker than the face's skin and far busier (hairs), in regions
too large to be a pore, a fold or a feature's edge."""
from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

from inference import parsing as P
from inference.imaging import blur_known
from inference.landmarks import face_up

if TYPE_CHECKING:
    from inference.faces import Face

FINE_SIGMA = 0.003      # x face size: the hairs are what a blur of this size removes (1 px at least)
AREA_SIGMA = 0.012      # x face size: how busy and how dark the skin is round a pixel
BUSY_FROM, BUSY_FULL = 1.5, 3.0   # busy x the face's median skin: where hair starts, where it is sure
DARK_FULL = 0.12        # L (0..1) below the face's median skin where darkness counts fully
LIGHT = 0.3             # how much a busy patch that is no darker counts (a grey beard, most often missed)
MIN_PATCH = 0.05        # x face size: the side of the smallest patch of hair (a rim or fold is thinner)
WORK_SIZE = 320         # px: the face's size on the reduced copy the hair is looked for on


def facial_hair(rgb: np.ndarray, labels: np.ndarray, face: "Face", x0: int = 0, y0: int = 0) -> np.ndarray:
    """(h, w) float32 in [0, 1] over the crop ``rgb`` (its labels ``labels``, at photo
    resolution; (x0, y0) its place in the photo): how sure each skin pixel below the nose is
    facial hair; 0 elsewhere."""
    return hair_map(rgb, labels, np.asarray(face.landmarks68, np.float64) - (x0, y0), float(face.size))


def hair_map(rgb: np.ndarray, labels: np.ndarray, lm68: np.ndarray, face_size: float) -> np.ndarray:
    """facial_hair with the face's 68 landmarks in the crop's pixels and its size: looked for on
    a copy where the face is at most WORK_SIZE px."""
    k = min(1.0, WORK_SIZE / max(face_size, 1.0))
    if k >= 1.0:
        return _facial_hair(rgb, labels, lm68, face_size)
    h, w = labels.shape
    size = (max(1, int(round(w * k))), max(1, int(round(h * k))))
    small = _facial_hair(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA),
                         cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST), lm68 * k, face_size * k)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR) * (labels == P.SKIN)


def _facial_hair(rgb: np.ndarray, labels: np.ndarray, lm: np.ndarray, s: float) -> np.ndarray:
    skin = labels == P.SKIN
    out = np.zeros(labels.shape, np.float32)
    if skin.sum() < 100:
        return out
    L = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)[..., 0].astype(np.float32) / 255.0
    # below the nose's middle and the lower lids, along the face's own down (a tilted head's
    # lower eye corner is no beard)
    down = -face_up(lm)
    yy, xx = np.mgrid[0:labels.shape[0], 0:labels.shape[1]].astype(np.float32)
    depth = xx * np.float32(down[0]) + yy * np.float32(down[1])
    start = max(float(lm[29] @ down), float((lm[[40, 41, 46, 47]] @ down).max()) + 0.05 * s)
    low = depth > start
    if not (skin & low).any():
        return out
    # (from the skin's own pixels only: a lip's or the background's edge is no hair)
    fine = L - blur_known(L, skin, max(1.0, FINE_SIGMA * s))
    sigma = max(1.5, AREA_SIGMA * s)
    busy = np.sqrt(np.maximum(blur_known(fine * fine, skin, sigma), 0.0))
    # the face's own skin from above the nose's middle (rarely hairy; below it a full beard
    # would pass for the skin's usual grain)
    upper = skin & ~low if (skin & ~low).sum() >= 100 else skin
    ref = float(np.median(busy[upper]))
    hairy = np.clip((busy / max(ref, 1e-4) - BUSY_FROM) / (BUSY_FULL - BUSY_FROM), 0.0, 1.0)
    dark = np.clip((float(np.median(L[upper])) - blur_known(L, skin, sigma)) / DARK_FULL, 0.0, 1.0)
    m = hairy * np.clip(LIGHT + dark, 0.0, 1.0) * (skin & low)
    # patches of hair, not a thin rim at the jaw's outline or a fold
    k = max(3, int(round(MIN_PATCH * s)) | 1)
    core = cv2.morphologyEx((m > 0.5).astype(np.uint8), cv2.MORPH_OPEN,
                            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    if not core.any():
        return out
    near = cv2.dilate(core, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))) > 0
    out[near] = m[near]
    return cv2.GaussianBlur(out, (0, 0), max(1.0, 0.25 * sigma)) * skin
