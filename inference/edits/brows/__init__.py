"""Eyebrow editing on the real brow, at full resolution: remove, recolour, thicken or thin,
reshape (arch, lift, tail) and transfer from a reference photo.

Everything happens in a region round the brows (region.py). Removing fills the brow, grown
by its stray hairs, with skin: the smooth layer by a membrane (Laplace) fill from round it and
the fine layer copied from nearby skin (fill.py). A change of shape removes the brow the same
way and draws it again as a layer sampled through one backward map: its control points
(landmarks 17-21 / 22-26) moved by moving least squares with the eyes pinned, its thickness
scaled about its spine (shape.py). Colour moves the hairs' a/b towards the target in Lab and
shifts their L, keeping the hairs' texture (colour.py). A reference's brow is carried onto
this face through the dense mesh, which has the same vertices on both faces (transfer.py).
"""
from __future__ import annotations

import cv2
import numpy as np

from inference.edits.base import EditCache, Patch
from inference.edits.brows import colour, fill, region, shape, transfer
from inference.imaging import soft_inside
from inference.makeup.layers import soft_around
from inference.edits.spec import BOOL, CHOICE, COLOUR, FLOAT, INT, PHOTO, Command, EditError, Param

NAME = "brows"
TITLE = "Brows"
SIDES = ("both", "left", "right")
PARAMS = [
    Param("remove", "Remove", BOOL, default=False, help="remove the brow (skin in its place)"),
    Param("color", "Colour", COLOUR, default=None, choices=tuple(colour.PRESETS.values()),
          metavar="'#RRGGBB'", help="recolour the brow hairs to this colour"),
    Param("amount", "Amount", FLOAT, default=1.0, range=(0.0, 1.0), step=0.01,
          metavar="0..1", help="how far the recolour goes, 0..1 (default 1)"),
    Param("thickness", "Thickness", FLOAT, default=0.0, range=(-1.0, 1.0), step=0.01,
          metavar="-1..1", help="thicken (> 0) or thin (< 0) the brow, -1..1"),
    Param("arch", "Arch", FLOAT, default=0.0, range=(-1.0, 1.0), step=0.01,
          metavar="-1..1", help="raise (> 0) or flatten the peak, by A x 0.15 of the brow's length"),
    Param("lift", "Lift", FLOAT, default=0.0, range=(-1.0, 1.0), step=0.01,
          metavar="-1..1", help="move the whole brow up (> 0) or down, by L x 0.1 of its length"),
    Param("tail", "Tail", FLOAT, default=0.0, range=(-1.0, 1.0), step=0.01,
          metavar="-1..1", help="tilt the outer third up (> 0) or down"),
    Param("reference", "Reference", PHOTO, metavar="REF", help="a photo whose brow to transfer"),
    Param("ref_face", "Reference face", INT, default=0, range=(0, 20), step=1, metavar="M",
          help="face number in the reference's `faces` order (default 0)"),
    Param("match_hair", "Match hair colour", BOOL, default=False,
          help="recolour a transferred brow to this face's hair"),
    Param("side", "Side", CHOICE, default="both", choices=SIDES,
          help="both brows (default), or the one on the image's left / right"),
]
CHANGES_GEOMETRY = False
PREVIEW_IS_RESULT = True      # computed on the brows' region at full size, fast enough to drag
CLI = Command("brows", "edit the eyebrows: remove, recolour, thicken or thin, reshape, transfer")

FEATHER = 0.25                # x brow thickness: the own brow layer's edge fades over this
TINT_EDGE = 0.45              # x brow thickness: a tint's stain fades over this past the brow's mask


class BrowError(EditError):
    """The brows cannot be edited as asked (no brow visible, an unusable reference)."""


def is_identity(remove: bool = False, color: str | None = None, amount: float = 1.0, thickness: float = 0.0,
                arch: float = 0.0, lift: float = 0.0, tail: float = 0.0, reference: str | None = None,
                **_) -> bool:
    return not remove and (not color or amount <= 0) and not reference and \
        all(abs(v) < 1e-9 for v in (thickness, arch, lift, tail))


class _Prepared:
    """What every step of a drag shares: the region, the removal masks, the brows removed."""

    def __init__(self, image: np.ndarray, face, sides: tuple[str, ...]):
        self.region = region.find(image, face, sides)
        x0, y0 = self.region.x0, self.region.y0
        h, w = self.region.shape
        self.crop8 = image[y0:y0 + h, x0:x0 + w]
        self.crop = self.crop8.astype(np.float32)
        brows = self.region.brows.values()
        self.holes = {b.side: fill.removal_mask(self.region.labels, b, b.thickness) for b in brows}
        # (and the sparse hairs of its fringe: left beside the fill, they draw the brow's outline)
        self.holes = {b.side: fill.with_fringe(self.holes[b.side], self.region, b) for b in brows}
        self.hole = np.zeros((h, w), bool)
        for m in self.holes.values():
            self.hole |= m
        self.thickness = float(np.mean([b.thickness for b in brows])) if brows else 1.0
        self._clean: np.ndarray | None = None

    @property
    def clean(self) -> np.ndarray:
        if self._clean is None:
            self._clean = fill.fill_skin(self.crop, self.hole, self.region.labels, self.thickness,
                                         self.region.up, self.region.dark(), self.region.lid_colour(self.crop))
        return self._clean


