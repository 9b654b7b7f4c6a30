"""Eyebrow editing, measured on the annotated faces of ../shared/data (HELEN and CelebAMask-HQ
label maps give the brow and skin masks the measures use, not the edit's own parsing): see
bench/brow_measures.py for what each figure means. Per photo, then the median and the share
that meets each target (issue 19's done-means).

    python bench/brows.py [DATA_DIR]
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np
from common import SHARED_DATA

import brow_measures as M
from inference import parsing as P
from inference.edits import brows
from inference.faces import detect
from inference.io import read_image
from parsing_data import parsing_sets

TARGETS = {"dark brown": "#3b2a20", "blonde": "#b08d5e"}


def measure(img: np.ndarray, labels: np.ndarray) -> dict[str, float] | None:
    faces = detect(img)
    if not faces:
        return None
    face = faces[0]
    if labels.shape != img.shape[:2]:
        import cv2
        labels = cv2.resize(labels, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_NEAREST)
    skin = labels == P.SKIN
    both = np.isin(labels, (P.LEFT_BROW, P.RIGHT_BROW))
    if both.sum() < 30:
        return None
    lm = face.landmarks68
    length = float(np.linalg.norm(lm[21] - lm[17]) + np.linalg.norm(lm[26] - lm[22])) / 2
    thick = float(both.sum()) / (2 * length)
    r: dict[str, float] = {}
    out = brows.apply(img, face, remove=True)
    r["remove L offset (sd)"], r["remove grad ratio"] = M.removal(out, both, skin, thick)
    above = M.forehead_ring(both, skin, thick)
    area = M._dist_outside(both) <= max(2.0, 0.35 * thick)
    r["remove grad ratio, forehead side"] = M.gradient_ratio(out, area, above)
    r["ring eyelid side / forehead side"] = M.gradient_ratio(img, ~above & (M._dist_outside(both) > max(3.0, 0.5 * thick))
                                                         & (M._dist_outside(both) <= 1.5 * thick + 3) & skin, above)
    r["remove far"] = M.far_change(img, out, both, face.size)
    for name, hexa in TARGETS.items():
        out = brows.apply(img, face, color=hexa)
        r[f"{name} progress"] = M.recolour_progress(img, out, both, hexa)
        r[f"{name} far"] = M.far_change(img, out, both, face.size)
    area0 = M.dark_area(img, both, skin, thick, img)
    for t in (0.6, -0.6):
        out = brows.apply(img, face, thickness=t)
        r[f"thickness {t:+} area"] = M.dark_area(out, both, skin, thick, img) / max(area0, 1)
        r[f"thickness {t:+} far"] = M.far_change(img, out, both, face.size)
    out = brows.apply(img, face, arch=1.0)
    rises = []
    for side, cls in (("left", P.LEFT_BROW), ("right", P.RIGHT_BROW)):
        b = labels == cls
        rises.append((M.arch_rise(out, img, b, skin, thick, lm, side) -
                      M.arch_rise(img, img, b, skin, thick, lm, side)) / length)
    r["arch +1 rise / length"] = float(np.nanmean(rises))
    r["arch far"] = M.far_change(img, out, both, face.size)
    again = detect(out)
    if again:
        r["arch landmarks 17-26 moved / length"] = float(
            np.linalg.norm(again[0].landmarks68[17:27] - lm[17:27], axis=1).mean()) / length
    for k, v in (("lift", 1.0), ("tail", 1.0)):
        out = brows.apply(img, face, **{k: v})
        r[f"{k} far"] = M.far_change(img, out, both, face.size)
    return r


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", type=Path, default=SHARED_DATA)
    args = ap.parse_args()
    sets = parsing_sets(args.data)
    if not sets:
        print(f"no annotated faces under {args.data}")
        return 1
    rows: list[dict[str, float]] = []
    for dataset, items in sets.items():
        for photo, labels in items:
            r = measure(read_image(photo).rgb, labels)
            if r is None:
                print(f"{dataset}/{photo.name}: no face or no brow")
                continue
            rows.append(r)
            print(f"{dataset}/{photo.name}: " + ", ".join(f"{k} {v:.3f}" for k, v in r.items()), flush=True)
    keys = list(rows[0])
    print(f"\nmedian over {len(rows)} faces (range):")
    for k in keys:
        vals = [r[k] for r in rows if k in r and np.isfinite(r[k])]
        print(f"  {k:38s} {statistics.median(vals):7.3f}  ({min(vals):.3f} .. {max(vals):.3f})")
    checks = {
        "removal lightness within 1 sd": lambda r: r["remove L offset (sd)"] <= 1.0,
        "removal gradient 0.7-1.3": lambda r: 0.7 <= r["remove grad ratio"] <= 1.3,
        "recolour >= 80 %": lambda r: min(r[f"{n} progress"] for n in TARGETS) >= 0.8,
        "thickness +0.6 >= +15 %": lambda r: r["thickness +0.6 area"] >= 1.15,
        "thickness -0.6 <= -15 %": lambda r: r["thickness -0.6 area"] <= 0.85,
        "arch +1 >= 0.04": lambda r: r["arch +1 rise / length"] >= 0.04,
        "far pixels <= 0.5": lambda r: max(v for k, v in r.items() if k.endswith(" far")) <= 0.5,
    }
    print("\ntargets met:")
    for name, ok in checks.items():
        print(f"  {name:32s} {sum(ok(r) for r in rows)} of {len(rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
