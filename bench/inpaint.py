"""Inpainting quality and speed on ../shared/data/inpainting (clean photo + hole mask: fill,
compare with the clean original), for our PatchMatch, OpenCV's Telea and pypatchmatch (an
existing PatchMatch library, the outside anchor; run with 7x7 patches like ours), in one run.

Two kinds of hole on every photo: the data's own free-form masks (60-90 % of the photo) and
strokes drawn here (object-removal sized, 8-20 %: a few thick scribbles, fixed per photo).
The photos are split in two halves, ``fitted`` (even positions in name order: parameters were
chosen on these) and ``held`` (odd positions: only reported), so a figure's carry-over shows.

PSNR and SSIM inside the hole reward blur, so the texture gap is reported too:
|log2(E_fill / E_true)|, E the mean squared Laplacian of the grey image over the hole eroded
by 2 px (0: the fill has as much fine detail as the truth; a blur scores high). ``seam``: the
mean grey step across the hole's edge (4-neighbour pairs, one pixel in, one out) minus the
truth's own there (0: no more edge than the photo has). ``block``: the largest piece copied
whole (4-connected hole pixels with one offset in our final nearest-neighbour field), as the
side of a square of its area in patch widths (the issue asks <= 2).
Then the time to fill a 2 % hole in a 12-megapixel photo.

``patchmatch+classes`` (faces only) is our engine given the largest face's parsing, as the
edit is when a face is selected: each hole pixel copies from the class round it.
``patchmatch-flat`` is our engine without the structure planes (inference/inpaint/structure.py).

    python bench/inpaint.py [DATA_DIR] [--engines patchmatch,patchmatch+classes,telea,pypatchmatch]
        [--split fitted|held|all] [--holes data,strokes] [--limit N] [--no-big] [--other-faces]

``--other-faces``: also every other face photo of the data (landmarks, makeup, multi-face and
parsing sets, about 40), cropped as FFHQ's are, with drawn strokes: a held-out set of faces.
"""
from __future__ import annotations

import argparse
import time
import zlib
from pathlib import Path

from common import SHARED_DATA

import cv2
import numpy as np
from PIL import Image
from skimage.metrics import structural_similarity

from inference.inpaint import inpaint
from inference.inpaint.patchmatch import largest_copied_block
from inference.sample import sample_image


def texture_energy(img: np.ndarray, region: np.ndarray) -> float:
    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    lap = cv2.Laplacian(grey, cv2.CV_32F)
    return float((lap[region] ** 2).mean())


def seam_step(img: np.ndarray, hole: np.ndarray) -> float:
    """Mean grey difference across the hole's edge (pairs of 4-neighbours, one in, one out)."""
    g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    steps = []
    for a, b in (((slice(None), slice(0, -1)), (slice(None), slice(1, None))),
                 ((slice(0, -1), slice(None)), (slice(1, None), slice(None)))):
        edge = hole[a] != hole[b]
        steps.append(np.abs(g[a] - g[b])[edge])
    s = np.concatenate(steps)
    return float(s.mean()) if s.size else 0.0


