"""Lip colour with a finish (matte, satin, gloss), on the parsing's lips at full resolution.

The lips' a/b move towards the colour's and their lightness shifts by the colour's L minus
the lips' mean, so the lip lines and the lips' own shading ride on top unchanged. The
coverage is the parsing's lips blurred by a fraction of a pixel to a few pixels (by face
size) and cut off hard at the inner mouth, so teeth and tongue are never coloured, an open
mouth included; at the mouth's corners, where the lips taper into shadow, the mesh's corner
wedges close the coverage. The finish works on the lips' own light: a smooth map of where the lips are
brightest (their top decile, kept off the edges) is raised and desaturated for gloss, a
little for satin, and pressed down for matte; the fine lightness detail modulates it, so the
highlight follows the lips' shape and texture instead of being a painted blob."""
from __future__ import annotations

import cv2
import numpy as np

from inference import mesh_topology as topo
from inference import parsing as P
from inference.edits.base import EditCache, Patch
from inference.edits.spec import CHOICE, COLOUR, FLOAT, Command, EditError, Param
from inference.makeup import layers, regions

NAME = "lips"
TITLE = "Lip colour"
FINISHES = ("matte", "satin", "gloss")
PRESETS = ("#b03040", "#8e2a3a", "#c8505a", "#d98080", "#a0453c", "#6e2335", "#e0607e", "#9a5a4e")
PARAMS = [
    Param("color", "Colour", COLOUR, default="#b03040", required=True, choices=PRESETS,
          metavar="'#RRGGBB'", help="lip colour '#RRGGBB'"),
    Param("amount", "Amount", FLOAT, default=0.8, neutral=0.0, range=(0.0, 1.0), step=0.01,
          metavar="0..1", help="how far the lips go to the colour, 0..1 (default 0.8)"),
    Param("finish", "Finish", CHOICE, default="satin", choices=FINISHES,
          help="matte, satin (default) or gloss"),
]
CHANGES_GEOMETRY = False
PREVIEW_IS_RESULT = True
CLI = Command("lips", "lip colour with a matte, satin or gloss finish")

FEATHER = (0.004, 0.8, 3.0)     # edge blur sigma: x face size, clipped to [0.8, 3] px
L_SHARE = 0.6                   # how much of the colour's lightness the lips take (more: the lip line's
                                # edge shows as a step in the lips' texture)
EDGE_GAIN = 1.6                 # the parsing's lips run a little small (labelled lips: ~15 % larger)
INNER_GAP = 0.01               # the coverage eases in over this (x face size) from the inner mouth
GROW_OUT, GROW_IN = 0.025, 0.008   # the lip line looked for this far (x face size) past the parsing's lips
CORNER_SPAN = 0.2               # the corner wedge: this share of the mouth's width from each corner
CORNER_OUT = 0.006              # ... closed this far (x face size) past the mesh's corner
GLOSS = {"matte": -0.5, "satin": 0.35, "gloss": 1.0}
HIGHLIGHT_L = 0.45              # gloss 1 lifts the brightest part this share of the way to white


class LipsError(EditError):
    """No lips to colour (covered, turned away)."""


def _dist(mask: np.ndarray) -> np.ndarray:
    """Distance (px) to ``mask`` from each pixel off it."""
    return cv2.distanceTransform(np.pad((~mask).astype(np.uint8), 1, constant_values=1), cv2.DIST_L2, 3)[1:-1, 1:-1]


