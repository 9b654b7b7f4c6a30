"""Clothes and neck past the parsing's crop: the parsing covers a crop round the face, and the
clothes (class 13) and the neck (11) it finds usually run into that crop's border (a suit, a
collar, the shoulders). Left there, the clothes would end in a straight line where the crop
does. Where they touch the border and the photo goes on, the person segmenter, run once on a
reduced copy of the region a body may take below the face (a few face widths either side, ten
face heights down, clipped to the photo), says where the body continues: the person pixels
below the mouth joined to the crop's clothes are clothes, the skin-coloured ones (nearer the
face's skin than the crop's clothes) joined to its neck are neck, at that coarse resolution
(COARSE_SIDE), down to where the person ends (usually the photo's bottom). A second person
touching this one's body within that region joins it (parse() knows one face).

The crop, its scores and every class inside it stay as they were (edits read the crop only,
so none gets slower); the continuation is a separate coarse label map (:class:`BodyExtent`)
that :meth:`inference.parsing.Parsing.full`, the editor's overlay (:func:`overlay_labels`), its
hover (:func:`label_at`) and a mask of the clothes (:func:`class_raster`) put under the crop's
labels.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from inference import mesh_topology as topo
from inference import parsing as P
from inference.hair_extent import touching_sides
from inference.imaging import nonzero_box

COARSE_SIDE = 384      # the body's region is reduced to at most this side for the continuation
COARSE_FINEST = 0.5    # and to at most this fraction of the crop's working resolution
SIDE_REACH = 3.0       # x face size either side of the chin: shoulders, arms
DOWN_REACH = 10.0      # x face size below the chin: a torso (the photo's bottom, usually)
TOUCH = 0.03           # clothes or neck on more than this fraction of a border line: they go on
PERSON = 0.5           # segmenter confidence that counts as the person
MAX_OVERLAY = 4_000_000   # overlay pixels beyond which the overlay is drawn coarser


@dataclass
class BodyExtent:
    """A coarse label map (0, NECK or CLOTHES) covering the photo rectangle (x0, y0, x0 + width,
    y0 + height); under the crop it repeats the crop's own neck and clothes (the crop's labels
    win there)."""
    labels: np.ndarray
    x0: int
    y0: int
    width: int
    height: int

    def full(self, height: int, width: int) -> np.ndarray:
        """The map pasted, at photo resolution (nearest), into a photo-sized map of background."""
        out = np.zeros((height, width), np.uint8)
        out[self.y0:self.y0 + self.height, self.x0:self.x0 + self.width] = cv2.resize(
            self.labels, (self.width, self.height), interpolation=cv2.INTER_NEAREST)
        return out


def _reduced(image: np.ndarray, scale: float) -> np.ndarray:
    """The photo at ``scale`` (<= 1): every k-th pixel first, as many as leave the target's
    size or more (the 12 MP sample's body region, 3775 px wide, at 384: every 9th), then area
    averaging (a coarse map of where the person is and of its colours wants no finer filter)."""
    H, W = image.shape[:2]
    size = (max(1, round(W * scale)), max(1, round(H * scale)))
    if scale >= 1:
        return np.ascontiguousarray(image)
    k = max(1, int(1 / scale))
    return cv2.resize(np.ascontiguousarray(image[::k, ::k]), size, interpolation=cv2.INTER_AREA)


def _border_labels(scores: np.ndarray) -> np.ndarray:
    """Labels of the crop's two outermost rows and columns only, as a (h, w) map that is
    background elsewhere (the whole map's argmax is not needed to know what meets the border)."""
    h, w = scores.shape[1:]
    out = np.zeros((h, w), np.uint8)
    for sl in ((slice(None), slice(0, 2)), (slice(None), slice(w - 2, w)), (slice(h - 2, h), slice(None))):
        out[sl] = P.running_argmax(s[sl] for s in scores)
    return out


def _region(shape: tuple[int, ...], face) -> tuple[int, int, int, int]:
    """(RX0, RY0, RX1, RY1): the photo region a body may take (beside the chin, down to a
    torso's length), with the head above it: the segmenter, a selfie model, finds a person
    that fills its picture, not a small one in a wide scene."""
    H, W = shape[:2]
    chin_x, chin_y = (float(v) for v in np.asarray(face.mesh)[topo.CHIN, :2])
    RX0, RX1 = max(0, int(chin_x - SIDE_REACH * face.size)), min(W, int(np.ceil(chin_x + SIDE_REACH * face.size)))
    RY0, RY1 = max(0, int(face.box[1] - 0.5 * face.size)), min(H, int(np.ceil(chin_y + DOWN_REACH * face.size)))
    return RX0, RY0, RX1, RY1


def _segmented(image: np.ndarray, region: tuple[int, int, int, int], scale: float) -> tuple[np.ndarray, np.ndarray]:
    """(the region reduced to ``scale``, the segmenter's person there)."""
    from inference.mp_models import models
    RX0, RY0, RX1, RY1 = region
    small = _reduced(image[RY0:RY1, RX0:RX1], scale)
    return small, models().segmenter.process(small).segmentation_mask > PERSON


def _scale(region: tuple[int, int, int, int], work_scale: float) -> float:
    RX0, RY0, RX1, RY1 = region
    return min(COARSE_FINEST * work_scale, COARSE_SIDE / max(RX1 - RX0, RY1 - RY0))


def segmented_soon(image: np.ndarray, face, work_scale: float):
    """The body region's segmentation (as body_extent finds it for a parsing of ``work_scale``
    working pixels per photo pixel) started on the side thread (inference.side_thread), before
    the parsing knows whether its clothes reach the crop's border: body_extent takes it when
    its region and scale are these."""
    from inference.side_thread import soon
    region = _region(image.shape, face)
    if region[2] - region[0] < 4 or region[3] - region[1] < 4:
        return None
    scale = _scale(region, work_scale)
    return (region, scale), soon(_segmented, image, region, scale)


def body_extent(image: np.ndarray, parsing: "P.Parsing", skin_lab: np.ndarray, face,
                early=None) -> BodyExtent | None:
    """The coarse continuation of ``parsing``'s clothes and neck past its crop (see the module
    docstring), or None where neither touches the crop's border (or the photo ends there).
    ``skin_lab``: Lab samples of the face's sure skin (the neck's colour model); ``face``: the
    parsed face (its mesh gives the mouth and the chin, photo pixels); ``early``: what
    :func:`segmented_soon` returned for it, if it was called."""
    from inference.body_parts import MIN_SAMPLES, _outlier_level, colour_loglik
    H, W = image.shape[:2]
    box = (parsing.x0, parsing.y0, parsing.x0 + parsing.width, parsing.y0 + parsing.height)
    edge = _border_labels(parsing.scores)
    # the top is never a side they go on from: clothes start below the mouth
    if not touching_sides((edge == P.CLOTHES) | (edge == P.NECK), box, H, W, sides=(0, 1, 3), touch=TOUCH):
        return None
    mouth_y = float(np.asarray(face.mesh)[topo.LIPS_OUTER_LOWER, 1].mean())
    region = RX0, RY0, RX1, RY1 = _region(image.shape, face)
    if RX1 - RX0 < 4 or RY1 - RY0 < 4:
        return None
    scale = _scale(region, parsing.scores.shape[2] / parsing.width)   # (the crop's working pixels per photo pixel)
    if early is not None and early[0] == (region, scale):
        small, person = early[1].result()
    else:
        small, person = _segmented(image, region, scale)
    h, w = small.shape[:2]
    cx, cy = w / (RX1 - RX0), h / (RY1 - RY0)
    shape = person.shape
    below = np.arange(h)[:, None] >= (mouth_y - RY0) * cy      # clothes start below the mouth
    # the crop's own labels on the coarse grid, in the region's coordinates
    gx0, gy0 = int(round((box[0] - RX0) * cx)), int(round((box[1] - RY0) * cy))
    gx1, gy1 = int(round((box[2] - RX0) * cx)), int(round((box[3] - RY0) * cy))
    ix0, iy0, ix1, iy1 = max(0, gx0), max(0, gy0), min(shape[1], gx1), min(shape[0], gy1)
    inside = np.zeros(shape, bool)
    inside[iy0:iy1, ix0:ix1] = True
    # (the scores' class at each coarse pixel's centre: nearest, first class on ties as running_argmax)
    sh, sw = parsing.scores.shape[1:]
    ys = np.clip(((np.arange(iy0, iy1) - gy0 + 0.5) * sh / (gy1 - gy0)).astype(int), 0, sh - 1)
    xs = np.clip(((np.arange(ix0, ix1) - gx0 + 0.5) * sw / (gx1 - gx0)).astype(int), 0, sw - 1)
    crop_here = np.zeros(shape, np.uint8)
    crop_here[iy0:iy1, ix0:ix1] = parsing.scores[:, ys[:, None], xs[None, :]].argmax(0)
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).astype(np.float32)
    cand = person & ~inside & below
    skinlike = np.zeros(shape, bool)
    if len(skin_lab) >= MIN_SAMPLES and cand.any():
        pix = lab[cand]
        # skin-coloured (lightness not widened as under the jaw: a dark suit is not skin) and
        # nearer the skin than the crop's clothes
        ls = colour_loglik(skin_lab, pix)
        ok = ls > _outlier_level(skin_lab, 3.0)
        clothes_px = lab[crop_here == P.CLOTHES]
        if ok.any() and len(clothes_px) >= MIN_SAMPLES:
            ok[ok] = ls[ok] > colour_loglik(clothes_px, pix[ok])
        skinlike[cand] = ok
    out = np.zeros(shape, np.uint8)
    for cls, outside in ((P.CLOTHES, cand & ~skinlike), (P.NECK, cand & skinlike)):
        seed = crop_here == cls
        if not seed.any():
            continue
        # outside the crop: what the segmenter and colour say; inside it, the crop's own class
        n, comp = cv2.connectedComponents((outside | seed).astype(np.uint8), connectivity=8)
        keep = np.zeros(n, bool)
        keep[comp[seed]] = True
        keep[0] = False
        out[keep[comp] & (out == 0)] = cls
    if not (out[cand] > 0).any():
        return None
    y0, y1, x0, x1 = nonzero_box(out)
    # photo rectangle of those coarse pixels
    px0, py0 = RX0 + int(np.floor(x0 / cx)), RY0 + int(np.floor(y0 / cy))
    px1, py1 = min(W, RX0 + int(np.ceil(x1 / cx))), min(H, RY0 + int(np.ceil(y1 / cy)))
    return BodyExtent(np.ascontiguousarray(out[y0:y1, x0:x1]), px0, py0, px1 - px0, py1 - py0)


def _union_box(parsing: "P.Parsing", b: BodyExtent) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1): the photo rectangle the crop and its body continuation cover."""
    return (min(parsing.x0, b.x0), min(parsing.y0, b.y0),
            max(parsing.x0 + parsing.width, b.x0 + b.width), max(parsing.y0 + parsing.height, b.y0 + b.height))


def _coverage(b: BodyExtent, cls: int, size: tuple[int, int]) -> np.ndarray:
    """bool: class ``cls`` of the coarse body map resized to ``size`` (w, h), interpolated and
    cut at a half, so the coarse map's steps do not show."""
    return cv2.resize((b.labels == cls).astype(np.uint8) * 255, size, interpolation=cv2.INTER_LINEAR) >= 128


