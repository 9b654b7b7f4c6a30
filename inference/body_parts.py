"""Neck and clothes: what the person segmenter calls "person" below the face that is not hair.

Worked out after the propagation (inference.parsing.parse) on a half-size copy of the
parsing's working crop, from its face labels, the segmenter's mask and colour models in Lab,
as a second propagation of four planes (neck, hair, clothes, background) over the rows from
the mouth down, seeded where colour and place are sure:

- **neck**: under the jaw's contour (the mesh), skin-coloured (a Gaussian of the face's sure
  skin, lightness let stray twice as far: a neck is often in the chin's shadow) and joined to
  the face's skin across the jaw's shadow. Face skin the propagation carried below the jaw
  line becomes neck too (the annotated sets end the face's skin at the jaw).
- **clothes**: person pixels below the mouth that are neither neck nor hair. Under the chin
  (a neck's width) clothes are sampled and hair is only what is hair-coloured; beside it, the
  face's parsing's hair stays hair unless its colour is far from the hair's (sampled above the
  brows) and nearer the clothes'; hair below the mouth must hang from the hair above. A black
  collar or a helmet ring is no longer hair.
"""
from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
from scipy import ndimage

from inference import mesh_topology as topo
from inference import parsing as P

JAW = topo.FACE_OVAL[8:29]             # 234 (the right cheek's side) down round the chin to 454
NECK_HALF_WIDTH = 0.35                 # x face size: the columns under the chin where no hair hangs
NECK_L_WIDEN = 2.0   # the neck's (and shadowed hair's) lightness may stray this many times as far
MIN_SAMPLES = 40
HAIR_HOLD = 0.8                        # confidence kept by hair beside the neck that colour leaves open
JAW_SHADOW = 0.08                      # x face size: the shadow under the jaw, neither sure neck nor clothes


def _poly_mask(shape: tuple[int, int], pts: np.ndarray) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    cv2.fillPoly(m, [np.round(pts * 16).astype(np.int32).reshape(-1, 1, 2)], 1, cv2.LINE_8, shift=4)
    return m.astype(bool)


def _below(shape: tuple[int, int], contour: np.ndarray) -> np.ndarray:
    """The region under a contour running left to right (or right to left) in x, dropped
    straight down to the crop's bottom."""
    h = shape[0]
    c = contour[np.argsort(contour[:, 0])]
    poly = np.vstack([c, [[c[-1, 0], h + 1], [c[0, 0], h + 1]]])
    return _poly_mask(shape, poly)


MAX_FIT = 4000                         # colour models are fitted on at most this many samples


