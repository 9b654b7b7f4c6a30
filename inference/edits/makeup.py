"""Makeup transfer from a reference photo, per region, at full resolution, without weights
(Liu 2017 §5.5; Guo & Sim, "digital face makeup by example").

1. Dense alignment: both faces share the mesh's vertices, so each pixel of the target face
   samples the reference where the same point of the face lies (piecewise affine, triangle by
   triangle); a triangle the reference shows edge-on or from behind samples the mirror side of
   the reference face instead (a reference turned away), not a smear.
2. Layers in Lab: lightness = structure (the edge-aware recursive filter, csrc/) + detail; colour
   = a, b. The target keeps its own detail (its texture); what moves is colour and structure.
3. Per region, soft masks from the target's parsing, and only where the aligned reference pixel
   is of the same kind (its lips onto these lips, its skin onto this skin):
   - lips: the reference's a/b and lip structure (colour, shading, gloss); the inner mouth never;
   - eyes: the band of skin between eye and brow (eyeshadow, liner's spread): a/b and structure;
     iris, sclera and brows never; a band the reference draws smaller than its twin on the other
     side (its far eye, turned away: squeezed, in the side of the head's shade) takes the twin's
     makeup, mirrored through the mesh;
   - skin: foundation (a/b towards the reference's) and the makeup's layout (blush, contour: the
     structure's variation about its own broad lighting, so the reference's light and shadows
     do not come along); *keep skin tone* moves only that variation, not the base tone.
4. Strength: one amount, one per region, and which regions.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import cv2
import numpy as np

from inference import mesh_raster
from inference import parsing as P
from inference.edits.base import EditCache, Patch
from inference.edits.reference import reference_face
from inference.edits.spec import BOOL, CHOICES, FLOAT, INT, PHOTO, Command, Param
from inference.facial_hair import hair_map
from inference.imaging import blur_known, soft_inside, wide_blur
from inference.makeup.layers import from_lab, soft_around, to_lab
from inference.ops.recursive_filter import recursive_filter

NAME = "makeup"
TITLE = "Makeup transfer"
REGIONS = ("skin", "lips", "eyes")
PARAMS = [
    Param("reference", "Reference", PHOTO, cli=None, help="a photo of a face wearing the makeup"),
    Param("amount", "Amount", FLOAT, default=1.0, range=(0.0, 1.0), step=0.01, metavar="0..1",
          help="how much of the makeup, 0..1 (default 1)"),
    Param("regions", "Regions", CHOICES, default=REGIONS, choices=REGIONS, metavar="skin,lips,eyes",
          help="which regions take the makeup (default all three)"),
    Param("skin", "Skin", FLOAT, default=1.0, range=(0.0, 1.0), step=0.01, metavar="A",
          help="the skin's amount (foundation, blush, contour), 0..1"),
    Param("lips", "Lips", FLOAT, default=1.0, range=(0.0, 1.0), step=0.01, metavar="A", help="the lips' amount, 0..1"),
    Param("eyes", "Eyes", FLOAT, default=1.0, range=(0.0, 1.0), step=0.01, metavar="A",
          help="the eyeshadow band's amount, 0..1"),
    Param("keep_skin_tone", "Keep skin tone", BOOL, default=False,
          help="move only what the makeup changes on the skin (blush, contour), not its base tone"),
    Param("ref_face", "Reference face", INT, default=0, range=(0, 20), step=1, metavar="M",
          help="face number in the reference's `faces` order (default 0)"),
]
CHANGES_GEOMETRY = False
PREVIEW_IS_RESULT = True
CLI = Command("makeup", "transfer makeup from a reference photo", positional=("reference",))

STRUCTURE_SIGMA = 0.02   # x face size: the recursive filter's reach for the structure layer
BROAD = 0.12             # x face size: the broad lighting a skin's makeup layout is measured about
FEATHER = 0.008          # x face size: region edges fade over this
SKIN_SMOOTH = 0.015      # x face size: the skin's makeup (foundation, blush, contour) is taken this smooth,
                         # so the two faces' own features (pores, a nose's edge) do not come along
SKIN_LAYOUT = 0.6        # of the skin's structure variation: the rest is the faces' shapes, not makeup
MAX_BASE_L, MAX_BASE_AB = 10.0, 8.0   # L*, ab: the most foundation moves a skin's base tone
MAX_EYE_L = 16.0         # L*: the most two skins' mean lightness may differ by in the eyes' band
WORK_SIDE = 1024         # px: the makeup is worked out on a copy of the face box at most this big
EDGE = 0.05              # x face size: the skin's makeup fades out over this at the mesh's edge (forehead)
NOT_SKIN = 35.0          # Lab distance from the reference's median skin past which its pixel is not skin
TURNED = 15.0            # degrees: a reference turned further shows its far side's makeup mirrored
# A reference's eye band drawn smaller than its mirror twin (the other eye's band, through the
# mesh's mirror map) is turned away from the camera: fewer pixels, the shading of the side of the
# head (a 41-degree reference's far band and far cheek are both 19 L darker than the near ones:
# light, not makeup), the nose over its inner corner, the background past the face's outline at
# its outer one. Under SEEN_OWN of the twin's size, its makeup is blended towards the twin's
# (mirrored), all the twin's from SEEN_NONE down. Frontal faces measure 0.84-1.0 (a 5-degree turn
# already draws the far band 15 % smaller) and keep each eye's own makeup.
SEEN_OWN = 0.8
SEEN_NONE = 0.5          # about a 28-degree turn


def is_identity(reference: str | None = None, amount: float = 1.0, **_) -> bool:
    return not reference or amount <= 0


@dataclass
class _Reference:
    image: np.ndarray
    mesh: np.ndarray
    labels: np.ndarray     # photo-sized parsing labels
    size: float
    yaw: float


def _load_reference(path: str, index: int) -> _Reference:
    img, f = reference_face(path, index)
    return _Reference(img, f.mesh, f.parsing_for(img).full(*img.shape[:2]), f.size, f.pose.yaw)


def _structure(L: np.ndarray, size: float) -> np.ndarray:
    """The lightness's structure layer (L 0..100 in, out): edge-aware smoothing."""
    x = np.ascontiguousarray(L[..., None] / 100.0, np.float32)
    out = recursive_filter(x, sigma_s=max(2.0, STRUCTURE_SIGMA * size), sigma_r=0.08, iterations=3)
    return np.asarray(out).reshape(L.shape) * 100.0


