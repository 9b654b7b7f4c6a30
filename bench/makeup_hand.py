"""Makeup by hand (issue 21), measured on the annotated faces of ../shared/data: the HELEN and
CelebAMask-HQ label maps give the lips, inner mouth, eyes, brows and skin the measures use
(not the edit's own parsing). Per photo, then the median and how many meet each target (and
where the labelled lips are not reached: corners, inner line, upper / lower edge); then
each product's slider -> preview on a 1000x1000 face crop (a drag's steps after the first,
one EditCache) against cv2.cvtColor RGB->Lab and cv2.GaussianBlur of the crop in the same run.

    python bench/makeup_hand.py [DATA_DIR] [--no-latency]
"""
from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from common import SHARED_DATA

from inference import parsing as P
from inference.edits import blush, eyeliner, eyeshadow, lashes, lips
from inference.edits.base import EditCache
from inference.faces import analyse, detect
from inference.io import read_image
from inference.makeup import layers
from parsing_data import parsing_sets

LIP_COLOURS = ("#b03040", "#d98080")
SHADOW, BLUSH = "#5b3a5e", "#d9777a"
# target: (figure, test, shown as)
TARGETS = {
    "lips progress@1": lambda v: v >= 0.8,
    "lips progress@0.5 / @1": lambda v: 0.35 <= v <= 0.65,
    "lips detail corr": lambda v: v >= 0.8,
    "lips detail corr gloss": lambda v: v >= 0.8,
    "inner mouth change": lambda v: v <= 2.0,
    "lips far change": lambda v: v <= 0.3,
    "shadow @0.5 / @1": lambda v: 0.35 <= v <= 0.65,
    "shadow eyes+brows+lips change": lambda v: v <= 0.5,
    "shadow skin detail ratio": lambda v: abs(v - 1) <= 0.15,
    "blush @0.5 / @1": lambda v: 0.35 <= v <= 0.65,
    "blush eyes+brows+lips change": lambda v: v <= 0.5,
    "blush skin detail ratio": lambda v: abs(v - 1) <= 0.15,
    "liner in eye opening": lambda v: v <= 0.5,          # mean level change, labelled eye less 1.5 px
    "lashes in eye opening": lambda v: v <= 0.5,
    "liner max change in our parsing's eyes": lambda v: v == 0,
    "lashes max change in our parsing's eyes": lambda v: v == 0,
}


def progress(before, after, where, colour) -> float:
    """1 - |mean ab after - target ab| / |mean ab before - target ab| over ``where``."""
    t = layers.colour_lab(colour)[1:]
    a0 = layers.to_lab(before)[..., 1:][where].mean(0)
    a1 = layers.to_lab(after)[..., 1:][where].mean(0)
    return 1.0 - float(np.linalg.norm(a1 - t)) / max(float(np.linalg.norm(a0 - t)), 1e-6)


def detail(rgb, size) -> np.ndarray:
    L = layers.to_lab(rgb)[..., 0]
    return L - cv2.GaussianBlur(L, (0, 0), max(1.0, 0.01 * size))


def change(before, after, where) -> float:
    if not where.any():
        return float("nan")
    return float(np.abs(after.astype(np.float32) - before.astype(np.float32))[where].mean())


def dist_outside(mask) -> np.ndarray:
    return cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, 3)


def unreached(img, out, labels, face, colour) -> dict[str, float]:
    """Where the labelled lips are not reached (their a/b moved under half way to the colour's
    at amount 1), as shares of the labelled lips: near the mesh's mouth corners (0.05 x face
    size), along the inner line (the inner mouth or the other lip within max(2, 0.012 x face
    size) px), along the outer edge of the upper lip / the lower lip, elsewhere."""
    up, lo, inner = labels == P.UPPER_LIP, labels == P.LOWER_LIP, labels == P.INNER_MOUTH
    gt = up | lo
    t = layers.colour_lab(colour)[1:]
    ab0, ab1 = layers.to_lab(img)[..., 1:][gt], layers.to_lab(out)[..., 1:][gt]
    moved = ((ab1 - ab0) * (t - ab0)).sum(1) / np.maximum(((t - ab0) ** 2).sum(1), 1e-6)
    miss = np.zeros(gt.shape, bool)
    miss[gt] = moved < 0.5
    band = max(2.0, 0.012 * face.size)
    yy, xx = np.mgrid[:gt.shape[0], :gt.shape[1]]
    corner = np.min([np.hypot(xx - face.mesh[i, 0], yy - face.mesh[i, 1]) for i in (61, 291)], axis=0) < 0.05 * face.size
    line = (dist_outside(inner) <= band) | (up & (dist_outside(lo) <= band)) | (lo & (dist_outside(up) <= band))
    edge = dist_outside(~(gt | inner)) <= band
    parts = {"corners": miss & corner}
    parts["inner line"] = miss & ~corner & line
    parts["upper edge"] = miss & ~corner & ~line & edge & up
    parts["lower edge"] = miss & ~corner & ~line & edge & lo
    parts["elsewhere"] = miss & ~corner & ~line & ~edge
    return {f"lips unreached {k}": float(m.sum() / gt.sum()) for k, m in parts.items()}


