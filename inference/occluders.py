"""Occluders: hands in front of (or beside) a face, found by mediapipe's palm detector and
21-point hand landmarker (shipped in its wheel), drawn as a hand from the landmarks (palm
polygon, each finger a thick polyline, the wrist continued a little towards the forearm) and
refined on the photo's own edges by GrabCut, seeded sure-hand along the bones, maybe-hand over
the drawn hand and maybe-not round it; and things over the face of a colour no face has (a
mug, a microphone: far from its skin and hair, outside the reach of eye and lip makeup). They
are labelled occluder in the parsing: never skin or hair, so that every edit leaves them as
they are. Glasses are found by inference.glasses; dark objects near the hair's colour are not.
"""
from __future__ import annotations

import cv2
import numpy as np

FINGERS = ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))
PALM = (0, 1, 2, 5, 9, 13, 17)
FINGER_WIDTH = 0.30        # a finger's width, x the palm's width (index to little finger knuckles)
FOREARM = 0.5              # the wrist drawn on this far (x the palm's length) towards the elbow
GRABCUT_ITERATIONS = 2
GRABCUT_SEED = 0x5EED
FOREIGN_SIGMAS = 4.0       # a foreign colour is this many standard deviations from skin and hair
FOREIGN_MIN_FRACTION = 0.02
MAKEUP_REACH = 0.2         # x the oval's size: round eyes, brows and lips colours may be makeup
FOREIGN_OVER = (1, 6, 0)   # skin, nose, background: what a foreign object may have been taken for


def hand_landmarks(image: np.ndarray) -> list[np.ndarray]:
    """(21, 2) pixel landmarks of each hand mediapipe finds in ``image`` (RGB uint8)."""
    from inference.mp_models import models
    res = models().hands.process(np.ascontiguousarray(image))
    h, w = image.shape[:2]
    return [np.array([(p.x * w, p.y * h) for p in hand.landmark], np.float32)
            for hand in (res.multi_hand_landmarks or [])]


def drawn_hand(pts: np.ndarray, shape: tuple[int, int], widen: float = 1.0) -> np.ndarray:
    """uint8 mask of a hand drawn from its 21 landmarks; ``widen`` scales the fingers' width."""
    palm_w = float(np.linalg.norm(pts[5] - pts[17]))
    palm_l = float(np.linalg.norm(pts[9] - pts[0]))
    t = max(1, int(round(FINGER_WIDTH * palm_w * widen)))
    m = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(m, cv2.convexHull(np.round(pts[list(PALM)]).astype(np.int32)), 1)
    for f in FINGERS:
        cv2.polylines(m, [np.round(pts[list(f)]).astype(np.int32)], False, 1, thickness=t)
    # the wrist and a little of the forearm
    d = pts[0] - pts[9]
    d = d / max(np.linalg.norm(d), 1e-6)
    wrist = np.round([pts[0], pts[0] + d * FOREARM * palm_l]).astype(np.int32)
    cv2.polylines(m, [wrist], False, 1, thickness=max(1, int(round(0.8 * palm_w * widen))))
    return m


def hand_mask(image: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """bool mask of one hand: its drawing refined by GrabCut on a box round it."""
    h, w = image.shape[:2]
    drawn = drawn_hand(pts, (h, w))
    palm_w = float(np.linalg.norm(pts[5] - pts[17]))
    ys, xs = np.nonzero(drawn)
    if len(ys) == 0:
        return np.zeros((h, w), bool)
    pad = int(round(0.6 * palm_w)) + 2
    x0, y0 = max(0, xs.min() - pad), max(0, ys.min() - pad)
    x1, y1 = min(w, xs.max() + pad + 1), min(h, ys.max() + pad + 1)
    roi = np.ascontiguousarray(image[y0:y1, x0:x1])
    d = drawn[y0:y1, x0:x1]
    bones = drawn_hand(pts - (x0, y0), d.shape, widen=0.35)
    near = cv2.dilate(d, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (pad | 1,) * 2))
    gc = np.full(d.shape, cv2.GC_BGD, np.uint8)
    gc[near > 0] = cv2.GC_PR_BGD
    gc[d > 0] = cv2.GC_PR_FGD
    gc[bones > 0] = cv2.GC_FGD
    out = drawn.astype(bool)
    if min(d.shape) < 8 or (gc == cv2.GC_BGD).sum() < 20:
        return out
    try:
        # GrabCut starts its colour models with k-means seeded from OpenCV's global generator:
        # without a fixed seed the same photo parsed twice gave another hand edge
        cv2.setRNGSeed(GRABCUT_SEED)
        cv2.grabCut(roi, gc, None, np.zeros((1, 65)), np.zeros((1, 65)), GRABCUT_ITERATIONS,
                    cv2.GC_INIT_WITH_MASK)
    except cv2.error:
        return out
    cut = (gc == cv2.GC_FGD) | (gc == cv2.GC_PR_FGD)
    # a cut that lost or grew the hand by half is a colour model fooled (a hand over the same
    # skin): the drawing is then nearer the truth
    area = d.sum()
    if not 0.6 * area <= cut.sum() <= 1.5 * area:
        return out
    out[:] = False
    out[y0:y1, x0:x1] = cut
    return out


