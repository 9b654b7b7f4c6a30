"""Shine and under-eye: two retouches of the skin's shading that keep its texture.

Both move only the coarse layer (a Gauss blur at 2 px; the pores above it stay as they are):

* shine: where the skin's coarse layer is brighter than the skin's local colour (a normalised
  blur of the skin and nose at 6 % of the face, the highlights themselves left out of it),
  the excess is taken back toward that colour, in proportion to how far it stands out;
* under-eye: a soft band below each eye (from the landmarks) is lifted toward the tone of the
  cheek below it: the coarse layer's shortfall against the cheek's mean colour is added back
  where it is darker, never brightening beyond the cheek.

Only skin (and, for the shine, the nose) changes; eyes, brows, lips, hair and background are
untouched, bit for bit.
"""
from __future__ import annotations

import cv2
import numpy as np

from inference import parsing as P
from inference.edits.base import Patch, face_crop, feathered_mask
from inference.edits.spec import FLOAT, Command, Param
from inference.imaging import blur_known, wide_blur

NAME = "retouch"
TITLE = "Shine and under-eye"
PARAMS = [
    Param("shine", "Shine", FLOAT, default=0.5, neutral=0.0, range=(0.0, 1.0), step=0.01,
          help="0..1: how much of the skin's specular shine is taken back (default 0.5)"),
    Param("under_eye", "Under-eye", FLOAT, default=0.5, neutral=0.0, range=(0.0, 1.0), step=0.01,
          help="0..1: how far dark circles are lifted toward the cheek's tone (default 0.5)"),
]
CHANGES_GEOMETRY = False
PREVIEW_IS_RESULT = True
CLI = Command("retouch", "reduce the skin's shine and lift dark circles under the eyes")

COARSE_SIGMA = 2.0       # px: the texture above this blur is kept
BASE_SIGMA = 0.06        # x face size: the skin's local colour
SHINE_START = 0.06       # L (0..1) above the local colour where a highlight starts to count
SHINE_FULL = 0.16        # ... and where it counts fully
BUSY = 0.05              # RMS of the fine layer (L) past which skin is stubble, not shine


def is_identity(shine: float = 0.5, under_eye: float = 0.5, **_) -> bool:
    return float(shine) <= 0 and float(under_eye) <= 0


def _lum(img: np.ndarray) -> np.ndarray:
    return img @ np.array([0.299, 0.587, 0.114], np.float32)


def shine_layers(I: np.ndarray, coarse: np.ndarray, skin: np.ndarray, size: float) -> tuple:
    """What the shine change needs that does not depend on its amount: the coarse layer's
    lightness L, the skin's local colour (base, its lightness Lb), how much each pixel counts
    as shine (w) and its excess brightness past half the start (E)."""
    L = _lum(coarse)
    base0 = blur_known(coarse, skin, BASE_SIGMA * size)
    # the local colour from the skin that is neither shine nor dark (stubble, pores, shadow)
    calm = skin & (np.abs(L - _lum(base0)) < SHINE_START)
    base = blur_known(coarse, calm if calm.sum() > 100 else skin, BASE_SIGMA * size)
    Lb = _lum(base)
    excess = L - Lb
    # a highlight is broad: the gaps of skin between dark hairs are not shine
    broad = wide_blur(excess, max(1.0, 0.008 * size))
    w = np.clip((np.minimum(excess, broad) - SHINE_START) / (SHINE_FULL - SHINE_START), 0.0, 1.0)
    # nor is skin in stubble: where the fine layer varies a lot round a pixel
    fine = _lum(I) - L
    busy = np.sqrt(np.maximum(wide_blur(fine * fine, max(1.0, 0.01 * size)), 0.0))
    w *= np.clip((BUSY - busy) / (0.5 * BUSY), 0.0, 1.0)
    w = cv2.GaussianBlur(w * skin, (0, 0), 1.0)
    return L, base, Lb, w, np.maximum(excess - 0.5 * SHINE_START, 0.0)


def shine_change(coarse: np.ndarray, layers: tuple, amount: float) -> np.ndarray:
    """The change (h, w, 3) that takes ``amount`` of the shine back: the coarse layer's
    brightness above the skin's local colour, past SHINE_START, scaled back (the hue kept) and
    its colour moved toward the local colour's."""
    L, base, Lb, w, E = layers
    aw = amount * w
    # the target: the local colour at the highlight's brightness less the excess past the start
    target_L = L - aw * E
    toward = base * (target_L / np.maximum(Lb, 1e-3))[..., None]
    mixed = coarse * (target_L / np.maximum(L, 1e-3))[..., None]
    return mixed + aw[..., None] * (toward - mixed) - coarse


