"""Forward warp (splatting) speed on a 4-megapixel RGB image: our C++ op vs cv2.remap (the
backward warp every editor uses, bilinear) and vs the plain-torch reference, one run. The
field is a smooth face-rotation-like displacement. Like for like: our 8-bit path against
remap on 8 bits (both return an 8-bit photo; ours also its hole mask), our float path against
remap on floats.

    python bench/warp.py [--size 2048]
"""
from __future__ import annotations

import argparse

from common import timed

import cv2
import numpy as np
import torch

from inference.ops.warp import forward_warp, forward_warp_image
from inference.sample import sample_image


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--size", type=int, default=2048)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    n = a.size
    img = cv2.resize(sample_image(), (n, n), interpolation=cv2.INTER_CUBIC)
    ys, xs = np.mgrid[0:n, 0:n].astype(np.float32)
    dx = 0.08 * n * np.exp(-((xs - n / 2) ** 2 + (ys - n / 2) ** 2) / (2 * (0.2 * n) ** 2))
    u, v = xs + dx, ys + 0.01 * dx
    x = torch.from_numpy(img).permute(2, 0, 1).float().contiguous()
    target = torch.from_numpy(np.stack([u, v])).contiguous()
    z = torch.from_numpy(dx.astype(np.float32))
    map_x, map_y = (xs - dx).astype(np.float32), (ys - 0.01 * dx).astype(np.float32)
    print(f"image {n}x{n} RGB ({n * n / 1e6:.1f} MP), {torch.get_num_threads()} threads")
    with torch.no_grad():
        ours = timed(lambda: forward_warp(x, target), a.repeat)
        ours_z = timed(lambda: forward_warp(x, target, z), a.repeat)
        t_np, z_np = target.numpy(), z.numpy()
        ours8 = timed(lambda: forward_warp_image(img, t_np), a.repeat)
        ours8_z = timed(lambda: forward_warp_image(img, t_np, z_np), a.repeat)
        remap = timed(lambda: cv2.remap(img, map_x, map_y, cv2.INTER_LINEAR), a.repeat)
        remap_f = timed(lambda: cv2.remap(img.astype(np.float32), map_x, map_y, cv2.INTER_LINEAR), a.repeat)
        ref = timed(lambda: forward_warp(x, target, backend="reference"), 1, warmup=0)
    print(f"{'method':40s} {'ms':>8s} {'x cv2.remap (uint8)':>20s}")
    for name, t in (("visage splat, uint8 photo (C++)", ours8), ("visage splat + z-buffer, uint8 (C++)", ours8_z),
                    ("visage splat, float32 (C++, autograd)", ours),
                    ("visage splat + z-buffer, float32", ours_z),
                    ("cv2.remap, uint8, bilinear", remap), ("cv2.remap, float32, bilinear", remap_f),
                    ("torch reference splat", ref)):
        print(f"{name:40s} {t * 1e3:8.1f} {t / remap:20.2f}")


if __name__ == "__main__":
    main()
