"""Where each hole pixel may copy from, on a face: the parsing class round it.

The face's parsing is reduced to source groups (background, skin of the image's left and of
its right half, brows, eyes, lips, inner mouth, hair, neck, occluders, clothes; the nose counts
as skin). Every hole pixel takes the group of the nearest pixel outside the hole, so a chain
painted out of hair fills from hair, a strand over a cheek from that cheek's skin and a brow
(its surroundings being skin) from skin. PatchMatch sees the groups as extra channels, one
per group and heavily weighted (patchmatch.CLASS_WEIGHT), fixed in the hole: a source patch
whose classes differ from the target's costs more than any colour difference, and a patch that
straddles two classes at the hole's edge copies a place with the same two classes side by
side, which carries the boundary between them (hairline, jaw line) across the hole.
"""
from __future__ import annotations

import cv2
import numpy as np

UNKNOWN = -1   # outside the face's parsing box
BACKGROUND, SKIN_LEFT, SKIN_RIGHT, BROWS, EYES, LIPS, MOUTH, HAIR, NECK, OCCLUDER, CLOTHES = range(11)
# parsing class (inference.parsing's numbering) -> group; skin and nose are split by side later
FEATURES = [BROWS, EYES, LIPS, MOUTH]
FEATURE_REACH = 3.0
_GROUP_OF_CLASS = np.array([BACKGROUND, SKIN_LEFT, BROWS, BROWS, EYES, EYES, SKIN_LEFT, LIPS, MOUTH, LIPS,
                            HAIR, NECK, OCCLUDER, CLOTHES], np.int8)


def class_groups(image: np.ndarray, face) -> np.ndarray:
    """(H, W) int8: each photo pixel's source group from ``face``'s parsing, UNKNOWN outside
    the parsing's box. Skin left of the face's midline (the line from the top of the nose to
    the chin, landmarks 27 and 8) is SKIN_LEFT, right of it SKIN_RIGHT."""
    p = face.parsing_for(image)
    H, W = image.shape[:2]
    out = np.full((H, W), UNKNOWN, np.int8)
    labels = p.labels_full()
    g = _GROUP_OF_CLASS[np.minimum(labels, len(_GROUP_OF_CLASS) - 1)]
    top, chin = np.asarray(face.landmarks68[27], float), np.asarray(face.landmarks68[8], float)
    ys, xs = np.mgrid[p.y0:p.y0 + p.height, p.x0:p.x0 + p.width]
    # sign of the cross product: which side of the midline (image x grows to the right)
    right = (chin[0] - top[0]) * (ys - top[1]) - (chin[1] - top[1]) * (xs - top[0]) < 0
    g = np.where((g == SKIN_LEFT) & right, SKIN_RIGHT, g).astype(np.int8)
    y0, x0 = max(p.y0, 0), max(p.x0, 0)
    y1, x1 = min(p.y0 + p.height, H), min(p.x0 + p.width, W)
    out[y0:y1, x0:x1] = g[y0 - p.y0:y1 - p.y0, x0 - p.x0:x1 - p.x0]
    return out


def hole_groups(groups: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """``groups`` with every hole pixel set to the group of its nearest pixel outside the hole
    (the parsing of what is being removed says nothing about what belongs there)."""
    if not hole.any() or hole.all():
        return groups
    near = _nearest(groups, hole)
    # a small feature (brow, eye, lips, mouth) reaches FEATURE_REACH px into the hole, no
    # further: what lies beyond is the skin or hair round it (a removed brow next to the lashes
    # is not filled with eye)
    feature = np.isin(groups, FEATURES) & ~hole
    if feature.any() and (~hole & ~feature).any():
        d = cv2.distanceTransform((~feature).astype(np.uint8), cv2.DIST_L2, 5)
        far = hole & np.isin(near, FEATURES) & (d > FEATURE_REACH)
        if far.any():
            near = np.where(far, _nearest(groups, hole | feature), near).astype(np.int8)
    return np.where(hole, near, groups).astype(np.int8)


def _nearest(groups: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """Every pixel's group of the nearest pixel outside ``unknown``."""
    _, idx = cv2.distanceTransformWithLabels(unknown.astype(np.uint8), cv2.DIST_L2, 5,
                                             labelType=cv2.DIST_LABEL_PIXEL)
    ys, xs = np.nonzero(~unknown)
    lut = np.zeros(idx.max() + 1, np.int8)
    lut[idx[ys, xs]] = groups[ys, xs]
    return lut[idx]
