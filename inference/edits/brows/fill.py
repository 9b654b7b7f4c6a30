"""Skin where a brow was: the shading from round the hole (a membrane fill of the smooth layer,
so no dark residue and no seam) plus skin texture from the skin next to it (the fine layer
copied from a nearby patch of skin, so the fill is not a flat smear)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

from inference import parsing as P
from inference.imaging import blur_known, grow_disc, wide_blur
from inference.poisson import poisson_fill

if TYPE_CHECKING:
    from inference.edits.brows.region import Brow, Region

DETAIL_SIGMA = 0.25     # x brow thickness: the fine layer is what a blur at this scale removes
MIRROR_REACH = 0.3      # x brow thickness: texture is mirrored in from at most this far inside
MIN_DETAIL_SIGMA = 2.0  # px
GAP = 0.3               # x brow thickness: texture is copied from this far beyond the hole
SUPPORT = 0.15          # share of skin round a pixel below which its shade is read from farther out


def removal_mask(labels: np.ndarray, brow, thickness: float) -> np.ndarray:
    """The brow grown by a third of its thickness (at least 2 px), plus the hairs within its
    reach (a parsing that found the brow small leaves none behind), each hair grown by a pixel;
    never into hair lying over it, an eye or the lashes reaching up from it."""
    grown = grow_disc(brow.mask, max(2, int(round(0.35 * thickness))))
    strays = cv2.dilate((brow.hairs > 0.3).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    return (grown | (strays & brow.reach)) & ~np.isin(labels, (P.HAIR, P.LEFT_EYE, P.RIGHT_EYE)) & ~brow.lashes


def with_fringe(hole: np.ndarray, region: "Region", brow: "Brow", reach: float = 0.6, level: float = 0.3,
                guard: float = 0.6) -> np.ndarray:
    """``hole`` grown over the hairs (thin dark lines) joined to it within ``reach`` x the brow's
    thickness of the brow (the sparse hairs of its fringe, which left beside the fill draw the
    brow's outline), and a pixel more (the hairs' soft edge); never within ``guard``
    thicknesses (3 px at least) of an eye or below the eyes' tops (lashes, the lid's crease),
    nor into hair or an eye."""
    t = brow.thickness
    labels = region.labels
    d_eye = region.eye_distance
    g = max(3.0, guard * t)
    allowed = ~np.isin(labels, (P.HAIR, P.LEFT_EYE, P.RIGHT_EYE)) & ~brow.lashes
    if d_eye is not None:   # away from the eyes and above their tops (beside a corner lie its lashes too)
        eyes = region.eyes()
        allowed &= d_eye > g
        yy, xx = np.mgrid[0:hole.shape[0], 0:hole.shape[1]]
        height = xx * region.up[0] + yy * region.up[1]
        allowed &= height > height[eyes].max() + 3.0
    cand = (brow.thin > level) & (brow.distance <= reach * t) & allowed
    n, comp = cv2.connectedComponents((cand | hole).astype(np.uint8), connectivity=8)
    keep = np.zeros(n, bool)
    keep[np.unique(comp[hole])] = True
    keep[0] = False
    grown = cv2.dilate(keep[comp].astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    return hole | (grown & allowed)


def _copy_texture(detail: np.ndarray, hole: np.ndarray, source: np.ndarray, step: float,
                  reach: float, up: np.ndarray) -> np.ndarray:
    """The fine layer inside ``hole``, mirrored in from the skin round it: each pixel takes the
    texture as far beyond the nearest edge point as it lies inside (forehead texture near the
    upper edge, eyelid texture near the lower, as the ring round the brow has them). Where the
    mirror lands off skin, a whole hole's height up or down instead; else no texture."""
    out = np.zeros_like(detail)
    ys, xs = np.nonzero(hole)
    if len(ys) == 0:
        return out
    H, W = hole.shape
    padded = np.pad(hole.astype(np.uint8), 1)
    _, lab = cv2.distanceTransformWithLabels(padded, cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL)
    qy, qx = np.nonzero(padded == 0)               # a label is its zero pixel's 1-based scan index
    li = lab[ys + 1, xs + 1] - 1
    ny, nx = qy[li] - 1, qx[li] - 1                # the nearest pixel outside the hole
    h = int(ys.max() - ys.min() + 1) + int(round(step))
    # on the eye's side mirrored from no farther than `reach` beyond the edge: deeper, it would
    # reach the eyelid's crease, lashes and the brow bone's highlight below a brow (streaks along
    # the fill's middle); there the forehead's texture is taken instead
    below = (ny - ys) * up[1] + (nx - xs) * up[0] < 0      # the nearest edge is the eye's side
    far = below & (np.hypot(ny - ys, nx - xs) > reach)
    my, mx = np.where(far, -1, 2 * ny - ys), 2 * nx - xs
    todo = np.ones(len(ys), bool)
    for sy, sx in ((my, mx), (ys - h, xs), (ys + h, xs), (ys - 2 * h, xs)):
        ok = todo & (sy >= 0) & (sy < H) & (sx >= 0) & (sx < W)
        ok[ok] = source[sy[ok], sx[ok]]
        out[ys[ok], xs[ok]] = detail[sy[ok], sx[ok]]
        todo &= ~ok
        if not todo.any():
            break
    return out


def fill_skin(crop: np.ndarray, hole: np.ndarray, labels: np.ndarray, thickness: float,
              up: np.ndarray = np.array([0.0, -1.0]), dark: np.ndarray | None = None,
              tinted: np.ndarray | None = None) -> np.ndarray:
    """``crop`` (h, w, 3) float32 with ``hole`` replaced by skin; bit-identical outside it.
    ``dark``: pixels round the hole darker than the skin (stray hairs, lashes, a crease's
    shadow), which neither shade the fill nor lend it texture. ``tinted``: pixels round it of
    a colour that is makeup (a lid's blue eyeshadow), which give the fill its lightness but
    not its hue."""
    if not hole.any():
        return crop.copy()
    if tinted is not None and (tinted & ~hole).any():
        from inference.makeup.layers import from_lab, to_lab
        shade = fill_skin(crop, hole, labels, thickness, up, dark)
        hue = fill_skin(crop, hole, labels, thickness, up, tinted if dark is None else dark | tinted)
        lab = to_lab(hue[hole][None])
        lab[..., 0] = to_lab(shade[hole][None])[..., 0]
        out = crop.copy()
        out[hole] = np.clip(from_lab(lab)[0], 0, 255)
        return out
    sigma = max(MIN_DETAIL_SIGMA, DETAIL_SIGMA * thickness)
    known = ~hole if dark is None else ~hole & ~dark
    smooth = blur_known(crop, known, sigma)   # the dark brow does not bleed into the skin round it
    # where the pixels left round a hole's edge are few (all hairs or lid), from farther out
    support = wide_blur(known.astype(np.float32), sigma)
    smooth = np.where((support < SUPPORT)[..., None], blur_known(crop, known, 3 * sigma), smooth)
    detail = crop - smooth
    low = poisson_fill(smooth, hole)
    source = (labels == P.SKIN) & ~cv2.dilate(hole.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    if dark is not None:
        source &= ~dark
    texture = _copy_texture(detail, hole, source, GAP * thickness, MIRROR_REACH * thickness, up)
    out = crop.copy()
    out[hole] = low[hole] + texture[hole]
    return out
