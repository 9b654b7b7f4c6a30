"""Recursive filter speed on a 4-megapixel RGB photo: our C++ op vs OpenCV's
edgePreservingFilter(RECURS_FILTER) (same definition, same 3 iterations, uint8 in and out)
and vs the plain-torch reference, measured in one run.

    python bench/filter.py [--size 2048] [--repeat 5]
"""
from __future__ import annotations

import argparse

from common import timed  # noqa: F401  (puts the project on sys.path)

import cv2
import numpy as np
import torch

from inference.ops.recursive_filter import recursive_filter, recursive_filter_u8
from inference.sample import sample_image


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--size", type=int, default=2048, help="side of the square test image")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--sigma-s", type=float, default=60.0)
    ap.add_argument("--sigma-r", type=float, default=0.4)
    a = ap.parse_args()
    img = cv2.resize(sample_image(), (a.size, a.size), interpolation=cv2.INTER_CUBIC)
    mp = img.shape[0] * img.shape[1] / 1e6
    print(f"image {img.shape[1]}x{img.shape[0]} RGB ({mp:.1f} MP), sigma_s={a.sigma_s}, "
          f"sigma_r={a.sigma_r}, 3 iterations, {torch.get_num_threads()} threads")

    ours = timed(lambda: recursive_filter_u8(img, a.sigma_s, a.sigma_r), a.repeat)
    ocv = timed(lambda: cv2.edgePreservingFilter(img, flags=cv2.RECURS_FILTER, sigma_s=a.sigma_s,
                                                 sigma_r=a.sigma_r), a.repeat)
    x = torch.from_numpy(img).float() / 255
    ref = timed(lambda: recursive_filter(x, a.sigma_s, a.sigma_r, backend="reference"), repeat=1, warmup=0)

    diff = np.abs(recursive_filter_u8(img, a.sigma_s, a.sigma_r).astype(int)
                  - cv2.edgePreservingFilter(img, flags=1, sigma_s=a.sigma_s, sigma_r=a.sigma_r).astype(int))
    print(f"{'implementation':28s} {'time (ms)':>10s} {'ours is x faster':>17s}")
    print(f"{'visage C++ (csrc/)':28s} {ours * 1e3:10.1f} {'1.00':>17s}")
    print(f"{'cv2.edgePreservingFilter':28s} {ocv * 1e3:10.1f} {ocv / ours:17.2f}")
    print(f"{'torch reference':28s} {ref * 1e3:10.1f} {ref / ours:17.2f}")
    print(f"output vs OpenCV: max |diff| {diff.max()} levels, mean {diff.mean():.4f}")


if __name__ == "__main__":
    main()
