"""Skin smoothing: edge-aware smoothing inside the skin, with the fine texture added back.

Inside the face's skin (skin + nose classes; the neck too when asked), the crop is smoothed by the recursive filter
(domain transform, csrc/), then a fraction of the fine texture (the part of the removed detail
``D = I - S`` finer than Gauss_sigma=2: ``D - Gauss_2(D)``) is added back so pores survive; the result is blended in through a mask that fades from 0 at the skin's
edge (brows, eyes, lips, face outline) to 1 inside. Pixels outside the skin are untouched.
"""
from __future__ import annotations

import cv2
import numpy as np

from inference import parsing as P
from inference.edits.base import Patch, face_crop, feathered_mask
from inference.edits.spec import BOOL, FLOAT, Command, Param
from inference.faces import Face
from inference.facial_hair import facial_hair
from inference.imaging import wide_blur
from inference.ops.recursive_filter import recursive_filter

NAME = "skin"
TITLE = "Skin smoothing"
DEFAULT_STRENGTH = 0.5
PARAMS = [Param("strength", "Strength", FLOAT, default=DEFAULT_STRENGTH, neutral=0.0, range=(0.0, 1.0), step=0.01,
                help="0..1 (default 0.5)"),
          # None (the CLI without --texture): as before the slider existed, a fraction that
          # falls with the strength (0.5 - 0.3 x strength); the GUI's slider starts at 1
          Param("texture", "Texture", FLOAT, default=None, neutral=1.0, range=(0.0, 1.0), step=0.01,
                help="0..1: how much of the fine texture (pores) the smoothing keeps, 0 = smooth, "
                     "1 = all (default: 0.5 - 0.3 x strength)"),
          # off by default: the neck is its own class (issue 23), and smoothing it is a choice
          Param("neck", "Neck too", BOOL, default=False, help="smooth the neck's skin as well")]
CHANGES_GEOMETRY = False
PREVIEW_IS_RESULT = True     # fast enough at full size: the preview on screen is the edit
CLI = Command("smooth", "smooth the skin of a face")

TEXTURE_SIGMA = 2.0      # the fine texture is I - Gauss_2(I)
GUIDE_SIGMA = 0.01       # x face size: the edges that stop smoothing come from a slightly blurred
                         # copy, so pores and noise do not count as edges but features do


def is_identity(strength: float = DEFAULT_STRENGTH, **_) -> bool:
    """True when the parameters leave the photo unchanged."""
    return float(strength) <= 0.0


def apply_region(image: np.ndarray, face: Face, *, preview: bool = False, progress=None, cache=None,
                 strength: float = DEFAULT_STRENGTH, texture: float | None = None, neck: bool = False) -> Patch:
    """The smoothed crop around ``face`` (uint8) and where it goes in ``image``. Fast enough
    at full size for a live preview, so ``preview`` changes nothing."""
    strength = float(np.clip(strength, 0.0, 1.0))
    parsing = face.parsing_for(image)
    crop = face_crop(image, parsing)
    if strength == 0.0:
        return Patch(crop.copy(), parsing.x0, parsing.y0)

    def layers():
        I = crop.astype(np.float32) * (1.0 / 255.0)
        # a beard, a moustache, stubble: hair, not skin to smooth (the parsing calls it skin)
        hair = facial_hair(crop, parsing.labels_full(), face, parsing.x0, parsing.y0)
        guide = wide_blur(I, max(1.0, GUIDE_SIGMA * face.size))
        S = recursive_filter(I, sigma_s=face.size * (0.02 + 0.06 * strength), sigma_r=0.08 + 0.12 * strength,
                             iterations=3, guide=guide)
        # Add back part of the fine texture the smoothing took away (its band below
        # Gauss_2), not of the photo's: a light smoothing plus the photo's own texture would
        # sharpen instead.
        removed = I - S
        fine = removed - cv2.GaussianBlur(removed, (0, 0), TEXTURE_SIGMA)
        # Small strengths fade the edit in, so the slider starts from the untouched photo.
        classes = (P.SKIN, P.NOSE, P.NECK) if neck else (P.SKIN, P.NOSE)
        alpha = min(1.0, 2.0 * strength) * feathered_mask(parsing.mask(*classes), feather=0.03 * face.size)
        alpha *= 1.0 - hair
        return I, S, fine, alpha

    # a drag of the texture slider shares the smoothing of one strength (and of these landmarks:
    # the facial hair is found from them)
    key = (strength, float(face.size), bool(neck), np.asarray(face.landmarks68).tobytes())
    I, S, fine, alpha = (layers() if cache is None else
                         cache.get((image, parsing), key, layers, slot="skin_layers"))
    if texture is None:      # as before the slider: bit-identical to it
        smoothed = S + (0.5 - 0.3 * strength) * fine
        out = I + alpha[..., None] * (smoothed - I)
        out8 = np.clip(out * 255.0 + 0.5, 0, 255).astype(np.uint8)
        out8[alpha <= 0] = crop[alpha <= 0]  # exactly untouched outside the skin
        return Patch(out8, parsing.x0, parsing.y0)

    def split():
        # the result is smooth + texture x fine, both in 8-bit units: a slider step is one
        # multiply-add and a conversion
        a = alpha[..., None]
        smooth = (I + a * (S - I)) * 255.0 + 0.5
        grain = (a * fine) * 255.0
        return smooth, grain, np.broadcast_to((alpha <= 0)[..., None], crop.shape)

    smooth, grain, outside = (split() if cache is None else
                              cache.get((image, parsing), key, split, slot="skin_split"))
    out = cv2.scaleAdd(grain, float(np.clip(texture, 0.0, 1.0)), smooth)
    np.clip(out, 0, 255, out=out)
    out8 = out.astype(np.uint8)
    np.copyto(out8, crop, where=outside)  # exactly untouched outside the skin
    return Patch(out8, parsing.x0, parsing.y0)


def apply(image: np.ndarray, face: Face, strength: float = DEFAULT_STRENGTH, **kw) -> np.ndarray:
    """Pure edit: a new image with the face's skin smoothed."""
    return apply_region(image, face, strength=strength, **kw).paste(image)
