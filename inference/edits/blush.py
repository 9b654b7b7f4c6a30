"""Blush (or contour) on the cheekbones, placed from the mesh, with a soft falloff.

Each cheek gets an elliptical Gaussian: for blush centred between the apple of the cheek and
the cheekbone below the eye's outer half, its long axis towards the top of the ear; for
contour, a narrower one in the hollow below the cheekbone. It is kept to the parsing's skin
(ramped off the nose, lips, eyes and hair) and laid in Lab: a/b towards the colour's,
lightness towards its L relative to the local mean, so pores and fine shading stay."""
from __future__ import annotations

import numpy as np

from inference import parsing as P
from inference.edits.base import EditCache, Patch
from inference.edits.spec import CHOICE, COLOUR, FLOAT, Command, EditError, Param
from inference.makeup import layers, regions

NAME = "blush"
TITLE = "Blush"
MODES = ("blush", "contour")
PRESETS = ("#d9777a", "#e08a8a", "#c9605e", "#d98a6a", "#b8666e", "#a0705a", "#8a6450")
PARAMS = [
    Param("color", "Colour", COLOUR, default="#d9777a", required=True, choices=PRESETS,
          metavar="'#RRGGBB'", help="blush colour '#RRGGBB'"),
    Param("amount", "Amount", FLOAT, default=0.5, neutral=0.0, range=(0.0, 1.0), step=0.01,
          metavar="0..1", help="opacity 0..1 (default 0.5)"),
    Param("mode", "Placement", CHOICE, default="blush", choices=MODES,
          help="blush on the cheekbone (default) or contour below it"),
]
CHANGES_GEOMETRY = False
PREVIEW_IS_RESULT = True
CLI = Command("blush", "blush or contour on the cheekbones")

OPACITY = 0.6
L_SHARE = 0.5


class BlushError(EditError):
    """No cheek to put it on."""


def is_identity(amount: float = 0.5, **_) -> bool:
    return amount <= 0


def ellipse(a: regions.Area, face, side: str, mode: str) -> np.ndarray:
    """The soft elliptical spot (float32 0..1, area coordinates) of one cheek."""
    apple, bone, under_eye, ear = a.local(face.mesh[list(regions.CHEEK[side])])
    centre = 0.55 * apple + 0.35 * bone + 0.1 * under_eye
    axis = ear - apple
    length = float(np.linalg.norm(axis))
    u = axis / max(length, 1e-6)
    v = np.array([-u[1], u[0]])
    if v[1] < 0:
        v = -v                                    # v points down the face
    ra, rb = 0.65 * length, 0.42 * length
    if mode == "contour":
        centre = centre + 0.35 * length * u + 0.45 * length * v
        rb = 0.22 * length
    h, w = a.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    dx, dy = xs - centre[0], ys - centre[1]
    p, q = (dx * u[0] + dy * u[1]) / ra, (dx * v[0] + dy * v[1]) / rb
    return np.exp(-1.5 * (p * p + q * q)).astype(np.float32)


class _Prepared:
    def __init__(self, image: np.ndarray, face):
        self.area = a = regions.cheeks_area(image, face)
        self.face = face
        self.crop8 = a.crop(image)
        skin = a.mask(P.SKIN)
        if skin.sum() < 50:
            raise BlushError("no cheek skin is visible on this face")
        self.lab = layers.to_lab(self.crop8)
        r = max(1.5, 0.02 * face.size)
        off = layers.soft_around(a.mask(P.NOSE, P.UPPER_LIP, P.LOWER_LIP, P.INNER_MOUTH, P.LEFT_EYE,
                                        P.RIGHT_EYE, P.LEFT_BROW, P.RIGHT_BROW), r)
        off = np.maximum(off, layers.soft_around(a.mask(P.HAIR, P.BACKGROUND), max(1.0, 0.5 * r)))
        keep = (1 - off) * skin
        self.keep = keep.astype(np.float32)
        self.local_l = layers.local_mean(self.lab[..., 0], skin, max(2.0, 0.04 * face.size))
        self._spots: dict = {}

    def spots(self, mode: str) -> np.ndarray:
        if mode not in self._spots:
            m = np.maximum(ellipse(self.area, self.face, "left", mode), ellipse(self.area, self.face, "right", mode))
            self._spots[mode] = m * self.keep
        return self._spots[mode]


def _prepare(image, face, cache: EditCache | None) -> _Prepared:
    if cache is None:
        return _Prepared(image, face)
    return cache.get((image, face), (), lambda: _Prepared(image, face), slot="blush")


def coverage(image: np.ndarray, face, mode: str = "blush") -> tuple[regions.Area, np.ndarray]:
    """(area, coverage at amount 1): where the blush goes (for measures and makeup transfer)."""
    prep = _Prepared(image, face)
    return prep.area, OPACITY * prep.spots(mode)


def apply_region(image: np.ndarray, face, *, preview: bool = False, progress=None, cache: EditCache | None = None,
                 color: str = "#d9777a", amount: float = 0.5, mode: str = "blush") -> Patch:
    prep = _prepare(image, face, cache)
    a = prep.area
    if is_identity(amount):
        return Patch(prep.crop8.copy(), a.x0, a.y0)
    w = amount * OPACITY * prep.spots(mode)
    target = layers.colour_lab(color)
    out = layers.tint_where(prep.crop8, prep.lab, w, target, target[0] - prep.local_l, L_SHARE)
    return Patch(out, a.x0, a.y0)


def apply(image: np.ndarray, face, **params) -> np.ndarray:
    return apply_region(image, face, **params).paste(image)