def overlay_labels(parsing: "P.Parsing") -> tuple[np.ndarray, float, float, float]:
    """(labels, x0, y0, scale) for the editor's overlay: the parsing's working-resolution labels
    with its body continuation (if any) under them, on one grid of ``scale`` photo pixels per
    label pixel whose origin is (x0, y0); the crop's labels keep their exact place on it."""
    labels = parsing.labels
    scale = parsing.width / labels.shape[1]
    b = parsing.body
    if b is None:
        return labels, float(parsing.x0), float(parsing.y0), scale
    ux0, uy0, ux1, uy1 = _union_box(parsing, b)
    k = max(1.0, np.sqrt((ux1 - ux0) * (uy1 - uy0) / scale ** 2 / MAX_OVERLAY))
    if k > 1:   # a huge body at a fine scale: the whole overlay coarser
        scale *= k
        labels = cv2.resize(labels, (max(1, round(parsing.width / scale)), max(1, round(parsing.height / scale))),
                            interpolation=cv2.INTER_NEAREST)
    lh, lw = labels.shape
    # whole overlay pixels before the crop, so that the crop's labels land where they did
    ox, oy = int(np.ceil((parsing.x0 - ux0) / scale)), int(np.ceil((parsing.y0 - uy0) / scale))
    x0, y0 = parsing.x0 - ox * scale, parsing.y0 - oy * scale
    gw = ox + lw + int(np.ceil((ux1 - parsing.x0 - parsing.width) / scale))
    gh = oy + lh + int(np.ceil((uy1 - parsing.y0 - parsing.height) / scale))
    # the body's classes resized onto the overlay's grid (within half an overlay pixel; the crop
    # covers the seam)
    bw, bh = max(1, round(b.width / scale)), max(1, round(b.height / scale))
    bx, by = round((b.x0 - x0) / scale), round((b.y0 - y0) / scale)
    out = np.zeros((gh, gw), np.uint8)
    sx0, sy0, sx1, sy1 = max(0, -bx), max(0, -by), min(bw, gw - bx), min(bh, gh - by)
    for cls in (P.CLOTHES, P.NECK):
        if (b.labels == cls).any():
            out[by + sy0:by + sy1, bx + sx0:bx + sx1][_coverage(b, cls, (bw, bh))[sy0:sy1, sx0:sx1]] = cls
    out[oy:oy + lh, ox:ox + lw] = labels
    return out, float(x0), float(y0), float(scale)


