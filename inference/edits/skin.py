"""Skin smoothing: edge-aware smoothing inside the skin, with the fine texture added back.

Inside the face's skin (skin + nose classes), the crop is smoothed by the recursive filter
(domain transform, csrc/), then a fraction of the fine texture ``I - Gauss_sigma=2(I)`` is added
back so pores survive; the result is blended in through a mask that fades from 0 at the skin's
edge (brows, eyes, lips, face outline) to 1 inside. Pixels outside the skin are untouched.
"""
from __future__ import annotations

import cv2
import numpy as np

from inference import parsing as P
from inference.edits.base import Patch, face_crop, feathered_mask
from inference.faces import Face, analyse
from inference.ops.recursive_filter import recursive_filter

NAME = "skin"
TITLE = "Skin smoothing"
DEFAULTS = {"strength": 0.5}
CHANGES_GEOMETRY = False

TEXTURE_KEPT = 0.35       # fraction of I - Gauss(I) added back
TEXTURE_SIGMA = 2.0
SIGMA_R = 0.12            # range sigma on [0, 1] colours: skin blotches are below, features above


def is_identity(strength: float = DEFAULTS["strength"]) -> bool:
    """True when the parameters leave the photo unchanged."""
    return float(strength) <= 0.0


def apply_region(image: np.ndarray, face: Face, strength: float = DEFAULTS["strength"]) -> Patch:
    """The smoothed crop around ``face`` (uint8) and where it goes in ``image``."""
    strength = float(np.clip(strength, 0.0, 1.0))
    analyse(image, face)
    parsing = face.parsing
    crop = face_crop(image, parsing)
    if strength == 0.0:
        return Patch(crop.copy(), parsing.x0, parsing.y0)
    I = crop.astype(np.float32) * (1.0 / 255.0)
    sigma_s = face.size * (0.01 + 0.05 * strength)
    S = recursive_filter(I, sigma_s=sigma_s, sigma_r=SIGMA_R, iterations=3)
    texture = I - cv2.GaussianBlur(I, (0, 0), TEXTURE_SIGMA)
    smoothed = S + TEXTURE_KEPT * texture
    alpha = strength * feathered_mask(parsing.mask(P.SKIN, P.NOSE), feather=0.03 * face.size)
    out = I + alpha[..., None] * (smoothed - I)
    out8 = np.clip(out * 255.0 + 0.5, 0, 255).astype(np.uint8)
    out8[alpha <= 0] = crop[alpha <= 0]  # exactly untouched outside the skin
    return Patch(out8, parsing.x0, parsing.y0)


def apply(image: np.ndarray, face: Face, strength: float = DEFAULTS["strength"]) -> np.ndarray:
    """Pure edit: a new image with the face's skin smoothed."""
    return apply_region(image, face, strength).paste(image)