def measure(img: np.ndarray, labels: np.ndarray) -> dict[str, float] | None:
    faces = detect(img)
    if not faces:
        return None
    face = analyse(img, faces[0])
    if labels.shape != img.shape[:2]:
        labels = cv2.resize(labels, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_NEAREST)
    r: dict[str, float] = {}
    gt_lips = np.isin(labels, (P.UPPER_LIP, P.LOWER_LIP))
    inner = labels == P.INNER_MOUTH
    eyes = np.isin(labels, (P.LEFT_EYE, P.RIGHT_EYE))
    brows = np.isin(labels, (P.LEFT_BROW, P.RIGHT_BROW))
    skin = labels == P.SKIN
    r["inner mouth px"] = float(inner.sum())
    p1, ph, corr, far, inn = [], [], [], [], []
    for c in LIP_COLOURS:
        out1 = lips.apply(img, face, color=c, amount=1.0)
        outh = lips.apply(img, face, color=c, amount=0.5)
        p1.append(progress(img, out1, gt_lips, c))
        ph.append(progress(img, outh, gt_lips, c) / max(p1[-1], 1e-6))
        corr.append(np.corrcoef(detail(img, face.size)[gt_lips], detail(out1, face.size)[gt_lips])[0, 1])
        far.append(change(img, out1, dist_outside(gt_lips) > 0.05 * face.size))
        inn.append(change(img, out1, inner))
        if c == LIP_COLOURS[0]:
            reach = unreached(img, out1, labels, face, c)
    r["lips progress@1"] = min(p1)
    r["lips progress@0.5 / @1"] = float(np.mean(ph))
    r["lips detail corr"] = float(min(corr))
    g = lips.apply(img, face, color=LIP_COLOURS[0], amount=1.0, finish="gloss")
    r["lips detail corr gloss"] = float(np.corrcoef(detail(img, face.size)[gt_lips], detail(g, face.size)[gt_lips])[0, 1])
    r["inner mouth change"] = float(np.nanmax(inn)) if inner.any() else float("nan")
    r["lips far change"] = max(far)
    protected = eyes | brows | gt_lips
    for name, mod, colour in (("shadow", eyeshadow, SHADOW), ("blush", blush, BLUSH)):
        a, cov = mod.coverage(img, face)
        full = np.zeros(img.shape[:2], np.float32)
        full[a.y0:a.y0 + a.shape[0], a.x0:a.x0 + a.shape[1]] = cov
        region = (full > 0.5 * full.max()) & skin
        out1 = mod.apply(img, face, color=colour, amount=1.0)
        outh = mod.apply(img, face, color=colour, amount=0.5)
        q1 = progress(img, out1, region, colour)
        r[f"{name} progress@1"] = q1
        r[f"{name} @0.5 / @1"] = progress(img, outh, region, colour) / max(q1, 1e-6)
        r[f"{name} eyes+brows+lips change"] = change(img, out1, protected)
        d0, d1 = detail(img, face.size)[region], detail(out1, face.size)[region]
        r[f"{name} skin detail ratio"] = float(d1.std() / max(d0.std(), 1e-6))
    for name, mod in (("liner", eyeliner), ("lashes", lashes)):
        out = mod.apply(img, face)
        r[f"{name} in eye opening"] = change(img, out, eyes & (dist_outside(~eyes) > 1.5))
        ours = np.isin(face.parsing.full(*img.shape[:2]), (P.LEFT_EYE, P.RIGHT_EYE))
        r[f"{name} max change in our parsing's eyes"] = float(np.abs(out.astype(int) - img)[ours].max())
        r[f"{name} deterministic"] = float(np.array_equal(out, mod.apply(img, face)))
    r.update(reach)           # (last: the rows' earlier columns stay where they were)
    return r