def label_at(parsing: "P.Parsing", x: float, y: float) -> int | None:
    """The class at photo point (x, y): the crop's (working resolution), else its body
    continuation's; None outside both."""
    maps = [(parsing.labels, parsing.x0, parsing.y0, parsing.width, parsing.height)]
    b = parsing.body
    if b is not None:
        maps.append((b.labels, b.x0, b.y0, b.width, b.height))
    for m, x0, y0, w, h in maps:
        u, v = (x - x0) * m.shape[1] / w, (y - y0) * m.shape[0] / h
        if 0 <= u < m.shape[1] and 0 <= v < m.shape[0]:
            return int(m[int(v), int(u)])
    return None


def class_raster(parsing: "P.Parsing", cls: int) -> tuple[np.ndarray, int, int]:
    """(coverage, x0, y0): uint8 0/255 coverage of class ``cls`` at photo resolution and its
    photo origin; for neck and clothes with their continuation past the crop (upsampled
    smoothly: no coarse steps on the mask's edge); inside the crop, the crop's own labels."""
    crop = parsing.mask(cls)
    b = parsing.body
    if b is None or cls not in (P.NECK, P.CLOTHES) or not (b.labels == cls).any():
        return crop.astype(np.uint8) * 255, parsing.x0, parsing.y0
    ux0, uy0, ux1, uy1 = _union_box(parsing, b)
    out = np.zeros((uy1 - uy0, ux1 - ux0), np.uint8)
    out[b.y0 - uy0:b.y0 - uy0 + b.height, b.x0 - ux0:b.x0 - ux0 + b.width] = _coverage(b, cls, (b.width, b.height)) * 255
    out[parsing.y0 - uy0:parsing.y0 - uy0 + parsing.height, parsing.x0 - ux0:parsing.x0 - ux0 + parsing.width] = crop * 255
    return out, ux0, uy0
