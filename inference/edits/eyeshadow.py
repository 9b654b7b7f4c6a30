"""Eyeshadow on the upper lids, placed from the mesh, kept off the eyes and the brows.

Each lid's band runs from the mesh's upper-lid contour up towards the brow's lower edge, a
share of the way set by ``height`` (less at the inner corner). ``placement`` weights it: the
whole lid, the crease (strongest across the fold, lighter at the lashes), or the outer corner
(fading in from the inner third, reaching past the corner). The band is blurred by a quarter
of its height for a soft falloff, then cut off the eyes' openings (the parsing's eyes and the
mesh's contour) and the brows with a short ramp. The colour is laid in Lab: a/b towards the
shadow's, lightness towards its L relative to the local mean, so the lid's texture stays."""
from __future__ import annotations

import cv2
import numpy as np

from inference import parsing as P
from inference.edits.base import EditCache, Patch
from inference.edits.spec import CHOICE, COLOUR, FLOAT, Command, EditError, Param
from inference.makeup import layers, regions

NAME = "eyeshadow"
TITLE = "Eyeshadow"
PLACEMENTS = ("lid", "crease", "outer")
PRESETS = ("#8a5a44", "#5b3a5e", "#3e4f6e", "#6b6b3a", "#c08a6a", "#2e2a2a", "#a06a8a", "#b89070")
PARAMS = [
    Param("color", "Colour", COLOUR, default="#8a5a44", required=True, choices=PRESETS,
          metavar="'#RRGGBB'", help="shadow colour '#RRGGBB'"),
    Param("amount", "Amount", FLOAT, default=0.6, neutral=0.0, range=(0.0, 1.0), step=0.01,
          metavar="0..1", help="opacity 0..1 (default 0.6)"),
    Param("height", "Height", FLOAT, default=0.5, range=(0.0, 1.0), step=0.01, metavar="0..1",
          help="how far towards the brow, 0..1 (default 0.5)"),
    Param("placement", "Placement", CHOICE, default="lid", choices=PLACEMENTS,
          help="lid (default), crease or outer corner"),
]
CHANGES_GEOMETRY = False
PREVIEW_IS_RESULT = True
CLI = Command("eyeshadow", "eyeshadow on the upper lids (lid, crease or outer corner)")

OPACITY = 0.85          # amount 1 covers this much
L_SHARE = 0.6           # and takes this share of the colour's lightness
REACH = (0.3, 0.55)     # the band reaches REACH[0] + REACH[1] x height of the way to the brow
N_ALONG, N_ACROSS = 16, 6


class EyeshadowError(EditError):
    """No eye to put it on."""


def is_identity(amount: float = 0.6, **_) -> bool:
    return amount <= 0


def _weight(placement: str, s: float, t: float) -> float:
    """s: 0 outer corner .. 1 inner corner; t: 0 lid contour .. 1 the band's top."""
    if placement == "crease":
        return 0.35 + 0.65 * float(np.exp(-((t - 0.6) / 0.3) ** 2))
    if placement == "outer":
        return (0.15 + 0.85 * (1 - s) ** 1.5) * (1 - 0.3 * t)
    return 1 - 0.3 * t


