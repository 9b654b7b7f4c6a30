"""Inpainting quality and speed on ../shared/data/inpainting (clean photo + hole mask: fill,
compare with the clean original), for our PatchMatch, OpenCV's Telea and pypatchmatch (an
existing PatchMatch library, the outside anchor; run with 7x7 patches like ours), in one run.

PSNR and SSIM inside the hole reward blur, so the texture gap is reported too:
|log2(E_fill / E_true)|, E the mean squared Laplacian of the grey image over the hole eroded
by 2 px (0: the fill has as much fine detail as the truth; a blur scores high).
Then the time to fill a 2 % hole in a 12-megapixel photo.

    python bench/inpaint.py [DATA_DIR] [--engines patchmatch,telea,pypatchmatch]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from common import SHARED_DATA

import cv2
import numpy as np
from PIL import Image
from skimage.metrics import structural_similarity

from inference.inpaint import inpaint
from inference.sample import sample_image


def texture_energy(img: np.ndarray, region: np.ndarray) -> float:
    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    lap = cv2.Laplacian(grey, cv2.CV_32F)
    return float((lap[region] ** 2).mean())


def scores(fill: np.ndarray, truth: np.ndarray, hole: np.ndarray) -> tuple[float, float, float]:
    err = ((fill[hole].astype(np.float64) - truth[hole]) ** 2).mean()
    psnr = 10 * np.log10(255.0 ** 2 / max(err, 1e-10))
    _, smap = structural_similarity(truth, fill, channel_axis=2, data_range=255, full=True)
    ssim = float(smap.mean(-1)[hole].mean())
    inner = cv2.erode(hole.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    gap = abs(np.log2(max(texture_energy(fill, inner), 1e-6) / max(texture_energy(truth, inner), 1e-6)))
    return psnr, ssim, gap


def run_engine(name: str, img: np.ndarray, hole: np.ndarray, seed: int = 0) -> np.ndarray:
    if name == "pypatchmatch":
        import patchmatch
        patchmatch.set_random_seed(seed)
        return patchmatch.inpaint(img, hole.astype(np.uint8) * 255, patch_size=3)
    return inpaint(img, hole.astype(np.uint8) * 255, name, seed=seed)


def dataset(root: Path) -> dict[str, list[tuple[str, np.ndarray, np.ndarray]]]:
    sets = {}
    for name, sub in (("faces", "faces/migan_ffhq256"), ("places", "places/migan_places256")):
        d = root / "inpainting" / sub
        items = []
        for m in sorted((d / "masks_hole255").glob("*.png")):
            img = next(p for p in (d / "images").glob(m.stem + ".*"))
            items.append((m.stem, np.array(Image.open(img).convert("RGB")), np.array(Image.open(m)) > 127))
        sets[name] = items
    return sets


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("data", nargs="?", default=str(SHARED_DATA))
    ap.add_argument("--engines", default="patchmatch,telea,pypatchmatch")
    a = ap.parse_args()
    engines = a.engines.split(",")
    print(f"{'set':7s} {'engine':13s} {'PSNR dB':>8s} {'SSIM':>6s} {'tex gap':>8s} {'s/photo':>8s}")
    for set_name, items in dataset(Path(a.data)).items():
        for eng in engines:
            res, times = [], []
            for _, img, hole in items:
                run_engine(eng, img, hole) if not times else None  # warm-up (lazy loads)
                t = time.perf_counter()
                out = run_engine(eng, img, hole)
                times.append(time.perf_counter() - t)
                res.append(scores(out, img, hole))
            r = np.array(res)
            print(f"{set_name:7s} {eng:13s} {r[:, 0].mean():8.2f} {r[:, 1].mean():6.3f} {r[:, 2].mean():8.2f} "
                  f"{np.mean(times):8.3f}")
    # 12 MP, 2 % hole
    big = cv2.resize(sample_image(), (4000, 3000), interpolation=cv2.INTER_CUBIC)
    hole = np.zeros(big.shape[:2], np.uint8)
    axes = (int(np.sqrt(0.02 * big.size / 3 / np.pi * 1.5)), int(np.sqrt(0.02 * big.size / 3 / np.pi / 1.5)))
    cv2.ellipse(hole, (2600, 900), axes, 20, 0, 360, 255, -1)
    for eng in [e for e in engines if e != "pypatchmatch"]:
        t = time.perf_counter()
        run_engine(eng, big, hole > 0)
        print(f"12 MP photo, {100 * (hole > 0).mean():.1f} % hole, {eng}: {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
