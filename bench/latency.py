"""Click -> parsing ready, for one face of a 12-megapixel photo whose faces are already
detected: what the GUI's analyse job does (parse + overlay colours). Median of 10. Then the
brows edit's slider -> preview on a 1-megapixel face crop (a drag's steps after its first,
which prepares the region), against cv2.seamlessClone of the brows' removal mask in the same
run (an outside anchor: this machine's speed drifts), and our Poisson fill against it.

    python bench/latency.py [PHOTO]   (default: the sample portrait upscaled to 4000x3000)
"""
from __future__ import annotations

import argparse
import copy
import statistics
import time

from common import ROOT  # noqa: F401  (puts the project on sys.path)

import cv2
import torch

from inference.body_extent import overlay_labels
from inference.faces import analyse, detect
from inference.io import read_image
from inference.parsing import colorize
from inference.sample import sample_image


def main() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("photo", nargs="?")
    ap.add_argument("--runs", type=int, default=10)
    a = ap.parse_args()
    img = read_image(a.photo).rgb if a.photo else sample_image()
    big = cv2.resize(img, (4000, 3000), interpolation=cv2.INTER_CUBIC)
    faces = detect(big)
    face = faces[0]
    analyse(big, copy.deepcopy(face))  # first use loads the segmenter and the atlas: not a click
    times = []
    for _ in range(a.runs):
        f = copy.deepcopy(face)
        t = time.perf_counter()
        analyse(big, f)
        colorize(overlay_labels(f.parsing)[0])   # the overlay's labels: the crop's and the clothes past it
        times.append(time.perf_counter() - t)
    print(f"photo 4000x3000, face {face.width:.0f}x{face.height:.0f} px, {torch.get_num_threads()} threads: "
          f"click -> parsing median {1e3 * statistics.median(times):.0f} ms "
          f"(min {1e3 * min(times):.0f}, max {1e3 * max(times):.0f}) over {a.runs} runs")
    return a


def brows_preview(img, runs: int) -> None:
    import numpy as np

    from inference.edits import brows
    from inference.edits.base import EditCache
    from inference.poisson import poisson_fill
    face = detect(img)[0]
    # a 1-megapixel crop round the face, scaled so the crop is 1000x1000
    x0, y0, x1, y1 = face.box
    cx, cy, side = (x0 + x1) / 2, (y0 + y1) / 2, 1.6 * max(x1 - x0, y1 - y0)
    M = np.float32([[1000 / side, 0, 500 - cx * 1000 / side], [0, 1000 / side, 500 - cy * 1000 / side]])
    crop = cv2.warpAffine(img, M, (1000, 1000), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    face = detect(crop)[0]
    analyse(crop, face)
    prep = brows._Prepared(crop, face, ("left", "right"))
    hole = prep.hole
    x0, y0 = prep.region.x0, prep.region.y0
    full = np.zeros(crop.shape[:2], np.uint8)
    full[y0:y0 + hole.shape[0], x0:x0 + hole.shape[1]] = hole * 255
    ys, xs = np.nonzero(full)
    centre = (int((xs.min() + xs.max()) // 2), int((ys.min() + ys.max()) // 2))

    def anchor():
        cv2.seamlessClone(crop, crop, full, centre, cv2.NORMAL_CLONE)

    def ours():
        poisson_fill(prep.crop, hole)
    drags = {"recolour": [dict(color="#3b2a20", amount=a) for a in np.linspace(0.1, 1, 10)],
             "remove": [dict(remove=True, color=None)] * 10,
             "arch": [dict(arch=a) for a in np.linspace(0.1, 1, 10)],
             "thickness": [dict(thickness=a) for a in np.linspace(-0.5, 0.5, 10)]}
    t_anchor = statistics.median(_time(anchor) for _ in range(runs))
    t_ours = statistics.median(_time(ours) for _ in range(runs))
    print(f"\nbrows on a 1000x1000 face crop (face {face.size:.0f} px): cv2.seamlessClone of the brows' "
          f"mask {1e3 * t_anchor:.1f} ms; our Poisson fill {1e3 * t_ours:.1f} ms ({t_ours / t_anchor:.2f}x)")
    for name, steps in drags.items():
        cache = EditCache()
        brows.apply_region(crop, face, preview=True, cache=cache, **steps[0])   # the drag's first step
        ts = [_time(lambda p=p: brows.apply_region(crop, face, preview=True, cache=cache, **p)) for p in steps]
        med = statistics.median(ts)
        print(f"  {name:10s} slider -> preview median {1e3 * med:.1f} ms ({med / t_anchor:.2f}x the anchor)")


def _time(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


if __name__ == "__main__":
    args = main()
    brows_preview(read_image(args.photo).rgb if args.photo else sample_image(), 5)