def _grown(mask: np.ndarray, r: float) -> np.ndarray:
    k = max(1, int(round(r)))
    return cv2.dilate(mask.astype(np.uint8), np.ones((2 * k + 1, 2 * k + 1), np.uint8)).astype(np.float32)


def _labels_at(parsing, origin: tuple[int, int], k: float, shape: tuple[int, int]) -> np.ndarray:
    """The parsing's labels over a box at ``origin`` scaled by ``k`` (its scores resized to that
    scale and compared there: no photo-sized label map for a 12 MP photo)."""
    h, w = shape
    out = np.zeros((h, w), np.uint8)
    pw, ph = max(1, round(parsing.width * k)), max(1, round(parsing.height * k))
    lab = P.running_argmax(cv2.resize(sc, (pw, ph), interpolation=cv2.INTER_LINEAR) for sc in parsing.scores)
    ox, oy = round((parsing.x0 - origin[0]) * k), round((parsing.y0 - origin[1]) * k)
    sx0, sy0 = max(0, -ox), max(0, -oy)
    dx0, dy0 = max(0, ox), max(0, oy)
    cw, ch = min(pw - sx0, w - dx0), min(ph - sy0, h - dy0)
    if cw > 0 and ch > 0:
        out[dy0:dy0 + ch, dx0:dx0 + cw] = lab[sy0:sy0 + ch, sx0:sx0 + cw]
    return out


_BAND_LANDMARKS = ((range(36, 42), range(17, 22)), (range(42, 48), range(22, 27)))   # image left, right


def _band_hulls(lm: np.ndarray, x0: float = 0, y0: float = 0) -> list[np.ndarray]:
    """Each eye's band outline (image left, right): the hull of the eye's and the brow's landmarks."""
    return [cv2.convexHull(np.round(np.concatenate([lm[list(e)], lm[list(b)]]) - (x0, y0)).astype(np.int32))
            for e, b in _BAND_LANDMARKS]


def _eye_band(labels: np.ndarray, lm: np.ndarray, x0: int, y0: int) -> np.ndarray:
    """Skin between each eye and its brow: the hull of the eye's and the brow's landmarks."""
    band = np.zeros(labels.shape, np.uint8)
    for hull in _band_hulls(lm, x0, y0):
        cv2.fillConvexPoly(band, hull, 1)
    return band.astype(bool) & (labels == P.SKIN)