def scores(fill: np.ndarray, truth: np.ndarray, hole: np.ndarray) -> tuple[float, float, float, float]:
    err = ((fill[hole].astype(np.float64) - truth[hole]) ** 2).mean()
    psnr = 10 * np.log10(255.0 ** 2 / max(err, 1e-10))
    _, smap = structural_similarity(truth, fill, channel_axis=2, data_range=255, full=True)
    ssim = float(smap.mean(-1)[hole].mean())
    inner = cv2.erode(hole.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    gap = abs(np.log2(max(texture_energy(fill, inner), 1e-6) / max(texture_energy(truth, inner), 1e-6)))
    return psnr, ssim, gap, seam_step(fill, hole) - seam_step(truth, hole)


def face_classes(img: np.ndarray) -> np.ndarray | None:
    """The source groups of the photo's largest face (None without one): what the edit takes
    from the selected face."""
    from inference.faces import analyse, detect
    from inference.inpaint.sources import class_groups
    faces = detect(img)
    return class_groups(img, analyse(img, faces[0])) if faces else None


def run_engine(name: str, img: np.ndarray, hole: np.ndarray, seed: int = 0, stats: dict | None = None,
               classes: np.ndarray | None = None) -> np.ndarray:
    if name == "patchmatch+classes":
        return inpaint(img, hole.astype(np.uint8) * 255, "patchmatch", seed=seed, stats=stats, classes=classes)
    if name == "patchmatch-flat":   # ours without the structure planes (as before them)
        from inference.inpaint import patchmatch as PM
        keep, PM.STRUCTURE_WEIGHT = PM.STRUCTURE_WEIGHT, 0.0
        try:
            return inpaint(img, hole.astype(np.uint8) * 255, "patchmatch", seed=seed, stats=stats)
        finally:
            PM.STRUCTURE_WEIGHT = keep
    if name == "pypatchmatch":
        import patchmatch
        patchmatch.set_random_seed(seed)
        return patchmatch.inpaint(img, hole.astype(np.uint8) * 255, patch_size=3)
    return inpaint(img, hole.astype(np.uint8) * 255, name, seed=seed, stats=stats)


def stroke_mask(name: str, shape: tuple[int, int]) -> np.ndarray:
    """A few thick scribbles (object-removal sized), the same for a photo on every run."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    H, W = shape
    m = np.zeros(shape, np.uint8)
    for _ in range(int(rng.integers(2, 5))):
        pts = np.cumsum(rng.normal(0, W / 6, (int(rng.integers(3, 6)), 2)), 0) + rng.uniform(0.25, 0.75, 2) * (W, H)
        cv2.polylines(m, [np.clip(pts, 0, W - 1).astype(np.int32)], False, 255,
                      int(rng.integers(W // 40, W // 14)), cv2.LINE_AA)
    return m > 127


def dataset(root: Path, split: str, holes: list[str]) -> dict[str, list[tuple[str, np.ndarray, np.ndarray]]]:
    sets = {}
    for name, sub in (("faces", "faces/migan_ffhq256"), ("places", "places/migan_places256")):
        d = root / "inpainting" / sub
        masks = sorted((d / "masks_hole255").glob("*.png"))
        keep = {"fitted": masks[0::2], "held": masks[1::2], "all": masks}[split]
        for kind in holes:
            items = []
            for m in keep:
                img = np.array(Image.open(next((d / "images").glob(m.stem + ".*"))).convert("RGB"))
                hole = np.array(Image.open(m)) > 127 if kind == "data" else stroke_mask(m.stem, img.shape[:2])
                items.append((m.stem, img, hole))
            sets[f"{name}/{kind}"] = items
    return sets


OTHER_FACES = ("landmarks_300w/*/*.jpg", "landmarks_aflw2000_prnet/*.jpg", "landmarks_menpo/*.*",
               "makeup/*/*/*.png", "multiface/*/*.jpg", "parsing_celebamaskhq/*/images/*.jpg",
               "parsing_helen_mgpe/images/*.png")


def other_faces(root: Path) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Every other face photo of ../shared/data (landmarks, makeup, multi-face, parsing sets),
    its largest face cropped as FFHQ's photos are (a square of 2.2 face sizes round the 68
    points' centre, 256 px) with strokes drawn here: faces nobody chose an inpainting
    parameter on."""
    from inference.faces import detect
    from inference.io import read_image
    out = []
    for pattern in OTHER_FACES:
        for path in sorted(root.glob(pattern)):
            if path.suffix.lower() not in (".jpg", ".png"):
                continue
            img = read_image(path).rgb
            faces = detect(img)
            if not faces:
                continue
            f = max(faces, key=lambda f: f.size)
            cx, cy = np.asarray(f.landmarks68, float).mean(0)
            side = int(2.2 * f.size)
            pad = cv2.copyMakeBorder(img, side, side, side, side, cv2.BORDER_REFLECT)
            x0, y0 = int(cx - side / 2) + side, int(cy - side / 2) + side
            crop = cv2.resize(pad[y0:y0 + side, x0:x0 + side], (256, 256), interpolation=cv2.INTER_AREA)
            out.append((path.stem, crop, stroke_mask(path.stem, crop.shape[:2])))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", nargs="?", default=str(SHARED_DATA))
    ap.add_argument("--engines", default="patchmatch,patchmatch+classes,telea,pypatchmatch",
                    help="also: patchmatch-flat")
    ap.add_argument("--split", choices=("fitted", "held", "all"), default="all")
    ap.add_argument("--holes", default="data,strokes", help="data (the masks given), strokes (drawn here)")
    ap.add_argument("--limit", type=int, default=0, help="at most N photos per set (0: all)")
    ap.add_argument("--no-big", action="store_true", help="skip the 12 MP timing")
    ap.add_argument("--other-faces", action="store_true",
                    help="also the strokes on every other face photo of the data (cropped as FFHQ's)")
    a = ap.parse_args()
    engines = a.engines.split(",")
    print(f"split: {a.split}")
    print(f"{'set':15s} {'engine':13s} {'PSNR dB':>8s} {'SSIM':>6s} {'tex gap':>8s} {'seam':>6s} {'block':>6s} "
          f"{'s/photo':>8s}")
    sets = dataset(Path(a.data), a.split, a.holes.split(","))
    if a.other_faces:
        sets["faces-other/strokes"] = other_faces(Path(a.data))
    for set_name, items in sets.items():
        items = items[:a.limit] if a.limit else items
        names = [e for e in engines if e != "patchmatch+classes" or set_name.startswith("faces")]
        res: dict[str, list] = {e: [] for e in names}
        times: dict[str, list] = {e: [] for e in names}
        blocks: dict[str, list] = {e: [] for e in names}
        for i, (_, img, hole) in enumerate(items):
            classes = face_classes(img) if "patchmatch+classes" in names else None
            for eng in names:   # interleaved, photo by photo: a busy machine slows all alike
                if i == 0:
                    run_engine(eng, img, hole, classes=classes)  # warm-up (lazy loads)
                stats: dict = {}
                t = time.perf_counter()
                out = run_engine(eng, img, hole, stats=stats if eng.startswith("patchmatch") else None,
                                 classes=classes if eng == "patchmatch+classes" else None)
                times[eng].append(time.perf_counter() - t)
                res[eng].append(scores(out, img, hole))
                if "nnf" in stats:
                    blocks[eng].append(np.sqrt(largest_copied_block(stats["nnf"], stats["hole"])) / stats["patch"])
        for eng in names:
            r = np.array(res[eng])
            block = f"{max(blocks[eng]):6.2f}" if blocks[eng] else f"{'-':>6s}"
            print(f"{set_name:15s} {eng:13s} {r[:, 0].mean():8.2f} {r[:, 1].mean():6.3f} {r[:, 2].mean():8.2f} "
                  f"{r[:, 3].mean():6.2f} {block} {np.mean(times[eng]):8.3f}", flush=True)
    if a.no_big:
        return
    # 12 MP, 2 % hole
    big = cv2.resize(sample_image(), (4000, 3000), interpolation=cv2.INTER_CUBIC)
    hole = np.zeros(big.shape[:2], np.uint8)
    axes = (int(np.sqrt(0.02 * big.size / 3 / np.pi * 1.5)), int(np.sqrt(0.02 * big.size / 3 / np.pi / 1.5)))
    cv2.ellipse(hole, (2600, 900), axes, 20, 0, 360, 255, -1)
    for eng in [e for e in engines if e in ("patchmatch", "telea")]:
        t = time.perf_counter()
        run_engine(eng, big, hole > 0)
        print(f"12 MP photo, {100 * (hole > 0).mean():.1f} % hole, {eng}: {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
