"""Where a face's brows are: the work region round them, each brow's mask, hairs, spine and
control points, all in the region's pixel coordinates."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from inference import parsing as P
from inference.imaging import blur_known, grow_disc, joined_to
from inference.landmarks import face_up
from inference.makeup.regions import EYE_CLASS, labels_over

# iBUG 68: 17-21 the brow on the image's left (outer to inner), 22-26 on its right (inner to
# outer); the parsing's LEFT_BROW is the image's left too.
LANDMARKS = {"left": (21, 20, 19, 18, 17), "right": (22, 23, 24, 25, 26)}   # inner -> outer
CLASS = {"left": P.LEFT_BROW, "right": P.RIGHT_BROW}
EYES = tuple(range(36, 48))
MARGIN_X, MARGIN_UP, MARGIN_DOWN = 0.16, 0.24, 0.12   # the region round the brows, x face size
THIN = 0.6            # x brow thickness: the widest dark line that counts as hairs (thin_dark)
LASH_GAPS = 0.5       # x brow thickness: long lashes closer than twice this are one zone with the skin between
LID_HUE = 12.0        # Lab a/b units (OpenCV's 8-bit scale): a lid's hue this far from the skin's is makeup
LID_DARK = 0.6        # of a brow's darkness: a lid's makeup or crease, not the socket's milder shade


@dataclass
class Brow:
    side: str                 # "left" / "right": of the image
    mask: np.ndarray          # (h, w) bool: the parsing's brow, hair over it excluded
    points: np.ndarray        # (5, 2) landmarks inner -> outer (peak in the middle)
    up: np.ndarray            # unit vector towards the forehead (perpendicular to the eye line)
    length: float             # inner to outer end, px
    thickness: float          # mean height of the mask across the brow, px
    reach: np.ndarray         # (h, w) bool: the mask grown by half its thickness (stray hairs, a
                              # parsing that found the brow a little small), not into hair or eyes
    hairs: np.ndarray         # (h, w) float32 in [0, 1] over the reach: how much darker than the
                              # skin round it
    darkness: np.ndarray      # (h, w) the same over the whole region (shading counts)
    thin: np.ndarray          # (h, w) float32 in [0, 1]: thin dark lines (hairs, lashes), not shading
    lashes: np.ndarray        # (h, w) bool: thin dark lines off the brow that run down into an eye
                              # (long lashes reaching up to the brow): never the brow's

    @cached_property
    def distance(self) -> np.ndarray:
        """(h, w) float32: each pixel's distance to the brow's mask."""
        return cv2.distanceTransform((~self.mask).astype(np.uint8), cv2.DIST_L2, 3)

    @property
    def box(self) -> tuple[int, int, int, int]:
        ys, xs = np.nonzero(self.mask)
        return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


@dataclass
class Region:
    x0: int
    y0: int
    labels: np.ndarray        # (h, w) uint8 parsing labels over the region (0 outside the parsing)
    brows: dict[str, Brow]
    face_size: float
    up: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.labels.shape

    def skin(self) -> np.ndarray:
        return self.labels == P.SKIN

    @cached_property
    def eye_distance(self) -> np.ndarray | None:
        """(h, w) float32: each pixel's distance to the parsing's eyes (None: no eye in the region)."""
        eyes = self.eyes()
        return cv2.distanceTransform((~eyes).astype(np.uint8), cv2.DIST_L2, 3) if eyes.any() else None

    def dark(self, level: float = 0.3) -> np.ndarray:
        """What a skin fill round the brows must not take its shade or grain from: thin dark
        lines (stray hairs, lashes) anywhere, and on the eyes' side of a brow whatever is
        much darker than the skin (LID_DARK: a lid's crease, its eyeshadow); the socket's
        milder shade is skin."""
        out = np.zeros(self.shape, bool)
        d_eye = self.eye_distance
        for b in self.brows.values():
            out |= b.thin > level
            if d_eye is not None:
                out |= (b.darkness > LID_DARK) & (d_eye < b.distance)
        return out

    def lid_colour(self, rgb: np.ndarray) -> np.ndarray:
        """bool (h, w): pixels on the eyes' side of a brow (not the brow) whose hue lies far from
        the skin's (LID_HUE, or 3 times the skin's own median spread): a lid's coloured
        eyeshadow, whose hue a fill there must not take."""
        out = np.zeros(self.shape, bool)
        d_eye = self.eye_distance
        skin = self.labels == P.SKIN
        if d_eye is None or skin.sum() < 50:
            return out
        ab = cv2.cvtColor(np.clip(rgb + 0.5, 0, 255).astype(np.uint8), cv2.COLOR_RGB2LAB)[..., 1:].astype(np.float32)
        dist = np.linalg.norm(ab - np.median(ab[skin], 0), axis=-1)
        far = dist > max(LID_HUE, 3.0 * float(np.median(dist[skin])))
        for b in self.brows.values():
            out |= far & (d_eye < b.distance) & ~b.mask
        return out

    def eyes(self) -> np.ndarray:
        return np.isin(self.labels, (P.LEFT_EYE, P.RIGHT_EYE))


def region_box(face, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    lm = face.landmarks68
    pts = lm[17:27]
    s = face.size
    H, W = shape
    x0 = int(np.floor(max(0, pts[:, 0].min() - MARGIN_X * s)))
    x1 = int(np.ceil(min(W, pts[:, 0].max() + MARGIN_X * s)))
    y0 = int(np.floor(max(0, pts[:, 1].min() - MARGIN_UP * s)))
    y1 = int(np.ceil(min(H, max(pts[:, 1].max(), lm[EYES, 1].mean()) + MARGIN_DOWN * s)))
    return x0, y0, x1, y1


def hairiness(gray: np.ndarray, brow: np.ndarray, skin: np.ndarray, scale: float,
              around: np.ndarray | None = None) -> np.ndarray:
    """How much of a brow hair each pixel is: 0 at the surrounding skin's lightness, 1 at the
    brow's darkest tenth, from a local skin reference (skin pixels off ``around``, default the
    brow, blurred)."""
    w = (skin & ~(brow if around is None else around)).astype(np.float32)
    sigma = max(2.0, scale)
    ref = blur_known(gray, w > 0, sigma)
    dark = np.clip(ref - gray, 0, None)
    top = np.percentile(dark[brow], 90) if brow.any() else 1.0
    return np.clip(dark / max(float(top), 1e-3), 0, 1).astype(np.float32)


def thin_dark(gray: np.ndarray, brow: np.ndarray, thickness: float) -> np.ndarray:
    """How much of a thin dark line each pixel is (a black top-hat narrower than the brow:
    hairs and lashes, not the shading round them), 1 at the brow's tenth most such pixel."""
    k = max(3, int(round(THIN * thickness)) | 1)
    hat = cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    top = np.percentile(hat[brow], 90) if brow.any() else 1.0
    return np.clip(hat / max(float(top), 1e-3), 0, 1).astype(np.float32)


