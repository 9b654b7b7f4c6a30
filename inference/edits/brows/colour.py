"""Recolouring brow hairs in Lab: a/b moved towards the target's, L shifted by the difference
of means so the hairs' light-and-dark texture is kept."""
from __future__ import annotations

import cv2
import numpy as np

from inference.makeup.layers import from_lab, hex_rgb, to_lab  # noqa: F401  (re-exported for the brows)

PRESETS = {            # what the colour button offers (the user may pick any colour)
    "black": "#1c1a19", "dark brown": "#3b2a20", "brown": "#6a4a32",
    "auburn": "#7a3b22", "blonde": "#b08d5e", "grey": "#8a8682",
}
SKIN_SHARE = 0.9       # the skin between the hairs takes this much of the hue (a tint stains it)


def weights(skin_area: np.ndarray, hair_area: np.ndarray, hairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(hue weight, lightness weight) per pixel: the hairs (within ``hair_area``) take the
    colour fully; the skin between them (within ``skin_area``, the brow's own mask) its hue
    at SKIN_SHARE but none of its lightness, which would paint the brow into a solid bar."""
    t = np.clip(hairs * 1.5, 0, 1)
    hair = cv2.GaussianBlur(t * t * (3 - 2 * t), (0, 0), 0.8) * hair_area   # no hard steps on faint brows
    return np.maximum(skin_area * SKIN_SHARE, hair).astype(np.float32), hair.astype(np.float32)


def recolour(rgb: np.ndarray, w: np.ndarray | tuple[np.ndarray, np.ndarray], colour: str, amount: float) -> np.ndarray:
    """``rgb`` (h, w, 3) float32 0..255 with the weighted pixels moved towards ``colour``: a/b
    towards its a/b by the hue weight, L shifted by (its L - the hairs' mean L) times the
    lightness weight. ``w``: one weight for both, or (hue, lightness)."""
    w_ab, w_l = w if isinstance(w, tuple) else (w, w)
    ys, xs = np.nonzero(w_ab > 0)
    if amount <= 0 or len(ys) == 0:
        return rgb
    box = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))   # only where it acts
    out = rgb.copy()
    out[box] = _recolour(rgb[box], w_ab[box], w_l[box], colour, amount)
    return out


def _recolour(rgb: np.ndarray, w_ab: np.ndarray, w_l: np.ndarray, colour: str, amount: float) -> np.ndarray:
    lab = to_lab(rgb)
    target = to_lab(hex_rgb(colour)[None, None])[0, 0]
    sel = w_l > 0.5 * w_l.max() if (w_l > 0).any() else w_ab > 0.5 * w_ab.max()
    mean_l = float(lab[..., 0][sel].mean())
    lab[..., 0] += amount * w_l * (target[0] - mean_l)
    lab[..., 1:] += (amount * w_ab)[..., None] * (target[1:] - lab[..., 1:])
    lab[..., 0] = np.clip(lab[..., 0], 0, 100)
    return np.clip(from_lab(lab), 0, 255)
