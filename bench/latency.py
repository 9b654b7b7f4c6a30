"""Click -> parsing ready, for one face of a 12-megapixel photo whose faces are already
detected: what the GUI's analyse job does (parse + overlay colours). Median of 10.

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

from inference.faces import analyse, detect
from inference.io import read_image
from inference.parsing import colorize
from inference.sample import sample_image


def main() -> None:
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
        colorize(f.parsing.labels)
        times.append(time.perf_counter() - t)
    print(f"photo 4000x3000, face {face.width:.0f}x{face.height:.0f} px, {torch.get_num_threads()} threads: "
          f"click -> parsing median {1e3 * statistics.median(times):.0f} ms "
          f"(min {1e3 * min(times):.0f}, max {1e3 * max(times):.0f}) over {a.runs} runs")


if __name__ == "__main__":
    main()