def lashes(thin: np.ndarray, brow: np.ndarray, labels: np.ndarray, up: np.ndarray, eye: int,
           level: float = 0.5, gaps: float = 0.0) -> np.ndarray:
    """Long lashes that reach up to the brow: the thin dark lines (``thin`` > ``level``) below the
    middle of the brow's height (along ``up``: an arched brow's ends reach lower) joined through
    such lines to an eye's edge (a lash's root), outside hair and the brow, grown by a pixel;
    with the skin between them where they lie closer than 2 ``gaps`` px (a fill there, between
    strands it keeps, reads as black blocks; a warp there stretches them). ``eye``: the class of
    the brow's own eye, whose lashes they are."""
    eyes = labels == eye
    if not eyes.any() or not brow.any():
        return np.zeros(brow.shape, bool)
    rim = grow_disc(eyes, 2.0)
    h, w = brow.shape
    height = np.arange(w, dtype=np.float64)[None, :] * up[0] + np.arange(h, dtype=np.float64)[:, None] * up[1]
    middle = 0.5 * (height[brow].min() + height[brow].max())
    lines = (thin > level) & ~brow & (height < middle) & (labels != P.HAIR)
    lash = joined_to(lines, rim) & ~rim
    lash = cv2.dilate(lash.view(np.uint8), np.ones((3, 3), np.uint8))
    if gaps >= 1:
        k = 2 * int(round(gaps)) + 1
        lash = cv2.morphologyEx(lash, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    return lash.astype(bool) & ~brow & (labels != P.HAIR)


def find(image: np.ndarray, face, sides: tuple[str, ...]) -> Region:
    """The region round the brows of ``face`` in ``image`` and the brows of ``sides``."""
    parsing = face.parsing_for(image)
    box = region_box(face, image.shape[:2])
    x0, y0, x1, y1 = box
    labels = labels_over(parsing, box)
    up = face_up(face.landmarks68)
    crop = image[y0:y1, x0:x1]
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).astype(np.float32)
    skin = labels == P.SKIN
    brows: dict[str, Brow] = {}
    for side in sides:
        mask = labels == CLASS[side]
        pts = face.landmarks68[list(LANDMARKS[side])] - (x0, y0)
        length = float(np.linalg.norm(pts[-1] - pts[0]))
        if mask.sum() < 8 or length < 4:
            continue  # not visible (hair over it, a profile)
        thickness = float(mask.sum()) / max(length, 1.0)
        thin = thin_dark(gray, mask, thickness)
        lash = lashes(thin, mask, labels, up, EYE_CLASS[side], gaps=LASH_GAPS * thickness)
        reach = grow_disc(mask, max(2.0, 0.5 * thickness)) & ~np.isin(labels, (P.HAIR, P.LEFT_EYE, P.RIGHT_EYE)) & ~lash
        darkness = hairiness(gray, mask, skin, 1.5 * thickness, around=reach)
        brows[side] = Brow(side, mask, pts.astype(np.float64), up, length, thickness, reach, darkness * reach,
                           darkness, thin, lash)
    return Region(x0, y0, labels, brows, face.size, up)
