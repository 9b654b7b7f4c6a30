"""Structure first (issue 25): do edges that enter a hole continue across it?

On every photo of ../shared/data/inpainting (faces and scenes, 256 px), holes are put across
the photo's own long structure edges: for each of its longest structure-edge components (as
inference.inpaint.structure finds them: a roof line, a horizon, a quay, a jaw, a collar), a
disc of RADIUS px centred on the component's middle pixel (structure_measures.crossing_holes), filled
on its own. The truth's
structure edges inside the disc are then compared with the fill's Canny edges (same
thresholds): recall (truth edge pixels with a fill edge within 2 px), precision, and the mean
distance from a truth edge pixel to the fill's nearest (capped at 10 px). Also PSNR in the
hole. ``patchmatch-flat`` is our engine without the structure planes (as before them).
Split as bench/inpaint.py: ``fitted`` photos (even positions in name order) chose the
parameters, ``held`` (odd) only report.

    python bench/inpaint_structure.py [DATA_DIR] [--split fitted|held|all]
        [--engines patchmatch,patchmatch-flat,telea] [--holes N] [--radius R] [--seeds N]
"""
from __future__ import annotations

import argparse
import time
from itertools import product
from pathlib import Path

from common import SHARED_DATA

import cv2
import numpy as np
from PIL import Image

from inference.inpaint import inpaint
from inference.inpaint import patchmatch as PM
from structure_measures import crossing_holes, edge_continuity

RADIUS = 12


def fill(engine: str, img: np.ndarray, hole: np.ndarray, seed: int) -> np.ndarray:
    """``patchmatch-flat``: our engine without the structure planes (the fill before them)."""
    if engine == "patchmatch-flat":
        keep, PM.STRUCTURE_WEIGHT = PM.STRUCTURE_WEIGHT, 0.0
        try:
            return inpaint(img, hole.astype(np.uint8) * 255, "patchmatch", seed=seed)
        finally:
            PM.STRUCTURE_WEIGHT = keep
    return inpaint(img, hole.astype(np.uint8) * 255, engine, seed=seed)


def photos(root: Path, split: str) -> list[tuple[str, np.ndarray]]:
    out = []
    for sub in ("faces/migan_ffhq256", "places/migan_places256"):
        d = root / "inpainting" / sub
        files = sorted((d / "images").glob("*.*"))
        keep = {"fitted": files[0::2], "held": files[1::2], "all": files}[split]
        out += [(f"{sub.split('/')[0]}/{f.stem}", np.array(Image.open(f).convert("RGB"))) for f in keep]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", nargs="?", default=str(SHARED_DATA))
    ap.add_argument("--split", choices=("fitted", "held", "all"), default="all")
    ap.add_argument("--engines", default="patchmatch,patchmatch-flat,telea")
    ap.add_argument("--holes", type=int, default=2, help="holes per photo")
    ap.add_argument("--radius", type=int, default=RADIUS)
    ap.add_argument("--seeds", type=int, default=1, help="fill every hole with seeds 0..N-1")
    ap.add_argument("--per-photo", action="store_true")
    a = ap.parse_args()
    engines = a.engines.split(",")
    res = {e: [] for e in engines}
    times = {e: [] for e in engines}
    items = photos(Path(a.data), a.split)
    for eng in engines:   # warm-up: the first fill loads torch
        fill(eng, items[0][1], crossing_holes(items[0][1], 1, a.radius)[0], 0)
    for name, img in items:
        for hole, seed in product(crossing_holes(img, a.holes, a.radius), range(a.seeds)):
            for eng in engines:
                t = time.perf_counter()
                out = fill(eng, img, hole, seed)
                times[eng].append(time.perf_counter() - t)
                err = ((out[hole].astype(np.float64) - img[hole]) ** 2).mean()
                r = edge_continuity(out, img, hole) + (10 * np.log10(255.0 ** 2 / max(err, 1e-10)),)
                res[eng].append(r)
                if a.per_photo:
                    print(f"  {name:28s} {eng:15s} recall {r[0]:.2f} precision {r[1]:.2f} dist {r[2]:.2f} "
                          f"PSNR {r[3]:.2f}")
    print(f"split: {a.split}, {len(res[engines[0]]) // a.seeds} holes of radius {a.radius}, seeds 0-{a.seeds - 1}")
    print(f"{'engine':15s} {'recall':>7s} {'precis.':>7s} {'dist px':>7s} {'PSNR dB':>8s} {'s/hole':>7s}")
    for eng in engines:
        r = np.array(res[eng])
        print(f"{eng:15s} {np.nanmean(r[:, 0]):7.2f} {np.nanmean(r[:, 1]):7.2f} {np.nanmean(r[:, 2]):7.2f} "
              f"{r[:, 3].mean():8.2f} {np.mean(times[eng]):7.3f}")


if __name__ == "__main__":
    main()