def under_eye_change(I: np.ndarray, coarse: np.ndarray, skin: np.ndarray, lm: np.ndarray,
                     x0: int, y0: int, amount: float) -> np.ndarray:
    """The change (h, w, 3) lifting the band below each eye toward its cheek's tone (linear in
    ``amount``)."""
    h, w = skin.shape
    out = np.zeros_like(I)
    for eye in (lm[36:42], lm[42:48]):
        eye = eye - (x0, y0)
        ew = float(np.linalg.norm(eye[3] - eye[0]))
        if ew < 2:
            continue
        lower = eye[[4, 5]].mean(0)        # the lower lid's middle
        centre = lower + (0.0, 0.45 * ew)
        cc = lower + (0.0, 1.25 * ew)
        # the band, its blur and the cheek below it (and the smooth layer's reach round them)
        reach = (0.65 + 4 * 0.18 + 4 * 0.12) * ew
        bx0, bx1 = max(0, int(centre[0] - reach)), min(w, int(np.ceil(centre[0] + reach)) + 1)
        by0 = max(0, int(centre[1] - (0.32 + 4 * 0.18 + 4 * 0.12) * ew))
        by1 = min(h, int(np.ceil(max(centre[1] + (0.32 + 4 * 0.18 + 4 * 0.12) * ew, cc[1] + 0.3 * ew))) + 1)
        if bx1 <= bx0 or by1 <= by0:
            continue
        sk, co = skin[by0:by1, bx0:bx1], coarse[by0:by1, bx0:bx1]
        at = lambda p: (int(round(p[0])) - bx0, int(round(p[1])) - by0)  # noqa: E731
        band = np.zeros(sk.shape, np.float32)
        cv2.ellipse(band, at(centre), (int(round(0.65 * ew)), int(round(0.32 * ew))), 0, 0, 360, 1.0, -1)
        band = wide_blur(band, 0.18 * ew) * sk
        cheek = np.zeros(sk.shape, np.uint8)
        cv2.ellipse(cheek, at(cc), (int(round(0.5 * ew)), int(round(0.3 * ew))), 0, 0, 360, 1, -1)
        cheek = (cheek > 0) & sk
        if cheek.sum() < 10 or band.max() <= 0:
            continue
        tone = np.median(co[cheek], axis=0)
        gap = tone[None, None, :] - blur_known(co, sk, 0.12 * ew)
        darker = _lum(gap) > 1e-6                               # only where darker than the cheek
        out[by0:by1, bx0:bx1] += amount * (band * darker)[..., None] * gap
    return out


def _layers(image: np.ndarray, face, parsing) -> dict:
    """The crop as float, its coarse layer and its labels (what every amount shares)."""
    I = face_crop(image, parsing).astype(np.float32) * (1.0 / 255.0)
    return dict(I=I, coarse=cv2.GaussianBlur(I, (0, 0), COARSE_SIGMA), labels=parsing.labels_full())


def _shine_parts(face, parsing, base: dict) -> tuple:
    labels, I = base["labels"], base["I"]
    # forehead, nose and cheeks: not the lids and the brow bone round the eyes
    region = np.isin(labels, (P.SKIN, P.NOSE)).astype(np.uint8)
    lm = face.landmarks68 - (parsing.x0, parsing.y0)
    for eye in (lm[36:42], lm[42:48]):
        c = eye.mean(0)
        ew = float(np.linalg.norm(eye[3] - eye[0]))
        cv2.ellipse(region, (int(round(c[0])), int(round(c[1] - 0.2 * ew))),
                    (int(round(0.95 * ew)), int(round(0.75 * ew))), 0, 0, 360, 0, -1)
    where = feathered_mask(region > 0, feather=0.01 * face.size)
    return shine_layers(I, base["coarse"], np.isin(labels, (P.SKIN, P.NOSE)), face.size), where


def _under_eye_unit(face, parsing, base: dict) -> np.ndarray:
    """The under-eye change at amount 1 (the change is linear in the amount)."""
    skin = feathered_mask(base["labels"] == P.SKIN, feather=0.01 * face.size)
    return under_eye_change(base["I"], base["coarse"], skin > 0.5, face.landmarks68, parsing.x0, parsing.y0,
                            1.0) * skin[..., None]


def _gathered(image: np.ndarray, face, parsing) -> dict:
    """The pixels a retouch can change (a shine weight or the under-eye band, on the skin and
    the nose) and what the two amounts act on there, gathered: a slider step works on these
    only, and only these are kept across a drag (the face-sized layers are dropped)."""
    base = _layers(image, face, parsing)
    layers, where = _shine_parts(face, parsing, base)
    unit = _under_eye_unit(face, parsing, base)
    labels = base["labels"]
    moving = (((layers[3] * where) > 0) | (unit != 0).any(-1)) & np.isin(labels, (P.SKIN, P.NOSE))
    idx = np.flatnonzero(moving)
    n = moving.size
    flat = lambda a: a.reshape(n)[idx] if a.ndim == 2 else a.reshape(n, -1)[idx]  # noqa: E731
    return dict(idx=idx, I=flat(base["I"]), coarse=flat(base["coarse"]), shine=tuple(flat(a) for a in layers),
                where=flat(where), eye=flat(unit), nose=flat(labels) == P.NOSE)


def apply_region(image: np.ndarray, face, *, preview: bool = False, progress=None, cache=None,
                 shine: float = 0.5, under_eye: float = 0.5) -> Patch:
    parsing = face.parsing_for(image)
    shine, under_eye = float(np.clip(shine, 0, 1)), float(np.clip(under_eye, 0, 1))
    crop = face_crop(image, parsing)
    if shine <= 0 and under_eye <= 0:
        return Patch(crop.copy(), parsing.x0, parsing.y0)
    # a slider drag changes only an amount: what it acts on is kept for the same photo and face
    key = (float(face.size), np.asarray(face.landmarks68, np.float64).tobytes())
    act = _gathered(image, face, parsing) if cache is None else \
        cache.get((image, parsing, face), key, lambda: _gathered(image, face, parsing), slot="retouch")
    change = np.zeros_like(act["I"])
    if shine > 0:
        change += shine_change(act["coarse"], act["shine"], shine) * act["where"][:, None]
    if under_eye > 0:
        change += under_eye * act["eye"]
    if shine <= 0:
        change[act["nose"]] = 0.0                   # the nose has shine to take back, no under-eye
    out8 = crop.copy()
    # (elsewhere the change is 0 and (I + 0) * 255 rounds back to the crop's own value)
    out8.reshape(-1, 3)[act["idx"]] = np.clip((act["I"] + change) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return Patch(out8, parsing.x0, parsing.y0)


def apply(image: np.ndarray, face, **params) -> np.ndarray:
    return apply_region(image, face, **params).paste(image)