def band_visibility(target_pts: np.ndarray, ref_pts: np.ndarray, bands: list[np.ndarray]) -> list[float]:
    """Per eye band of the target (``bands``: bool maps in ``target_pts``' frame): how large the
    reference draws that band's mesh triangles against their mirror twins' (about 1 frontal,
    under 1 for the reference's far eye, over 1 for its near one; a triangle seen from behind
    counts nothing). The faces' own shapes cancel: both bands are the same reference's skin."""
    tris = mesh_raster.triangles()
    mirror = mesh_raster.mirror_index(len(ref_pts))
    t_pts, r_pts = np.asarray(target_pts)[:, :2], np.asarray(ref_pts)[:, :2]
    out = []
    for band in bands:
        h, w = band.shape
        cx, cy = np.round(t_pts[tris].mean(1)).astype(int).T
        ok = (cx >= 0) & (cx < w) & (cy >= 0) & (cy < h)
        inside = tris[ok][band[cy[ok], cx[ok]]]          # the triangles whose centre lies in the band
        area = mesh_raster.signed_areas
        seen = [np.clip(area(r_pts, t) * np.sign(area(t_pts, t)), 0, None).sum() for t in (inside, mirror[inside])]
        out.append(float(seen[0] / seen[1]) if seen[1] > 0 else 1.0)
    return out