def band(a: regions.Area, face, side: str, height: float, placement: str) -> np.ndarray:
    """The soft band (float32, area coordinates) of one lid, before the cut-offs."""
    lid = regions.resample(a.local(face.mesh[regions.UPPER_LID[side]]), N_ALONG + 1)
    brow = regions.resample(a.local(face.mesh[regions.BROW_LOWER[side]]), N_ALONG + 1)
    s = np.linspace(0, 1, N_ALONG + 1)
    gap = (brow - lid) * ((REACH[0] + REACH[1] * height) * (1 - 0.4 * s ** 2))[:, None]
    out_dir = lid[0] - lid[2]
    out_dir /= max(np.linalg.norm(out_dir), 1e-6)
    reach_out = 0.35 if placement == "outer" else 0.15
    g0 = float(np.linalg.norm(gap[0]))
    # one more column past the outer corner: the shadow does not stop dead at the corner
    lid = np.vstack([lid[:1] + out_dir * reach_out * g0 + 0.15 * gap[:1], lid])
    gap = np.vstack([gap[:1] * 0.6, gap])
    s = np.concatenate([[0.0], s])
    sigma = max(0.8, 0.25 * float(np.linalg.norm(gap, axis=1).mean()))
    k = max(1, int(sigma // 1.5))          # drawn at 1/k: it is blurred by sigma anyway
    h, w = a.shape
    small = (-(-h // k), -(-w // k))
    m = np.zeros(small, np.float32)
    for j in range(N_ACROSS):
        t0, t1 = j / N_ACROSS, (j + 1) / N_ACROSS
        for i in range(len(s) - 1):
            q = np.array([lid[i] + t0 * gap[i], lid[i + 1] + t0 * gap[i + 1],
                          lid[i + 1] + t1 * gap[i + 1], lid[i] + t1 * gap[i]])
            wt = _weight(placement, 0.5 * (s[i] + s[i + 1]), 0.5 * (t0 + t1))
            pts = np.round(((q + 0.5) / k - 0.5) * 16).astype(np.int32).reshape(-1, 1, 2)
            cv2.fillPoly(m, [pts], wt, lineType=cv2.LINE_8, shift=4)
    m = cv2.GaussianBlur(m, (0, 0), sigma / k)
    if k > 1:
        m = cv2.resize(m, (small[1] * k, small[0] * k), interpolation=cv2.INTER_LINEAR)[:h, :w]
    return m


class _Prepared:
    def __init__(self, image: np.ndarray, face):
        self.area = a = regions.eyes_area(image, face)
        self.face = face
        self.crop8 = a.crop(image)
        self.lab = layers.to_lab(self.crop8)
        opening = regions.eye_opening(a, face, "left") | regions.eye_opening(a, face, "right")
        if opening.sum() < 8:
            raise EyeshadowError("no eye is visible on this face")
        brows = a.mask(P.LEFT_BROW, P.RIGHT_BROW)
        off = np.maximum(layers.soft_around(opening, max(1.0, 0.008 * face.size)),
                         layers.soft_around(brows, max(1.5, 0.02 * face.size)))
        off = np.maximum(off, a.mask(P.HAIR, P.BACKGROUND).astype(np.float32))
        keep = 1 - off
        keep[opening | brows] = 0
        self.keep = keep.astype(np.float32)
        skin = a.mask(P.SKIN)
        self.local_l = layers.local_mean(self.lab[..., 0], skin, max(2.0, 0.03 * face.size))
        self._bands: dict = {}

    def bands(self, height: float, placement: str) -> np.ndarray:
        key = (round(height, 4), placement)
        if key not in self._bands:
            if len(self._bands) > 8:
                self._bands.clear()
            m = np.maximum(band(self.area, self.face, "left", height, placement),
                           band(self.area, self.face, "right", height, placement))
            self._bands[key] = np.clip(m, 0, 1) * self.keep
        return self._bands[key]


def _prepare(image, face, cache: EditCache | None) -> _Prepared:
    if cache is None:
        return _Prepared(image, face)
    return cache.get((image, face), (), lambda: _Prepared(image, face), slot="eyeshadow")


def coverage(image: np.ndarray, face, height: float = 0.5, placement: str = "lid") -> tuple[regions.Area, np.ndarray]:
    """(area, coverage at amount 1): where the shadow goes (for measures and makeup transfer)."""
    prep = _Prepared(image, face)
    return prep.area, OPACITY * prep.bands(height, placement)


def apply_region(image: np.ndarray, face, *, preview: bool = False, progress=None, cache: EditCache | None = None,
                 color: str = "#8a5a44", amount: float = 0.6, height: float = 0.5, placement: str = "lid") -> Patch:
    prep = _prepare(image, face, cache)
    a = prep.area
    if is_identity(amount):
        return Patch(prep.crop8.copy(), a.x0, a.y0)
    w = amount * OPACITY * prep.bands(height, placement)
    target = layers.colour_lab(color)
    out = layers.tint_where(prep.crop8, prep.lab, w, target, target[0] - prep.local_l, L_SHARE)
    return Patch(out, a.x0, a.y0)


def apply(image: np.ndarray, face, **params) -> np.ndarray:
    return apply_region(image, face, **params).paste(image)