def lip_likeness(lab: np.ndarray, lips: np.ndarray, other: np.ndarray, reach: float,
                 split: bool = False, both: bool = False, d_out: np.ndarray | None = None,
                 d_in: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(where, likeness): how lip-like (0..1) each pixel along the line between the lips and
    ``other`` is, within ``reach`` px of it on the other's side (and the lips' own side too
    with ``both``): nearer the lips' median Lab than the other part's (chroma counts twice),
    fading out with distance on the other's side. ``split``: the other part has two looks
    (the inner mouth: teeth and the dark cavity). ``d_out`` / ``d_in``: the distances to the
    lips / to ``other`` (:func:`_dist`), when known."""
    out = np.zeros(lips.shape, np.float32)
    reach = max(reach, 1.0)
    d_out = _dist(lips) if d_out is None else d_out
    d_in = _dist(other) if d_in is None else d_in
    cand = (other & (d_out <= reach)) | ((lips & (d_in <= reach)) if both else False)
    far = other & (d_out > reach)
    if not cand.any() or lips.sum() < 12:
        return cand, out
    wts = np.array([1.0, 2.0, 2.0], np.float32)
    lip_ref = np.median(lab[lips & ~cand] if (lips & ~cand).sum() >= 12 else lab[lips], axis=0)
    ref_px = lab[far] if far.sum() >= 12 else lab[other]
    if split:
        med = np.median(ref_px[:, 0])
        refs = [np.median(ref_px[ref_px[:, 0] >= med], axis=0), np.median(ref_px[ref_px[:, 0] < med], axis=0)]
    else:
        refs = [np.median(ref_px, axis=0)]
    px = lab[cand]
    d_lip = np.linalg.norm((px - lip_ref) * wts, axis=1)
    d_other = np.min([np.linalg.norm((px - r) * wts, axis=1) for r in refs], axis=0)
    q = d_other / np.maximum(d_lip + d_other, 1e-6)
    fade = np.where(lips[cand], 1.0, layers.smoothstep(1.25 - d_out[cand] / reach))
    out[cand] = layers.smoothstep((q - 0.4) / 0.25) * fade
    return cand, out


def corner_wedges(a: regions.Area, face) -> np.ndarray:
    """Anti-aliased coverage of the mouth's two corner wedges (area coordinates): the mesh's
    upper and lower outer lip contours over their last CORNER_SPAN of the mouth's width from
    each corner, closed at the corner pushed CORNER_OUT x face size further along the mouth."""
    up, lo = topo.LIPS_OUTER_UPPER, topo.LIPS_OUTER_LOWER[::-1]      # both left corner -> right corner
    pu, pl = a.local(face.mesh[up])[:, :2], a.local(face.mesh[lo])[:, :2]
    width = float(np.linalg.norm(pu[-1] - pu[0]))
    polys = []
    for end in (0, -1):
        c = pu[end]
        axis = (c - pu[len(pu) // 2]) / max(np.linalg.norm(c - pu[len(pu) // 2]), 1e-6)
        keep = lambda q: q[np.linalg.norm(q - c, axis=1) <= CORNER_SPAN * width]   # noqa: E731
        u = keep(pu if end == 0 else pu[::-1])
        l_ = keep(pl if end == 0 else pl[::-1])
        polys.append(np.vstack([u[::-1], (c + axis * CORNER_OUT * face.size)[None], l_]))
    return layers.polygon_coverage(polys, a.shape)


def is_identity(amount: float = 0.8, **_) -> bool:
    return amount <= 0


class _Prepared:
    """Every step of a drag shares these: the area, the coverage, the lips' Lab and light."""

    def __init__(self, image: np.ndarray, face):
        self.area = a = regions.lips_area(image, face)
        self.crop8 = a.crop(image)
        lips = a.mask(*regions.LIPS)
        if lips.sum() < 12:
            raise LipsError("no lips are visible on this face")
        inner = a.mask(P.INNER_MOUTH)
        lab = layers.to_lab(self.crop8)
        grown = lips.astype(np.float32)
        to_lips, to_inner = _dist(lips), _dist(inner)     # (the likeness, the corners, the teeth test)
        where, like = lip_likeness(lab, lips, a.mask(P.SKIN), GROW_OUT * face.size, d_out=to_lips)
        grown[where] = like[where]
        where, like = lip_likeness(lab, lips, inner, GROW_IN * face.size, split=True, d_out=to_lips, d_in=to_inner)
        grown[where] = like[where]
        inward = np.where(inner, grown, 0)
        # the mouth's corners: the lips taper into the corner's shadow, where colour cannot tell
        # them from skin; the mesh's corner wedge (its outer contours' last stretch) closes them
        corners = corner_wedges(a, face) * (to_lips <= GROW_OUT * face.size)   # as far as colour may
        grown = np.where(inner, grown, np.maximum(grown, corners))
        # teeth the parsing took for lip along the mouth's line: much lighter and greyer
        near = lips & (to_inner <= max(1.0, GROW_IN * face.size))
        if near.any():
            ref = np.median(lab[lips], axis=0)
            chroma = np.hypot(lab[..., 1], lab[..., 2])
            teeth = layers.smoothstep((lab[..., 0] - ref[0] - 10) / 10) * \
                layers.smoothstep(1 - chroma / max(0.6 * float(np.hypot(ref[1], ref[2])), 1.0))
            grown[near] *= 1 - teeth[near]
        sigma = float(np.clip(FEATHER[0] * face.size, FEATHER[1], FEATHER[2]))
        # the outline smoothed (pixel-wise colour decisions leave a ragged lip line)
        shape = cv2.GaussianBlur(grown, (0, 0), max(1.0, 0.006 * face.size))
        grown = np.where(inner & (inward < 0.5), 0, layers.smoothstep((shape - 0.3) / 0.4)).astype(np.float32)
        alpha = cv2.GaussianBlur(grown, (0, 0), sigma) if sigma > 0.05 else grown
        alpha = np.minimum(alpha * EDGE_GAIN, 1.0)        # the ramp's middle half a sigma out
        alpha[inner & (inward < 0.5)] = 0.0                  # teeth, tongue: never
        if inner.any():   # the parsing's lip line at the mouth is uncertain by a pixel or two
            alpha *= layers.smoothstep(_dist(inner & (inward < 0.5)) / max(1.0, INNER_GAP * face.size))
        alpha[alpha < 1 / 512] = 0.0
        ys, xs = np.nonzero(alpha)
        self.box = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
        self.alpha = alpha[self.box]
        self.lab = lab[self.box]
        L = self.lab[..., 0]
        core = lips[self.box]
        self.mean_l = float(L[self.alpha > 0.5].mean())
        # the lips' own light: smooth lightness, its top decile ramped in, off the edges
        smooth = cv2.GaussianBlur(L, (0, 0), max(1.0, 0.006 * face.size))
        q85, q99 = np.percentile(smooth[core], (85, 99.5))
        inside = cv2.distanceTransform(np.pad(core.astype(np.uint8), 1), cv2.DIST_L2, 3)[1:-1, 1:-1]
        keep_off_edge = layers.smoothstep(inside / max(2.0, 0.012 * face.size))
        spec = layers.smoothstep((smooth - q85) / max(q99 - q85, 1.0)) ** 1.5
        fine = np.clip((L - smooth) / 6.0, -0.6, 0.6)           # texture shapes the highlight
        self.spec = (spec * (1 + fine) * keep_off_edge).astype(np.float32)
        self.above = np.maximum(smooth - self.mean_l, 0).astype(np.float32)