class _Prepared:
    """What a drag's steps share: both faces' layers over the target's face box."""

    def __init__(self, image: np.ndarray, face, ref: _Reference):
        H, W = image.shape[:2]
        pts = face.mesh[:, :2]
        m = 0.02 * face.size
        x0, y0 = int(max(0, np.floor(pts[:, 0].min() - m))), int(max(0, np.floor(pts[:, 1].min() - m)))
        x1, y1 = int(min(W, np.ceil(pts[:, 0].max() + m))), int(min(H, np.ceil(pts[:, 1].max() + m)))
        self.x0, self.y0 = x0, y0
        self.crop8 = image[y0:y1, x0:x1]
        self.lab_full = to_lab(self.crop8.astype(np.float32))
        H0, W0 = self.crop8.shape[:2]
        # the makeup is worked out on a copy of at most WORK_SIDE px (what moves is smooth: colour
        # and structure), and added to the photo's own lightness and colour at full resolution
        k = min(1.0, WORK_SIDE / max(H0, W0))
        self.k = k
        h, w = max(1, round(H0 * k)), max(1, round(W0 * k))
        work = cv2.resize(self.crop8, (w, h), interpolation=cv2.INTER_AREA) if k < 1 else self.crop8
        labels = _labels_at(face.parsing_for(image), (x0, y0), k, (h, w))
        pts = (pts - (x0, y0)) * k
        s = face.size * k
        lm = (face.landmarks68 - (x0, y0)) * k
        mx, my, covered = mesh_raster.correspondence_map(pts, ref.mesh[:, :2], (h, w),
                                                         mirror_hidden=abs(ref.yaw) > TURNED)
        ref_rgb = cv2.remap(ref.image, mx, my, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
        ref_lab_label = cv2.remap(ref.labels, mx, my, cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        self.lab_t = to_lab(work.astype(np.float32))
        self.lab_r = to_lab(ref_rgb.astype(np.float32))
        self.S_t = _structure(self.lab_t[..., 0], s)
        self.S_r = _structure(self.lab_r[..., 0], s)
        feather = max(1.0, FEATHER * s)
        # the eyes' makeup: each band's own, or its mirror twin's where the reference shows it better
        sides = [cv2.fillConvexPoly(np.zeros((h, w), np.uint8), hull, 1).astype(bool) for hull in _band_hulls(lm)]
        twin = np.zeros((h, w), np.float32)         # per band: how much of its makeup is the twin's
        for side, seen in zip(sides, band_visibility(pts, ref.mesh, sides)):
            twin[side] = float(np.clip((SEEN_OWN - seen) / (SEEN_OWN - SEEN_NONE), 0, 1))
        skin_r = np.isin(ref_lab_label, (P.SKIN, P.NOSE))
        eye_skin_r = skin_r.astype(np.float32)
        self.eye_lab_r, self.eye_S_r = self.lab_r, self.S_r
        if twin.any():
            # the twin's samples over the bands' box only (with room for the structure filter's reach)
            ys, xs = np.nonzero(twin)
            pad = int(3 * max(2.0, STRUCTURE_SIGMA * s)) + 2
            bx0, by0 = max(0, xs.min() - pad), max(0, ys.min() - pad)
            bx1, by1 = min(w, xs.max() + pad + 1), min(h, ys.max() + pad + 1)
            box = np.s_[by0:by1, bx0:bx1]
            ref_mirrored = ref.mesh[mesh_raster.mirror_index(len(ref.mesh)), :2]
            mxm, mym, _ = mesh_raster.correspondence_map(pts - (bx0, by0), ref_mirrored, (by1 - by0, bx1 - bx0))
            lab_m = to_lab(cv2.remap(ref.image, mxm, mym, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE).astype(np.float32))
            label_m = cv2.remap(ref.labels, mxm, mym, cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
            t = twin[box]
            self.eye_lab_r, self.eye_S_r = self.lab_r.copy(), self.S_r.copy()
            self.eye_lab_r[box] = self.lab_r[box] * (1 - t[..., None]) + lab_m * t[..., None]
            self.eye_S_r[box] = self.S_r[box] * (1 - t) + _structure(lab_m[..., 0], s) * t
            eye_skin_r[box] = eye_skin_r[box] * (1 - t) + np.isin(label_m, (P.SKIN, P.NOSE)) * t
        lips_t = np.isin(labels, (P.UPPER_LIP, P.LOWER_LIP)) & covered
        lips_r = np.isin(ref_lab_label, (P.UPPER_LIP, P.LOWER_LIP))
        band = (sides[0] | sides[1]) & (labels == P.SKIN) & covered    # _eye_band, from the hulls filled above
        skin_t = np.isin(labels, (P.SKIN, P.NOSE)) & covered & ~band
        # a beard or moustache is no skin to put foundation on (the parsing calls it skin)
        bare = 1.0 - hair_map(work, labels, lm, s)
        self.masks = {
            # the whole lip takes the colour, its edge fades out onto the skin over a feather (a lip
            # only a few pixels thick would keep a pale rim if it faded inside)
            "lips": soft_around(lips_t, feather) * ~np.isin(labels, (P.INNER_MOUTH,))
            * cv2.GaussianBlur(_grown(lips_r, 2 * feather), (0, 0), feather),
            # the band's change fades to zero over its edge (the lid, the brow, the hull's sides keep
            # the target's own shape). Measured against this on bench/makeup.py's 16 pairs (eyes only,
            # band mean moved, median and >= 0.70): a Poisson solve of the difference with zero change
            # held on the band's edge 0.51, 2/16; the same with the edge's eye and brow pixels held
            # at zero guide 0.70, 8/16; mixed gradients (target's or transferred, edge by edge) 0.54,
            # 1/16; this fade 0.75, 12/16 (a thin band: a membrane removes the edge's level from
            # all of it, a fade only from its outer 2 feathers); no fade at all 0.91 but a seam
            "eyes": soft_inside(band, 2 * feather) * cv2.GaussianBlur(eye_skin_r, (0, 0), feather),
            "skin": soft_inside(skin_t, 2 * feather) * cv2.GaussianBlur(skin_r.astype(np.float32), (0, 0), feather)
            * soft_inside(covered, EDGE * s) * bare,
        }
        # skin: the makeup's layout is the structure about each face's own broad lighting
        sigma = max(4.0, BROAD * s)
        skin_seen_r = skin_r & covered
        fine = max(1.0, SKIN_SMOOTH * s)
        smooth_t = blur_known(self.lab_t, skin_t, fine)
        smooth_r = blur_known(self.lab_r, skin_seen_r, fine)
        # where the reference's "skin" is far from any skin colour it is hair over the forehead, the
        # background past a turned cheek, a deep shadow: not makeup
        if skin_seen_r.any():
            tone = np.median(smooth_r[skin_seen_r], axis=0)
            de = np.linalg.norm(smooth_r - tone, axis=-1)
            plausible = np.clip((NOT_SKIN - de) / 15.0, 0, 1).astype(np.float32)
            self.masks["skin"] *= cv2.GaussianBlur(plausible, (0, 0), max(1.0, 0.02 * s))   # no outlines
        self.skin_ab = smooth_r[..., 1:] - smooth_t[..., 1:]                       # foundation
        self.skin_layout = SKIN_LAYOUT * ((smooth_r[..., 0] - blur_known(self.S_r, skin_seen_r, sigma)) -
                                          (smooth_t[..., 0] - blur_known(self.S_t, skin_t, sigma)))
        self.skin_variation = (smooth_r[..., 1:] - blur_known(self.lab_r[..., 1:], skin_seen_r, sigma)) - \
            (smooth_t[..., 1:] - blur_known(self.lab_t[..., 1:], skin_t, sigma))       # blush, without the base
        self.mean_l = (float(self.lab_t[..., 0][skin_t].mean()) if skin_t.any() else 0.0,
                       float(self.lab_r[..., 0][skin_seen_r].mean()) if skin_seen_r.any() else 0.0)
        # the eyes' band takes the reference's lightness less what the two skins' mean lightness
        # differs by past MAX_EYE_L (above every pair of ../shared/data/makeup: 15.3): a pale
        # reference's bare lids are no makeup for a darker face (they left pale crescents)
        base = self.mean_l[1] - self.mean_l[0] if skin_seen_r.any() and skin_t.any() else 0.0
        self.eye_excess = base - float(np.clip(base, -MAX_EYE_L, MAX_EYE_L))
        # foundation moves a skin's base tone a shade, not to another person's: the base shift
        # (the median over the skin) is held to MAX_BASE_L / MAX_BASE_AB (above every pair of
        # ../shared/data/makeup: |dL| <= 9.2, |dab| <= 7.4; a pale reference on a darker face
        # asked 20-38 ab and whitened it); blush and contour about it are kept whole
        self.base_l = float(np.clip(SKIN_LAYOUT * (self.mean_l[1] - self.mean_l[0]), -MAX_BASE_L, MAX_BASE_L))
        on = self.masks["skin"] > 0.5
        if on.any():
            base = np.median(self.skin_ab[on], axis=0)
            norm = float(np.hypot(*base))
            if norm > MAX_BASE_AB:
                self.skin_ab = self.skin_ab - base * (1.0 - MAX_BASE_AB / norm)


def _prepare(image, face, reference: str, ref_face: int, cache: EditCache | None) -> _Prepared:
    try:
        stamp = os.stat(reference).st_mtime_ns
    except OSError:
        stamp = None
    if cache is None:
        return _Prepared(image, face, _load_reference(reference, ref_face))
    ref = cache.get((), (reference, ref_face, stamp), lambda: _load_reference(reference, ref_face), slot="reference")
    return cache.get((image, face, ref), (), lambda: _Prepared(image, face, ref), slot="layers")


def apply_region(image: np.ndarray, face, *, preview: bool = False, progress=None, cache: EditCache | None = None,
                 reference: str | None = None, amount: float = 1.0, regions=REGIONS, skin: float = 1.0,
                 lips: float = 1.0, eyes: float = 1.0, keep_skin_tone: bool = False, ref_face: int = 0) -> Patch:
    """The target face's box with the reference's makeup on the regions asked for."""
    if is_identity(reference, amount):
        x0, y0, x1, y1 = (int(v) for v in face.box)
        return Patch(image[y0:y1, x0:x1].copy(), x0, y0)
    prep = _prepare(image, face, reference, ref_face, cache)
    if progress:
        progress(0.5)
    lab = prep.lab_t.copy()
    L, ab = lab[..., 0], lab[..., 1:]
    amounts = {"skin": skin, "lips": lips, "eyes": eyes}
    for region in REGIONS:
        if region not in regions or amounts[region] <= 0:
            continue
        w = (amount * amounts[region] * prep.masks[region])
        wa = w[..., None]
        if region == "skin":
            ab += wa * (prep.skin_variation if keep_skin_tone else prep.skin_ab)
            L += w * (prep.skin_layout + (0.0 if keep_skin_tone else prep.base_l))
        elif region == "eyes":
            ab += wa * (prep.eye_lab_r[..., 1:] - prep.lab_t[..., 1:])
            L += w * (prep.eye_S_r - prep.S_t - prep.eye_excess)
        else:
            ab += wa * (prep.lab_r[..., 1:] - prep.lab_t[..., 1:])
            L += w * (prep.S_r - prep.S_t)
    delta = lab - prep.lab_t
    touched = np.zeros(delta.shape[:2], bool)
    for region in regions:
        touched |= prep.masks[region] > 0
    H0, W0 = prep.crop8.shape[:2]
    if prep.k < 1:
        delta = cv2.resize(delta, (W0, H0), interpolation=cv2.INTER_LINEAR)
        touched = cv2.resize(touched.astype(np.uint8), (W0, H0), interpolation=cv2.INTER_LINEAR) > 0
    full = prep.lab_full + delta
    full[..., 0] = np.clip(full[..., 0], 0, 100)
    out = np.clip(from_lab(full) + 0.5, 0, 255).astype(np.uint8)
    out[~touched] = prep.crop8[~touched]       # exactly untouched outside the regions
    return Patch(out, prep.x0, prep.y0)


def apply(image: np.ndarray, face, **params) -> np.ndarray:
    return apply_region(image, face, **params).paste(image)
