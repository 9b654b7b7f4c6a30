"""Gradient-domain solver and point-warp speed on a ~1-megapixel face crop, one run.

The sample portrait's face upscaled to 1000x1000 and a brow-like mask (its left eyebrow from
the parsing, grown until it covers ~8 % of the crop): inference/poisson.py (a first solve,
set-up included, and a repeat solve on a kept PoissonSolver) against cv2.seamlessClone on the
same mask, median of 5, by multigrid and by a direct factorisation (first solve and repeat);
then the MLS / TPS fields of inference/point_warp.py on the crop with 10 control points.

    python bench/poisson.py [--size 1000] [--cover 0.08] [--repeat 5]
"""
from __future__ import annotations

import argparse

from common import timed

import cv2
import numpy as np

from inference.faces import detect
from inference.point_warp import invert_map, mls_warp_field, tps_warp_field, warp_image
from inference.poisson import PoissonSolver
from inference.sample import sample_image


def face_crop(size: int, cover: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[float, float]]:
    """(crop uint8, brow-like mask, the left brow's landmarks in the crop, crop scale)."""
    img = sample_image()
    face = detect(img)[0]
    labels = face.parsing_for(img).full(*img.shape[:2])
    cx, cy = face.centre
    half = 0.9 * face.size
    x0, y0 = int(cx - half), int(cy - 1.1 * half)
    side = int(2 * half)
    crop = cv2.resize(img[y0:y0 + side, x0:x0 + side], (size, size), interpolation=cv2.INTER_CUBIC)
    brow = cv2.resize((labels[y0:y0 + side, x0:x0 + side] == 2).astype(np.uint8), (size, size),
                      interpolation=cv2.INTER_NEAREST)
    r = 1
    while True:   # grown, more sideways than up, until it covers `cover` of the crop
        grown = cv2.dilate(brow, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3 * r + 1, 2 * r + 1)))
        if grown.mean() >= cover:
            break
        r += 1
    s = size / side
    pts = (face.landmarks68[17:27] - [x0, y0]) * s
    return crop, grown.astype(bool), pts, (s, s)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--size", type=int, default=1000)
    ap.add_argument("--cover", type=float, default=0.08)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    crop, mask, brows, _ = face_crop(a.size, a.cover)
    ys, xs = np.nonzero(mask)
    x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
    w, h = x1 - x0 + 1, y1 - y0 + 1
    print(f"crop {a.size}x{a.size} RGB, mask {mask.mean() * 100:.1f} % ({mask.sum()} px, box {w}x{h}), "
          f"{cv2.getNumThreads()} OpenCV threads")
    # the source: skin from lower on the face moved under the brow (what a brow removal clones)
    src8 = np.roll(crop, -int(0.28 * a.size), axis=0)
    dst, src = crop.astype(np.float32), src8.astype(np.float32)
    centre = (int(x0 + w // 2), int(y0 + h // 2))   # cv2 puts the mask's box of src centred here
    m8 = mask.astype(np.uint8) * 255
    mg, direct = PoissonSolver(mask, method="multigrid"), PoissonSolver(mask, method="direct")
    auto = "direct" if PoissonSolver(mask).direct else "multigrid"
    rows = []
    for mode, guide, mixed, flag in (("clone", src, False, cv2.NORMAL_CLONE), ("mixed", src, True, cv2.MIXED_CLONE),
                                     ("membrane", None, False, None)):
        t = {"mg first": timed(lambda: PoissonSolver(mask, method="multigrid").solve(dst, guide, mixed), a.repeat),
             "mg repeat": timed(lambda: mg.solve(dst, guide, mixed), a.repeat),
             "direct first": timed(lambda: PoissonSolver(mask, method="direct").solve(dst, guide, mixed), a.repeat),
             "direct repeat": timed(lambda: direct.solve(dst, guide, mixed), a.repeat)}
        if flag is not None:
            t["cv2"] = timed(lambda: cv2.seamlessClone(src8, crop, m8, centre, flag), a.repeat)
        rows.append((mode, t, mg.iterations))
    setup = timed(lambda: PoissonSolver(mask, method="multigrid"), a.repeat)
    cols = ("mg first", "mg repeat", "direct first", "direct repeat", "cv2")
    print(f"\nmilliseconds, median of {a.repeat} (auto picks {auto} for this mask; mg = multigrid CG)")
    print(f"{'':10s}" + "".join(f"{c:>14s}" for c in cols) + f"{'CG it':>7s}")
    for mode, t, its in rows:
        print(f"{mode:10s}" + "".join(f"{t[c] * 1e3:14.1f}" if c in t else f"{'-':>14s}" for c in cols) + f"{its:7d}")
    print(f"{'set-up':10s}{setup * 1e3:14.1f}  (multigrid hierarchy alone)")
    print("\nratios to cv2.seamlessClone (below 1: faster)")
    print(f"{'':10s}" + "".join(f"{c:>14s}" for c in cols[:4]))
    for mode, t, _ in rows:
        if "cv2" in t:
            print(f"{mode:10s}" + "".join(f"{t[c] / t['cv2']:14.2f}" for c in cols[:4]))

    # 10 control points: the two brows' landmarks, one brow raised by 3 % of the crop
    src_pts = brows
    dst_pts = brows.copy()
    dst_pts[:5, 1] -= 0.03 * a.size
    shape = crop.shape[:2]
    print(f"\n{'point warp, 10 points':32s} {'ms':>8s}")
    for name, fn in (("MLS similarity, step 4", lambda: mls_warp_field(src_pts, dst_pts, shape)),
                     ("MLS similarity, step 8", lambda: mls_warp_field(src_pts, dst_pts, shape, step=8)),
                     ("MLS rigid, step 4", lambda: mls_warp_field(src_pts, dst_pts, shape, kind="rigid")),
                     ("MLS affine, step 4", lambda: mls_warp_field(src_pts, dst_pts, shape, kind="affine")),
                     ("MLS similarity, exact (step 1)", lambda: mls_warp_field(src_pts, dst_pts, shape, step=1)),
                     ("TPS, step 4", lambda: tps_warp_field(src_pts, dst_pts, shape))):
        print(f"{name:32s} {timed(fn, a.repeat) * 1e3:8.1f}")
    maps = mls_warp_field(src_pts, dst_pts, shape)
    print(f"{'warp_image (bicubic remap)':32s} {timed(lambda: warp_image(crop, *maps), a.repeat) * 1e3:8.1f}")
    print(f"{'invert_map, step 4':32s} {timed(lambda: invert_map(*maps, step=4), a.repeat) * 1e3:8.1f}")


if __name__ == "__main__":
    main()