def _gaussian(samples: np.ndarray, widen_l: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(mean, covariance) of Lab samples (a floor of 2 units per axis; lightness's spread
    times ``widen_l``)."""
    if len(samples) > MAX_FIT:
        samples = samples[::len(samples) // MAX_FIT]
    s = samples.astype(np.float64)
    # (a parse fits the same samples several times: its log-likelihoods and their levels)
    mu, cov = _fitted(s.tobytes(), s.shape, widen_l)
    return mu.copy(), cov.copy()


@lru_cache(maxsize=16)
def _fitted(data: bytes, shape: tuple[int, ...], widen_l: float) -> tuple[np.ndarray, np.ndarray]:
    s = np.frombuffer(data, np.float64).reshape(shape)
    cov = np.cov(s.T) + np.eye(3) * 4.0
    if widen_l != 1.0:
        cov[0, :] *= widen_l
        cov[:, 0] *= widen_l
    return s.mean(0), cov


def colour_loglik(samples: np.ndarray, pix: np.ndarray, widen_l: float = 1.0) -> np.ndarray:
    """Gaussian log-likelihood of ``pix`` (..., 3) under the samples' model, channel by
    channel (an (N, 3) einsum was ten times slower)."""
    mu, cov = _gaussian(samples, widen_l)
    a = np.linalg.inv(cov).astype(np.float32)
    d = [pix[..., k].astype(np.float32) - np.float32(mu[k]) for k in range(3)]
    q = a[0, 0] * d[0] * d[0] + a[1, 1] * d[1] * d[1] + a[2, 2] * d[2] * d[2] + 2 * (
        a[0, 1] * d[0] * d[1] + a[0, 2] * d[0] * d[2] + a[1, 2] * d[1] * d[2])
    return -0.5 * q - np.float32(0.5 * np.log(np.linalg.det(cov)))


def radius_level(samples: np.ndarray, radius: float, widen_l: float = 1.0) -> float:
    """The log-likelihood (as colour_loglik) at Mahalanobis distance ``radius`` from the samples' mean."""
    _, cov = _gaussian(samples, widen_l)
    return float(-0.5 * radius * radius - 0.5 * np.log(np.linalg.det(cov)))


def _outlier_level(samples: np.ndarray, sigmas: float, widen_l: float = 1.0) -> float:
    """The log-likelihood of a colour ``sigmas`` standard deviations from the samples' mean
    on every axis: a flat 'something else' model."""
    if len(samples) > MAX_FIT:
        samples = samples[::len(samples) // MAX_FIT]
    far = samples.mean(0, keepdims=True) + sigmas * samples.std(0) * (widen_l, 1, 1)
    return float(colour_loglik(samples, far, widen_l)[0])


NECK_, HAIR_, CLOTHES_, BACK_ = range(4)   # planes of the below-the-mouth problem


def body_masks(work: np.ndarray, lab: np.ndarray, labels: np.ndarray, person: np.ndarray,
               pts: np.ndarray, face_px: float, sure_hair: np.ndarray, sure_skin: np.ndarray,
               sigma: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(neck, clothes, hair) boolean masks on the working crop ``work`` (RGB; ``lab`` its Lab).
    ``labels`` are the face classes after propagation; ``hair`` is what stays hair (a subset
    of labels == HAIR). Solved on a copy at half the working resolution (neck and clothes
    need no finer edge; the hair keeps its own edge where it meets the background), with
    colour similarities of ``sigma`` (parsing.similarities), so that the neck's and the
    clothes' edges land on the photo's edges."""
    hair = labels == P.HAIR
    if min(labels.shape) < 128:
        return _body_masks_at(work, lab, labels, person, pts, face_px, sure_hair, sure_skin, sigma)
    h, w = labels.shape
    hw = ((w + 1) // 2, (h + 1) // 2)
    half = lambda a, i=cv2.INTER_AREA: cv2.resize(a, hw, interpolation=i)  # noqa: E731
    nearest = lambda m: m[::2, ::2]  # noqa: E731
    neck, clothes, keep = _body_masks_at(half(work), half(lab), nearest(labels), half(person), pts / 2,
                                         face_px / 2, nearest(sure_hair), nearest(sure_skin), sigma)
    up = lambda m: cv2.resize(m.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0  # noqa: E731
    neck, clothes = up(neck), up(clothes)
    lost = up(nearest(hair) & ~keep)
    return neck, clothes & ~neck, hair & ~lost & ~neck & ~clothes


def _body_masks_at(work: np.ndarray, lab: np.ndarray, labels: np.ndarray, person: np.ndarray,
                   pts: np.ndarray, face_px: float, sure_hair: np.ndarray, sure_skin: np.ndarray,
                   sigma: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """body_masks at the resolution it is given."""
    import torch

    from inference.ops.propagate import propagate
    shape = labels.shape
    h, w = shape
    hair = labels == P.HAIR
    mouth_y = pts[topo.LIPS_OUTER_LOWER, 1].mean()
    chin_y = pts[topo.CHIN, 1]
    top = int(max(0, np.floor(mouth_y - 0.15 * face_px)))
    if top >= h - 2 or len(lab[sure_skin]) < MIN_SAMPLES:
        return np.zeros(shape, bool), np.zeros(shape, bool), hair
    # the problem is solved on the rows from just above the mouth down
    sl = slice(top, h)
    L, H_, Pm, Lb = labels[sl], hair[sl], person[sl], lab[sl]
    pt = pts - (0, top)
    sub = L.shape
    rows = np.arange(sub[0], dtype=np.float32)[:, None]
    oval = _poly_mask(sub, pt[topo.FACE_OVAL])
    under_jaw = _below(sub, pt[JAW]) & ~oval
    cols = np.abs(np.arange(w, dtype=np.float32)[None, :] - pts[topo.CHIN, 0]) < NECK_HALF_WIDTH * face_px
    no_hair = under_jaw & cols & (rows < chin_y - top + 1.5 * face_px)
    low = rows > mouth_y - top
    skin = lab[sure_skin]
    hair_px = lab[sure_hair]
    skin_ll = colour_loglik(skin, Lb, NECK_L_WIDEN)
    skin_s = skin_ll - _outlier_level(skin, 3.0, NECK_L_WIDEN)   # > 0: skin-coloured
    hair_ok = sure_hair.sum() >= MIN_SAMPLES
    # (hair below the face is often in shadow: its lightness may stray as the neck's)
    hair_s = colour_loglik(hair_px, Lb, NECK_L_WIDEN) if hair_ok else np.full(sub, -1e9, np.float32)
    # clothes: the person under the chin that is not skin-coloured
    sample = no_hair & low & (Pm > 0.9) & (skin_s < 0) & (rows > chin_y - top + 0.2 * face_px)
    if sample.sum() >= MIN_SAMPLES:
        clothes_s = colour_loglik(Lb[sample], Lb)
    else:   # no clothes seen: far from hair is not hair
        clothes_s = np.full(sub, _outlier_level(hair_px, 2.5) if hair_ok else -1e9)

    hair_far = _outlier_level(hair_px, 3.0, NECK_L_WIDEN) if hair_ok else 1e9   # hair's colour 3 sigma off
    x = np.zeros((4,) + sub, np.float32)
    conf = np.zeros(sub, np.float32)
    region = low & ~oval & (Pm > 0.3)
    # (beside the neck, what the face's parsing took for hair stays out: blond curls are
    # skin-coloured)
    skinlike = region & (skin_s > 0) & (skin_ll > hair_s) & under_jaw & (cols | ~H_)
    # sure neck: skin-coloured under the jaw and touching the face's skin; the face's skin
    # above the jaw seeds it too (it is dropped from the neck at the end)
    face_skin = oval & (L == P.SKIN)
    # (the jaw's own shadow may part the neck from the face's skin by a few pixels)
    r = max(2, int(round(JAW_SHADOW * face_px)))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2)
    near_jaw = cv2.dilate(face_skin.astype(np.uint8), disc) > 0
    comp, n = ndimage.label(cv2.morphologyEx(skinlike.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)))
    if n:
        ids = np.unique(comp[near_jaw & (comp > 0)])
        skinlike = P.among(comp, ids[ids > 0], n + 1)
    else:
        skinlike[:] = False
    seeds = {NECK_: skinlike | (face_skin & (rows > mouth_y - top)),
             BACK_: Pm < 0.2,
             HAIR_: (H_ & ~low) | (region & H_ & ~no_hair & (hair_s > clothes_s + 2) & (hair_s > skin_ll + 2)),
             CLOTHES_: region & ~skinlike & ~near_jaw & (skin_s < -2) & (
                 (no_hair & (clothes_s > hair_s)) | ((clothes_s > hair_s + 2) & (hair_s < hair_far) & H_))}
    for k, m in seeds.items():
        x[k][m] = 1.0
        conf[m] = 1.0
    undecided = conf == 0
    # an undecided pixel starts from what its colour and place suggest
    x[CLOTHES_][undecided] = Pm[undecided] * 0.5
    x[BACK_][undecided] = 1 - Pm[undecided]
    # hair the face's parsing found beside the neck stays hair unless clothes clearly reach it
    kept = undecided & H_ & ~no_hair
    x[HAIR_][kept] = 1.0
    conf[kept] = HAIR_HOLD
    x[NECK_][undecided & under_jaw & (skin_s > 0)] = 0.5
    from inference.parsing import affinities
    p = affinities(np.ascontiguousarray(work[sl]), sigma, 0.995 * (1 - conf))
    # one pass: a second moved hair F < 0.002; weights sum to <= 0.995, nothing to normalise
    xt = propagate(torch.from_numpy(x)[None], p, merge="max", normalize=False)
    out = xt[0].numpy().argmax(0)
    neck = (out == NECK_) & ~oval & low & under_jaw & ~(H_ & ((hair_s > skin_ll) | ~cols))
    clothes = (out == CLOTHES_) & ~oval & low & P.among(L, (P.BACKGROUND, P.HAIR, P.SKIN))
    # hair below the mouth hangs from the hair above it
    # (hair the neck's plane reached but the neck's bounds refuse stays hair)
    keep = H_ & ~(((out == CLOTHES_) | (out == BACK_) | neck) & low & ~oval)
    comp, n = ndimage.label(keep)
    if n:
        ids = np.unique(comp[keep & ~low])
        keep = P.among(comp, ids[ids > 0], n + 1)
    clothes |= H_ & ~keep & (Pm > 0.5) & ~neck
    neck &= ~(L == P.SKIN) | under_jaw          # face skin carved only under the jaw line
    full = lambda m: np.concatenate([np.zeros((top, w), bool), m])  # noqa: E731
    hair_out = hair.copy()
    hair_out[sl] = keep
    return full(neck), full(clothes & ~neck), hair_out
