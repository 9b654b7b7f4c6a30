"""Eyelashes drawn procedurally along the lids.

Each lash is a tapered curve grown from a point of the mesh's upper-lid contour: it leaves
along the contour's normal (away from the eye, from the mesh), fanned towards the outer corner
at the outer end and slightly inwards at the inner end, and bends further away from the eye
by ``curl`` (a quadratic curve). Lashes are longest a third of the way in from the outer
corner. Roots, lengths and angles are jittered from a fixed seed, so the result is
deterministic. All lashes are drawn at 3x and averaged down (anti-aliased strands under a
pixel wide), cut off the parsing's eye opening, and laid over as paint: nothing is drawn
above them. Lower lashes, optional, are fewer, shorter and point down."""
from __future__ import annotations

import numpy as np

from inference import parsing as P
from inference.edits.base import EditCache, Patch
from inference.edits.spec import BOOL, COLOUR, FLOAT, Command, EditError, Param
from inference.makeup import layers, regions

NAME = "lashes"
TITLE = "Lashes"
PARAMS = [
    Param("length", "Length", FLOAT, default=0.5, neutral=0.0, range=(0.0, 1.0), step=0.01,
          metavar="0..1", help="lash length 0..1 (default 0.5; 0 none)"),
    Param("density", "Density", FLOAT, default=0.5, range=(0.0, 1.0), step=0.01, metavar="0..1",
          help="how many lashes 0..1 (default 0.5)"),
    Param("curl", "Curl", FLOAT, default=0.5, range=(0.0, 1.0), step=0.01, metavar="0..1",
          help="how far they bend away from the eye 0..1 (default 0.5)"),
    Param("lower", "Lower lashes", BOOL, default=False, help="lower lashes too"),
    Param("color", "Colour", COLOUR, default="#120e0e", choices=("#120e0e", "#2a1c14", "#1a2030"),
          metavar="'#RRGGBB'", help="lash colour (default near black)"),
]
CHANGES_GEOMETRY = False
PREVIEW_IS_RESULT = True
CLI = Command("lashes", "procedural eyelashes along the upper (and lower) lids")

LENGTH = (0.015, 0.06)   # length 0 .. 1: the longest lash, x face size (from LENGTH[0])
COUNT = (20, 80)         # density 0 .. 1: lashes per upper lid
WIDTH = 0.0035           # root width, x face size (at least 0.7 px)
SUPERSAMPLE = 3
SEED = 21
OPACITY = 0.92


class LashesError(EditError):
    """No eye to put lashes on."""


def is_identity(length: float = 0.5, **_) -> bool:
    return length <= 0


def _rot(v: np.ndarray, ang: np.ndarray) -> np.ndarray:
    c, s = np.cos(ang), np.sin(ang)
    return np.stack([v[:, 0] * c - v[:, 1] * s, v[:, 0] * s + v[:, 1] * c], -1)