def occluder_mask(image: np.ndarray, hands: list[np.ndarray]) -> np.ndarray:
    """bool mask of the ``hands`` (their hand_landmarks) in ``image``, the parsing's working crop."""
    out = np.zeros(image.shape[:2], bool)
    for pts in hands:
        out |= hand_mask(image, pts)
    return out


def foreign_mask(lab: np.ndarray, labels: np.ndarray, face_oval: np.ndarray, sure_skin: np.ndarray,
                 sure_hair: np.ndarray, min_fraction: float = FOREIGN_MIN_FRACTION) -> np.ndarray:
    """bool mask of things over the face that are no part of it (a mug, a microphone, a dark
    sleeve): inside the face's oval, where the parsing says skin, nose or background, colours
    far from the face's skin (lightness let stray twice as far: shadows) and from its hair,
    in blobs of at least ``min_fraction`` of the oval. Beards and bangs are hair-coloured and
    stay what the parsing says."""
    from inference.body_parts import MIN_SAMPLES
    from inference.parsing import among
    # looked for on every other pixel (a blob is 2 % of the face), its edge then on all
    lab2, labels2, oval2 = lab[::2, ::2], labels[::2, ::2], face_oval[::2, ::2]
    cand = oval2 & among(labels2, FOREIGN_OVER)
    none = np.zeros(labels.shape, bool)
    if not cand.any() or sure_skin[::2, ::2].sum() < MIN_SAMPLES:
        return none
    skin = _core(lab2[sure_skin[::2, ::2]])
    hair = _core(lab2[sure_hair[::2, ::2]]) if sure_hair[::2, ::2].sum() >= MIN_SAMPLES else None
    out = np.zeros(labels2.shape, np.uint8)
    out[cand] = _far(lab2[cand], skin, hair)
    out = cv2.morphologyEx(out, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    n, comp, _, _ = cv2.connectedComponentsWithStats(out, connectivity=8)
    # eye shadow and lipstick are colours no skin has: a blob must be big enough away from
    # the eyes, brows and lips
    r = max(1, int(round(MAKEUP_REACH * np.sqrt(oval2.sum()))))
    made_up = cv2.dilate(among(labels2, (2, 3, 4, 5, 7, 8, 9)).astype(np.uint8),
                         cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2)) > 0
    area = np.bincount(comp[~made_up], minlength=n)
    big = np.nonzero(area[1:] >= min_fraction * oval2.sum())[0] + 1
    if not len(big):
        return none
    found = cv2.resize(among(comp, big, n).astype(np.uint8), labels.shape[::-1], interpolation=cv2.INTER_NEAREST)
    near = (cv2.dilate(found, np.ones((5, 5), np.uint8)) > 0) & face_oval & among(labels, FOREIGN_OVER)
    none[near] = _far(lab[near], skin, hair)
    return none


def _far(pix: np.ndarray, skin: np.ndarray, hair: np.ndarray | None) -> np.ndarray:
    """Which colours are far from both the skin's and the hair's model."""
    from inference.body_parts import colour_loglik, radius_level
    far = colour_loglik(skin, pix, 2.0) < radius_level(skin, FOREIGN_SIGMAS, 2.0)
    if hair is not None:
        far &= colour_loglik(hair, pix) < radius_level(hair, FOREIGN_SIGMAS)
    return far


def _core(samples: np.ndarray, keep: float = 0.85, steps: int = 10) -> np.ndarray:
    """The ``keep`` fraction of colour samples nearest their robust centre: an object over
    the skin (or a frame of glasses) is among the 'sure skin' the prior gives, and would widen
    its model. Concentration steps (as in the minimum covariance determinant) from the
    samples' median and median absolute deviation: each keeps the nearest under the last
    fit, so a minority of another colour is shed instead of widening the fit that trims it."""
    from inference.body_parts import MAX_FIT
    if len(samples) > 4 * MAX_FIT:
        samples = samples[::len(samples) // (4 * MAX_FIT)]
    x = samples.astype(np.float64)
    mu = np.median(x, 0)
    cov = np.diag((1.4826 * np.median(np.abs(x - mu), 0)) ** 2 + 4.0)
    n = max(3, int(round(keep * len(x))))
    kept = None
    for _ in range(steps):
        d = x - mu
        q = np.einsum("ij,jk,ik->i", d, np.linalg.inv(cov), d)
        idx = np.argpartition(q, n - 1)[:n]
        if kept is not None and np.array_equal(np.sort(idx), kept):
            break
        kept = np.sort(idx)
        mu, cov = x[kept].mean(0), np.cov(x[kept].T) + np.eye(3) * 4.0
    return samples[kept]
