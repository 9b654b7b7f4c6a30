"""Hair to its real outline: where the parsed hair runs into the working crop's border (long
hair below the chin, a bun beside a profile) and the photo goes on, the crop grows on that
side and the hair is followed into the new strip from the person segmenter's mask and the
hair's colour, joined to the hair already found; the rest of the person there is clothes (below
the mouth) or background. So the hair region ends where the hair ends, not in a straight line
where the crop did. Inside the face's oval, near its edge and above the nose's tip, skin
whose colour is the hair's (a strand over a temple or a cheek) may be hair too (over_face), and
so may the end of a brow that such a strand lies over (over_brows).
"""
from __future__ import annotations

import cv2
import numpy as np

from inference import parsing as P
from inference.imaging import joined_to

TOUCH = 0.03          # hair on more than this fraction of a border line: the hair goes on
GROW = (0.6, 0.6, 0.4, 1.0)   # left, right, top, bottom: how far a side grows, x face size
HAIR_RADIUS = 3.0     # a hair colour lies within this Mahalanobis distance of the hair's model
STRAND_DEPTH = 0.16   # x face size: how far inside the oval's edge hair over the face is looked for
STRAND_FADE = 0.1     # x face size: below the nose's tip the search fades out over this (a beard is skin)
STRAND_P = 0.85        # hair probability (colour) from which skin starts to go to hair


def touching_sides(mask: np.ndarray, box: tuple[int, int, int, int], height: int, width: int,
                   sides: tuple[int, ...] = (0, 1, 2, 3), touch: float = TOUCH) -> list[int]:
    """Those of ``sides`` (0 left, 1 right, 2 top, 3 bottom) where ``mask`` (on the crop ``box``)
    meets the crop's border (on more than ``touch`` of its two outer lines) and the photo goes
    on beyond it; the hair's here, the clothes' and neck's in inference/body_extent.py."""
    x0, y0, x1, y1 = box
    room = (x0 > 0, x1 < width, y0 > 0, y1 < height)
    lines = (lambda: mask[:, :2].any(1), lambda: mask[:, -2:].any(1), lambda: mask[:2].any(0),
             lambda: mask[-2:].any(0))
    return [i for i in sides if room[i] and lines[i]().mean() > touch]


ROUNDS = 3            # the crop grows at most this many times


def grown(image: np.ndarray, box: tuple[int, int, int, int], scores: np.ndarray, hair: np.ndarray,
          lab: np.ndarray, sure_hair: np.ndarray, others: list[np.ndarray], mouth_y: float,
          face_size: float) -> tuple[np.ndarray, tuple[int, int, int, int]] | None:
    """(scores, box) of the parsing grown where the hair touches the crop's border (again
    while it still does, up to ROUNDS times), or None when it does not. ``scores``
    (N_CLASSES, h, w) cover ``box`` (photo pixels); ``hair`` is the crop's final hair mask at
    that size, ``lab`` its Lab image, ``others`` masks of what is not hair (skin, clothes),
    ``mouth_y`` the mouth's row in it. A pixel of the new strip is hair when it is person,
    its colour near the hair's and nearer it than any of the others', and it is joined to
    the hair."""
    from inference.body_parts import MIN_SAMPLES
    if sure_hair.sum() < MIN_SAMPLES:
        return None
    hair_px = lab[sure_hair]
    others_px = [lab[m] for m in others if m.sum() >= MIN_SAMPLES]
    done = None
    for _ in range(ROUNDS):
        more = _grow_once(image, box, scores, hair, hair_px, others_px, mouth_y, face_size)
        if more is None:
            break
        scores, box, dy = more
        mouth_y += dy
        hair = P.running_argmax(scores) == P.HAIR
        done = scores, box
    return done