def _prepare(image, face, cache: EditCache | None) -> _Prepared:
    if cache is None:
        return _Prepared(image, face)
    return cache.get((image, face), (), lambda: _Prepared(image, face), slot="lips")


def apply_region(image: np.ndarray, face, *, preview: bool = False, progress=None, cache: EditCache | None = None,
                 color: str = "#b03040", amount: float = 0.8, finish: str = "satin") -> Patch:
    """The lips' area of ``image`` with the lips of ``face`` coloured."""
    prep = _prepare(image, face, cache)
    a = prep.area
    if is_identity(amount):
        return Patch(prep.crop8.copy(), a.x0, a.y0)
    target = layers.colour_lab(color)
    w = amount * prep.alpha
    lab = layers.tint(prep.lab, w, target, target[0] - prep.mean_l, w * L_SHARE)
    g = GLOSS[finish] * amount * prep.spec
    if g.any():
        L = lab[..., 0]
        if GLOSS[finish] > 0:     # a highlight: lighter towards white, less coloured
            L += g * HIGHLIGHT_L * np.maximum(97.0 - L, 0)
            lab[..., 1:] *= (1 - 0.3 * np.clip(g, 0, 1))[..., None]
        else:                     # matte: the shine pressed down towards the lips' mean
            L += g * prep.above
        np.clip(L, 0, 100, out=L)
    out = prep.crop8.copy()
    out[prep.box] = layers.to_uint8(np.clip(layers.from_lab(lab), 0, 255), prep.crop8[prep.box])
    return Patch(out, a.x0, a.y0)


def apply(image: np.ndarray, face, **params) -> np.ndarray:
    return apply_region(image, face, **params).paste(image)
