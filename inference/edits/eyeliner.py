"""Eyeliner along the upper lid contour, with a wing at the outer corner.

The liner is a band on the mesh's upper-lid contour: it starts a little below the contour (so
it meets the lashes' line where the parsing's eye edge lies lower) and rises by its thickness,
thin at the inner corner and fuller towards the outer one; the wing leaves the outer corner
along the lid's direction turned up by ``angle``. The shape is drawn anti-aliased at 1/16 px
and cut off the parsing's eye opening with a one-pixel ramp, then laid over as paint."""
from __future__ import annotations

import numpy as np

from inference import parsing as P
from inference.edits.base import EditCache, Patch
from inference.edits.spec import COLOUR, FLOAT, Command, EditError, Param
from inference.makeup import layers, regions

NAME = "eyeliner"
TITLE = "Eyeliner"
PRESETS = ("#141012", "#3a2418", "#1c2a4a", "#2e3a2a", "#4a2a4a")
PARAMS = [
    Param("thickness", "Thickness", FLOAT, default=0.4, neutral=0.0, range=(0.0, 1.0), step=0.01,
          metavar="0..1", help="liner thickness 0..1 (default 0.4; 0 none)"),
    Param("wing", "Wing", FLOAT, default=0.3, range=(0.0, 1.0), step=0.01, metavar="0..1",
          help="wing length at the outer corner 0..1 (default 0.3)"),
    Param("angle", "Wing angle", FLOAT, default=20.0, range=(0.0, 45.0), step=1.0, unit="°",
          metavar="0..45", help="the wing's rise above the lid's line, degrees (default 20)"),
    Param("color", "Colour", COLOUR, default="#141012", choices=PRESETS, metavar="'#RRGGBB'",
          help="liner colour (default near black)"),
]
CHANGES_GEOMETRY = False
PREVIEW_IS_RESULT = True
CLI = Command("eyeliner", "eyeliner along the upper lids, with a wing")

THICK = 0.03            # thickness 1: this x face size at the outer end
WING = 0.10             # wing 1: this x face size long
OPACITY = 0.95
N = 33


class EyelinerError(EditError):
    """No eye to line."""


def is_identity(thickness: float = 0.4, **_) -> bool:
    return thickness <= 0


def shape(a: regions.Area, face, side: str, thickness: float, wing: float, angle: float) -> np.ndarray:
    """The liner's outline (area coordinates): the base under the lid inner -> outer, the
    wing's tip, the top outer -> inner."""
    lid = regions.resample(a.local(face.mesh[regions.UPPER_LID[side]]), N)     # outer -> inner
    up = regions.face_up(face)
    n = regions.normals(lid, up)
    s = np.linspace(0, 1, N)[:, None]
    t = thickness * THICK * face.size * (0.3 + 0.7 * (1 - s) ** 0.7)
    t = np.maximum(t, 0.6)
    base = lid - n * np.maximum(0.35 * t, 0.5)
    top = lid + n * t
    pts = [base[::-1]]
    if wing > 0:
        d = lid[0] - lid[-1]          # the eye's axis, inner -> outer corner
        d /= max(np.linalg.norm(d), 1e-6)
        c = np.cos(np.radians(angle))
        sn = np.sin(np.radians(angle))
        # turned towards up
        r1 = np.array([d[0] * c - d[1] * sn, d[0] * sn + d[1] * c])
        r2 = np.array([d[0] * c + d[1] * sn, -d[0] * sn + d[1] * c])
        r = r1 if r1 @ up > r2 @ up else r2
        tip = lid[0] + r * wing * WING * face.size
        pts.append(tip[None])
    pts.append(top)
    return np.vstack(pts)


class _Prepared:
    def __init__(self, image: np.ndarray, face):
        self.area = a = regions.eyes_area(image, face)
        self.face = face
        self.crop8 = a.crop(image)
        eyes = a.mask(P.LEFT_EYE, P.RIGHT_EYE)
        if eyes.sum() < 8:
            raise EyelinerError("no eye is visible on this face")
        # the opening: the parsing's eyes and the mesh's eye contours
        self.keep = layers.keep_off(eyes | regions.eye_opening(a, face, "left") | regions.eye_opening(a, face, "right"))


def _prepare(image, face, cache: EditCache | None) -> _Prepared:
    if cache is None:
        return _Prepared(image, face)
    return cache.get((image, face), (), lambda: _Prepared(image, face), slot="eyeliner")


def apply_region(image: np.ndarray, face, *, preview: bool = False, progress=None, cache: EditCache | None = None,
                 thickness: float = 0.4, wing: float = 0.3, angle: float = 20.0, color: str = "#141012") -> Patch:
    prep = _prepare(image, face, cache)
    a = prep.area
    if is_identity(thickness):
        return Patch(prep.crop8.copy(), a.x0, a.y0)
    polys = [shape(a, face, s, thickness, wing, angle) for s in regions.SIDES]
    alpha = layers.polygon_coverage(polys, a.shape, OPACITY) * prep.keep
    sel = alpha > 0
    out = layers.overlay(prep.crop8[sel].astype(np.float32), layers.hex_rgb(color), alpha[sel])
    return Patch(layers.to_uint8(out, prep.crop8, sel), a.x0, a.y0)


def apply(image: np.ndarray, face, **params) -> np.ndarray:
    return apply_region(image, face, **params).paste(image)