def _prepare(image, face, sides, cache: EditCache | None) -> _Prepared:
    if cache is None:
        return _Prepared(image, face, sides)
    return cache.get((image, face), sides, lambda: _Prepared(image, face, sides), slot="region")


def _reference(path: str, index: int, cache: EditCache | None) -> transfer.Reference:
    import os
    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError:
        stamp = None
    if cache is None:
        return transfer.load_reference(path, index)
    return cache.get((), (path, index, stamp), lambda: transfer.load_reference(path, index), slot="reference")


def apply_region(image: np.ndarray, face, *, preview: bool = False, progress=None, cache: EditCache | None = None,
                 remove: bool = False, color: str | None = None, amount: float = 1.0, thickness: float = 0.0,
                 arch: float = 0.0, lift: float = 0.0, tail: float = 0.0, reference: str | None = None,
                 ref_face: int = 0, match_hair: bool = False, side: str = "both") -> Patch:
    """The brows' region of ``image`` with the brows of ``face`` edited."""
    sides = ("left", "right") if side == "both" else (side,)
    prep = _prepare(image, face, sides, cache)
    reg = prep.region
    if not reg.brows:
        raise BrowError("no brow is visible on this face (hair over it, or turned away)")
    if is_identity(remove, color, amount, thickness, arch, lift, tail, reference):
        return Patch(prep.crop8.copy(), reg.x0, reg.y0)
    if progress:
        progress(0.1)
    reshaped = any(abs(v) > 1e-9 for v in (thickness, arch, lift, tail))
    tint = bool(color) and amount > 0
    hairs = np.zeros(reg.shape, np.float32)
    for b in reg.brows.values():
        hairs = np.maximum(hairs, b.hairs * b.mask)
    if reference:
        ref = _reference(reference, ref_face, cache)
        layer, alpha = transfer.layer(reg, face, ref, sides)
        if match_hair:
            own = _own_hair(image, face)
            layer = transfer.match_colour(layer, alpha, own)
        base = prep.clean
    elif remove:
        layer, alpha, base = None, None, prep.clean
    elif reshaped:
        area = soft_inside(prep.hole, FEATHER * prep.thickness)
        changes = {s: (shape.moved_points(b, arch, lift, tail), 1.0 + shape.THICK * thickness)
                   for s, b in reg.brows.items()}
        kept = list(region.EYES) + [i for s in ("left", "right") if s not in reg.brows for i in region.LANDMARKS[s]]
        pinned = face.landmarks68[kept] - (reg.x0, reg.y0)
        mx, my = shape.backward_map(reg, changes, pinned)
        layer = cv2.remap(prep.crop, mx, my, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
        alpha = cv2.remap(area, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        hairs = cv2.remap(hairs, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        base = prep.clean
    else:  # colour only: on the brow as it is
        layer, base, alpha = prep.crop, None, None
    if tint and layer is not None:
        if reference:
            tw = alpha
        elif alpha is None:   # the brow where it is: the skin of its mask and its hairs, with the
            # fringe's stray hairs removal would take (thin dark lines: not the shading round it)
            brow = np.zeros(reg.shape, bool)
            for b in reg.brows.values():
                brow |= b.mask
                hairs = np.maximum(hairs, np.minimum(b.darkness, b.thin) * prep.holes[b.side])
            lashes = np.logical_or.reduce([b.lashes for b in reg.brows.values()])   # (the eye's: no stain)
            tw = colour.weights(soft_around(brow, max(1.5, TINT_EDGE * prep.thickness)) * ~lashes,
                                soft_around(prep.hole, max(1.5, 0.15 * prep.thickness)), hairs)
        else:
            tw = colour.weights(alpha, alpha, hairs)
        layer = colour.recolour(layer, tw, color, amount)
    if base is None:
        out = layer
    elif layer is None:
        out = base
    else:
        a = alpha[..., None]
        out = base * (1 - a) + layer * a
    out8 = np.clip(out + 0.5, 0, 255).astype(np.uint8)
    same = np.all(np.abs(out - prep.crop) < 0.5, axis=-1)
    out8[same] = prep.crop8[same]          # exactly untouched where nothing changed
    return Patch(out8, reg.x0, reg.y0)


def _own_hair(image: np.ndarray, face) -> np.ndarray | None:
    from inference import parsing as P
    p = face.parsing_for(image)
    hair = p.mask(P.HAIR)
    if hair.sum() < 50:
        return None
    crop = image[p.y0:p.y0 + p.height, p.x0:p.x0 + p.width]
    return crop[hair].astype(np.float32).mean(0)


def apply(image: np.ndarray, face, **params) -> np.ndarray:
    return apply_region(image, face, **params).paste(image)