def _grow_once(image, box, scores, hair, hair_px, others_px, mouth_y, face_size):
    from inference.body_parts import colour_loglik, radius_level
    from inference.mp_models import models
    H, W = image.shape[:2]
    sides = touching_sides(hair, box, H, W)
    if not sides:
        return None
    x0, y0, x1, y1 = box
    g = [int(round(GROW[i] * face_size)) if i in sides else 0 for i in range(4)]
    gx0, gx1, gy0, gy1 = max(0, x0 - g[0]), min(W, x1 + g[1]), max(0, y0 - g[2]), min(H, y1 + g[3])
    h, w = hair.shape
    sx, sy = w / (x1 - x0), h / (y1 - y0)
    ox, oy = int(round((x0 - gx0) * sx)), int(round((y0 - gy0) * sy))
    GWk = ox + w + int(round((gx1 - x1) * sx))
    GHk = oy + h + int(round((gy1 - y1) * sy))
    big = image[gy0:gy1, gx0:gx1]
    step = max(1, int(1 / max(sx, sy)) // 2)      # a 12 MP photo: every other pixel, then area
    work = cv2.resize(np.ascontiguousarray(big[::step, ::step]), (GWk, GHk), interpolation=cv2.INTER_AREA)
    person = models().segmenter.process(work).segmentation_mask
    glab = cv2.cvtColor(work, cv2.COLOR_RGB2LAB).astype(np.float32)
    new = np.ones((GHk, GWk), bool)
    new[oy:oy + h, ox:ox + w] = False
    hairlike = new & (person > 0.5)
    pix = glab[hairlike]
    lh = colour_loglik(hair_px, pix)
    ok = lh > radius_level(hair_px, HAIR_RADIUS)
    for o in others_px:
        ok &= lh > colour_loglik(o, pix)
    hairlike[hairlike] = ok
    # joined to the crop's hair
    seed = np.zeros((GHk, GWk), np.uint8)
    seed[oy:oy + h, ox:ox + w] = hair
    n, comp = cv2.connectedComponents((hairlike | (seed > 0)).astype(np.uint8), connectivity=8)
    ids = np.unique(comp[seed > 0])
    more_hair = np.isin(comp, ids[ids > 0]) & new
    rows = np.arange(GHk)[:, None]
    more_clothes = new & (person > 0.5) & ~more_hair & (rows > oy + mouth_y)
    out = np.zeros((P.N_CLASSES, GHk, GWk), np.float32)
    out[:, oy:oy + h, ox:ox + w] = scores
    soft = lambda m: cv2.GaussianBlur(m.astype(np.float32), (0, 0), 0.7)  # noqa: E731
    sh, sc = soft(more_hair), soft(more_clothes)
    out[P.HAIR][new] = sh[new]
    out[P.CLOTHES][new] = sc[new]
    out[P.BACKGROUND][new] = np.clip(1 - sh - sc, 0, 1)[new]
    return out, (gx0, gy0, gx1, gy1), oy


def strand_band(labels: np.ndarray, pts: np.ndarray, face_px: float) -> np.ndarray | None:
    """(h, w) float32 on the parsing's working crop: where hair over the face is looked for, as a
    weight: the prior's skin inside the oval within STRAND_DEPTH of its edge, fading out towards
    that depth and below the nose's tip; None when there is none."""
    from inference import mesh_topology as topo
    h, w = labels.shape
    # the oval drawn whole, also where it runs past the crop (a face cut by the photo's border:
    # the border is not the oval's edge), its depth measured there, the crop's part kept
    poly = pts[topo.FACE_OVAL]
    lo = np.floor(np.minimum(poly.min(0), 0)).astype(int) - 1
    hi = np.ceil(np.maximum(poly.max(0), (w - 1, h - 1))).astype(int) + 2
    canvas = np.zeros((hi[1] - lo[1], hi[0] - lo[0]), np.uint8)
    P._fill(canvas, poly - lo, 1)
    full = cv2.distanceTransform(canvas, cv2.DIST_L2, 3)[-lo[1]:-lo[1] + h, -lo[0]:-lo[0] + w]
    x, y, bw, bh = cv2.boundingRect((full > 0).view(np.uint8))
    if bw == 0:
        return None
    b = (slice(y, y + bh), slice(x, x + bw))
    depth = full[b]
    rows = np.arange(y, y + bh, dtype=np.float32)[:, None]
    fade = np.clip((pts[topo.NOSE_TIP, 1] - rows) / (STRAND_FADE * face_px), 0, 1) \
        * np.clip((STRAND_DEPTH * face_px - depth) / (0.5 * STRAND_DEPTH * face_px), 0, 1)
    fade *= (labels[b] == P.SKIN) & (depth > 0)
    if not fade.any():
        return None
    out = np.zeros((h, w), np.float32)
    out[b] = fade
    return out


def over_face(p_hair: np.ndarray, band: np.ndarray, beyond: np.ndarray) -> np.ndarray | None:
    """(h, w) float32 in [0, 1]: how much of the ``band`` (strand_band) goes to hair because its
    colour is the hair's rather than the skin's (``p_hair``, the parsing's two colour models)
    and it joins ``beyond`` (the hair found outside the oval); None when none does."""
    lift = np.clip((p_hair - STRAND_P) / (1 - STRAND_P), 0, 1) * band
    # only hair that comes in from the hair beyond the oval: a dark spot on the skin is no strand
    lift *= joined_to(lift > 0, beyond)
    return lift.astype(np.float32) if lift.any() else None


def _fit(lab: np.ndarray, where: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    return P._gaussian_fit(lab[where].astype(np.float64))


def _loglik(model: tuple[np.ndarray, np.ndarray, float], px: np.ndarray) -> np.ndarray:
    return P._gaussian_loglik(model, [np.ascontiguousarray(px[:, k]) for k in range(3)])


def over_brows(lab: np.ndarray, labels: np.ndarray, brows: tuple[int, ...]) -> np.ndarray | None:
    """bool (h, w): the brow pixels that are hair lying over the brow, on the working crop: within
    a brow's thickness of the hair, of a colour nearer the hair's round the brow than the brow's
    own hairs or the skin between them (both read where the brow is farther from the hair), and
    joined to the hair. None when there are none."""
    hair_all = labels == P.HAIR
    if hair_all.sum() < 20:
        return None
    out = np.zeros(labels.shape, bool)
    for cls in brows:
        brow_all = labels == cls
        if brow_all.sum() < 30:
            continue
        pts = cv2.findNonZero(brow_all.view(np.uint8))
        t = brow_all.sum() / max(max(cv2.minAreaRect(pts)[1]), 1.0)
        x, y, bw, bh = cv2.boundingRect(pts)
        m = int(np.ceil(3 * t)) + 2          # (on the brow's box and the hair round it)
        b = (slice(max(0, y - m), y + bh + m), slice(max(0, x - m), x + bw + m))
        brow, hair, lab_b = brow_all[b], hair_all[b], lab[b]
        if hair.sum() < 20:
            continue
        d_hair = cv2.distanceTransform((~hair).view(np.uint8), cv2.DIST_L2, 3)
        near = brow & (d_hair <= t)
        core = brow & (d_hair > t)
        hair_round = hair & (cv2.distanceTransform((~brow).view(np.uint8), cv2.DIST_L2, 3) <= 3 * t)
        if not near.any() or core.sum() < 20 or hair_round.sum() < 20:
            continue
        dark = core & (lab_b[..., 0] <= np.median(lab_b[..., 0][core]))
        if dark.sum() < 5 or (core & ~dark).sum() < 5:     # a flat brow: nothing to tell apart
            continue
        models = [_fit(lab_b, k) for k in (dark, core & ~dark)]
        px = lab_b[near]
        found = np.zeros(brow.shape, bool)
        found[near] = _loglik(_fit(lab_b, hair_round), px) > np.maximum(*[_loglik(k, px) for k in models])
        found = joined_to(found, hair)
        out[b] |= cv2.morphologyEx(found.view(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)).astype(bool) & brow
    return out if out.any() else None