def latency(img: np.ndarray, runs: int = 10) -> None:
    face = detect(img)[0]
    x0, y0, x1, y1 = face.box
    cx, cy, side = (x0 + x1) / 2, (y0 + y1) / 2, 1.6 * max(x1 - x0, y1 - y0)
    M = np.float32([[1000 / side, 0, 500 - cx * 1000 / side], [0, 1000 / side, 500 - cy * 1000 / side]])
    crop = cv2.warpAffine(img, M, (1000, 1000), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    face = analyse(crop, detect(crop)[0])
    f32 = crop.astype(np.float32) / 255
    t_lab = statistics.median(_time(lambda: cv2.cvtColor(f32, cv2.COLOR_RGB2Lab)) for _ in range(runs))
    t_blur = statistics.median(_time(lambda: cv2.GaussianBlur(crop, (0, 0), 5)) for _ in range(runs))
    print(f"\nlatency on a 1000x1000 face crop (face {face.size:.0f} px): anchors cv2.cvtColor RGB->Lab (float) "
          f"{1e3 * t_lab:.1f} ms, cv2.GaussianBlur sigma 5 {1e3 * t_blur:.1f} ms")
    amounts = np.linspace(0.1, 1, runs)
    drags = {
        "lips amount": (lips, [dict(color="#b03040", amount=a, finish="gloss") for a in amounts]),
        "eyeshadow amount": (eyeshadow, [dict(color=SHADOW, amount=a) for a in amounts]),
        "eyeshadow height": (eyeshadow, [dict(color=SHADOW, amount=0.6, height=h) for h in amounts]),
        "blush amount": (blush, [dict(color=BLUSH, amount=a) for a in amounts]),
        "eyeliner thickness": (eyeliner, [dict(thickness=t) for t in amounts]),
        "eyeliner wing": (eyeliner, [dict(wing=t) for t in amounts]),
        "lashes length": (lashes, [dict(length=t) for t in amounts]),
        "lashes density": (lashes, [dict(density=t) for t in amounts]),
    }
    for name, (mod, steps) in drags.items():
        cache = EditCache()
        mod.apply_region(crop, face, preview=True, cache=cache, **steps[0])
        ts = [_time(lambda p=p: mod.apply_region(crop, face, preview=True, cache=cache, **p)) for p in steps[1:]]
        med = statistics.median(ts)
        print(f"  {name:20s} slider -> preview median {1e3 * med:5.1f} ms, max {1e3 * max(ts):5.1f} "
              f"({med / t_lab:.1f}x cvtColor, {med / t_blur:.1f}x blur){'' if med <= 0.033 else '  OVER 33 ms'}")


def _time(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", type=Path, default=SHARED_DATA)
    ap.add_argument("--no-latency", action="store_true")
    args = ap.parse_args()
    sets = parsing_sets(args.data)
    rows: dict[str, dict[str, float]] = {}
    for name, items in sets.items():
        for photo, labels in items:
            r = measure(read_image(photo).rgb, labels)
            key = f"{name}/{photo.name}"
            if r is None:
                print(f"{key}: no face found")
                continue
            rows[key] = r
            print(key + ": " + ", ".join(f"{k} {v:.3g}" for k, v in r.items()), flush=True)
    if rows:
        print(f"\n{len(rows)} faces; median, and how many meet the target:")
        for k in next(iter(rows.values())):
            vals = [r[k] for r in rows.values() if k in r and np.isfinite(r[k])]
            if not vals:
                print(f"  {k:32s} (no face has it)")
                continue
            test = TARGETS.get(k)
            met = f"  met {sum(map(test, vals))}/{len(vals)}" if test else ""
            print(f"  {k:32s} median {statistics.median(vals):.3f}  [{min(vals):.3f} .. {max(vals):.3f}]{met}")
    if not args.no_latency:
        from inference.sample import sample_image
        latency(sample_image())
    return 0


if __name__ == "__main__":
    sys.exit(main())