def strands(lid: np.ndarray, away: np.ndarray, size: float, length: float, density: float, curl: float,
            rng: np.random.Generator, scale: float = 1.0, count_scale: float = 1.0) -> list[np.ndarray]:
    """Tapered lash outlines along ``lid`` (outer -> inner corner), growing on ``away``'s side."""
    n = max(3, int(round((COUNT[0] + (COUNT[1] - COUNT[0]) * density) * count_scale)))
    contour = regions.resample(lid, 65)
    normals = regions.normals(contour, away)
    s = np.clip((np.arange(n) + 0.5 + rng.uniform(-0.35, 0.35, n)) / n, 0.02, 0.98) * 0.96 + 0.02
    idx = s * 64
    i0 = np.floor(idx).astype(int).clip(0, 63)
    f = (idx - i0)[:, None]
    root = contour[i0] * (1 - f) + contour[i0 + 1] * f
    nrm = normals[i0] * (1 - f) + normals[i0 + 1] * f
    nrm /= np.linalg.norm(nrm, axis=1, keepdims=True)
    tangent_out = contour[0] - contour[-1]                      # towards the outer corner
    tangent_out /= max(np.linalg.norm(tangent_out), 1e-6)
    # fan: outer lashes lean outwards, inner ones a little inwards
    lean = np.radians(40) * (0.55 - s) + np.radians(5) * rng.standard_normal(n)
    sign = -np.sign(nrm[:, 0] * tangent_out[1] - nrm[:, 1] * tangent_out[0])   # turns towards the outer corner
    d0 = _rot(nrm, lean * sign)
    L = (LENGTH[0] + (LENGTH[1] - LENGTH[0]) * length) * size * scale
    prof = 0.45 + 0.55 * np.exp(-((s - 0.3) / 0.4) ** 2)
    Ls = L * prof * (1 + 0.12 * rng.standard_normal(n)).clip(0.7, 1.3)
    bend = (0.1 + 0.6 * curl) * np.where(lean >= 0, 1.0, -0.5)       # the tip bends on round its lean
    d1 = _rot(d0, bend * sign)
    w0 = max(0.7, WIDTH * size) * np.sqrt(scale)
    t = np.linspace(0, 1, 9)[None, :, None]                         # all lashes at once
    p0 = (root - nrm * 0.3 * w0)[:, None]
    p1 = (root + d0 * 0.5 * Ls[:, None])[:, None]
    p2 = p1 + (d1 * 0.5 * Ls[:, None])[:, None]
    c = (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t * t * p2       # (n, 9, 2)
    tan = np.gradient(c, axis=1)
    side = np.stack([-tan[..., 1], tan[..., 0]], -1)
    side /= np.maximum(np.linalg.norm(side, axis=-1, keepdims=True), 1e-9)
    half = 0.5 * w0 * ((1 - t) ** 0.9 + 0.04)
    return list(np.concatenate([c + side * half, (c - side * half)[:, ::-1]], axis=1))


class _Prepared:
    def __init__(self, image: np.ndarray, face):
        self.area = a = regions.eyes_area(image, face)
        self.crop8 = a.crop(image)
        eyes = a.mask(P.LEFT_EYE, P.RIGHT_EYE)
        if eyes.sum() < 8:
            raise LashesError("no eye is visible on this face")
        # the opening: the parsing's eyes and the mesh's eye contours
        self.keep = layers.keep_off(eyes | regions.eye_opening(a, face, "left") | regions.eye_opening(a, face, "right"))
        up = regions.face_up(face)
        self.lids = {(s, "upper"): (a.local(face.mesh[regions.UPPER_LID[s]]), up) for s in regions.SIDES}
        self.lids.update({(s, "lower"): (a.local(face.mesh[regions.LOWER_LID[s]])[::-1], -up) for s in regions.SIDES})


def _prepare(image, face, cache: EditCache | None) -> _Prepared:
    if cache is None:
        return _Prepared(image, face)
    return cache.get((image, face), (), lambda: _Prepared(image, face), slot="lashes")


def apply_region(image: np.ndarray, face, *, preview: bool = False, progress=None, cache: EditCache | None = None,
                 length: float = 0.5, density: float = 0.5, curl: float = 0.5, lower: bool = False,
                 color: str = "#120e0e") -> Patch:
    prep = _prepare(image, face, cache)
    a = prep.area
    if is_identity(length):
        return Patch(prep.crop8.copy(), a.x0, a.y0)
    polys: list[np.ndarray] = []
    for k, (side, which) in enumerate(sorted(prep.lids)):
        if which == "lower" and not lower:
            continue
        rng = np.random.default_rng(SEED + k)
        lid, away = prep.lids[(side, which)]
        if which == "upper":
            polys += strands(lid, away, face.size, length, density, curl, rng)
        else:
            polys += strands(lid, away, face.size, length, density, 0.2 * curl, rng, scale=0.35, count_scale=0.4)
    # drawn on the lashes' own box only (two small boxes cost less than the area between)
    out = prep.crop8.copy()
    for group in (polys[:len(polys) // 2], polys[len(polys) // 2:]) if not lower else (polys,):
        if not group:
            continue
        allp = np.concatenate(group)
        x0, y0 = np.maximum(np.floor(allp.min(0)).astype(int) - 2, 0)
        x1, y1 = np.minimum(np.ceil(allp.max(0)).astype(int) + 3, (a.shape[1], a.shape[0]))
        if x1 <= x0 or y1 <= y0:
            continue
        box = (slice(y0, y1), slice(x0, x1))
        alpha = layers.polygon_coverage([p - (x0, y0) for p in group], (y1 - y0, x1 - x0), OPACITY,
                                        supersample=SUPERSAMPLE) * prep.keep[box]
        sel = alpha > 0
        sub = out[box]
        painted = layers.overlay(sub[sel].astype(np.float32), layers.hex_rgb(color), alpha[sel])
        out[box] = layers.to_uint8(painted, sub, sel)
    return Patch(out, a.x0, a.y0)


def apply(image: np.ndarray, face, **params) -> np.ndarray:
    return apply_region(image, face, **params).paste(image)
