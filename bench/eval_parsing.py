"""Parsing quality on ../shared/data: per-class F1 (left/right merged) and HELEN's "overall"
F1 (brows, eyes, nose, upper lip, inner mouth, lower lip pixels counted together). On
CelebAMask-HQ, which annotates them, also the neck's and the clothes' F1 (their neck and cloth
against our neck and clothes; the other classes are scored as before, those pixels unscored).

    python bench/eval_parsing.py [DATA_DIR] [--coarse | --no-atlas | --loo] [--save-dir DIR]

--loo refits the parsing atlas without the photo being scored (leave-one-out), so that no
photo is parsed with a table that has seen its own labels: that is the honest figure.
"""
from __future__ import annotations

import argparse
import time

from common import SHARED_DATA

import cv2
import numpy as np

from bench.parsing_data import IGNORE, parsing_sets
from inference import parsing as P
from inference.faces import detect
from inference.io import read_image

GROUPS = {"skin": [P.SKIN], "brows": [P.LEFT_BROW, P.RIGHT_BROW], "eyes": [P.LEFT_EYE, P.RIGHT_EYE],
          "nose": [P.NOSE], "upper lip": [P.UPPER_LIP], "inner mouth": [P.INNER_MOUTH],
          "lower lip": [P.LOWER_LIP], "hair": [P.HAIR]}
OVERALL = [P.LEFT_BROW, P.RIGHT_BROW, P.LEFT_EYE, P.RIGHT_EYE, P.NOSE, P.UPPER_LIP, P.INNER_MOUTH, P.LOWER_LIP]


def counts(pred: np.ndarray, gt: np.ndarray) -> dict[str, np.ndarray]:
    """(TP, predicted, true) per group and for the overall set, ignoring unscored pixels."""
    scored = gt != IGNORE
    out = {}
    for name, cls in list(GROUPS.items()) + [("overall", OVERALL)]:
        pm, gm = np.isin(pred, cls) & scored, np.isin(gt, cls) & scored
        if name != "overall":
            tp = (pm & gm).sum()
        else:  # a pixel counts when its exact class is right (left brow is not right brow)
            tp = ((pred == gt) & gm).sum()
        out[name] = np.array([tp, pm.sum(), gm.sum()], dtype=np.float64)
    return out


CELEBA_BODY = {"neck": (17, P.NECK), "clothes": (18, P.CLOTHES)}   # CelebAMask-HQ's index, ours


def body_counts(pred: np.ndarray, raw: np.ndarray) -> dict[str, np.ndarray]:
    """(TP, predicted, true) of neck and clothes against CelebAMask-HQ's own labels ``raw``."""
    return {name: np.array([((pred == ours) & (raw == theirs)).sum(), (pred == ours).sum(), (raw == theirs).sum()],
                           dtype=np.float64) for name, (theirs, ours) in CELEBA_BODY.items()}


def _celeba_raw(photo) -> np.ndarray | None:
    from PIL import Image
    lab = photo.parent.parent / "labels" / (photo.stem + ".png")
    if "celebamaskhq" not in str(photo) or not lab.exists():
        return None
    raw = np.array(Image.open(lab))
    return raw[..., 0] if raw.ndim == 3 else raw


def f1(c: np.ndarray) -> float:
    tp, npred, ntrue = c
    return 2 * tp / (npred + ntrue) if npred + ntrue > 0 else float("nan")


def parse_photo(path, mode: str, atlas=None) -> np.ndarray | None:
    img = read_image(path).rgb
    faces = detect(img)
    if not faces:
        return None
    face = faces[0]
    h, w = img.shape[:2]
    if mode == "coarse":
        parsing = P.coarse_parsing(face.mesh, face.box, h, w)
    elif mode == "no-atlas":
        parsing = P.parse(img, face, atlas=None)
    elif mode == "loo":
        parsing = P.parse(img, face, atlas=atlas)
    else:
        parsing = P.parse(img, face)
    return parsing.full(h, w)


def loo_atlases(sets) -> dict:
    """{photo: atlas fitted on every other photo}."""
    from bench.fit_parsing_atlas import samples_for
    from inference import face_atlas
    from inference.mesh_topology import tesselation_triangles
    tris = np.array(tesselation_triangles())
    items = [it for v in sets.values() for it in v]
    samples = {photo: s for (photo, _), s in zip(items, [samples_for([it]) for it in items])}
    return {photo: face_atlas.fit([s[0] for q, s in samples.items() if q != photo and s], tris)
            for photo in samples}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("data", nargs="?", default=str(SHARED_DATA))
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--coarse", action="store_true", help="mesh polygons only (no refinement)")
    g.add_argument("--no-atlas", action="store_true", help="refinement from the mesh polygons, no atlas")
    g.add_argument("--loo", action="store_true", help="refinement with a leave-one-out atlas")
    ap.add_argument("--save-dir", help="write side-by-side prediction/truth images here")
    a = ap.parse_args()
    from pathlib import Path
    sets = parsing_sets(Path(a.data))
    names = list(GROUPS) + ["overall"]
    mode = "coarse" if a.coarse else "no-atlas" if a.no_atlas else "loo" if a.loo else "shipped"
    atlases = loo_atlases(sets) if mode == "loo" else {}
    print(f"method: {mode}")
    print(f"{'dataset':14s} {'photos':>6s} {'parsed':>6s} " + " ".join(f"{n[:11]:>11s}" for n in names))
    for ds, items in sets.items():
        total = {n: np.zeros(3) for n in names}
        body = {n: np.zeros(3) for n in CELEBA_BODY}
        parsed = 0
        t = time.perf_counter()
        for photo, gt in items:
            pred = parse_photo(photo, mode, atlases.get(photo))
            if pred is None:
                pred = np.zeros(gt.shape, np.uint8)
            else:
                parsed += 1
            if pred.shape != gt.shape:
                pred = cv2.resize(pred, gt.shape[::-1], interpolation=cv2.INTER_NEAREST)
            for n, c in counts(pred, gt).items():
                total[n] += c
            raw = _celeba_raw(photo)
            if raw is not None:
                for n, c in body_counts(pred, raw).items():
                    body[n] += c
            if a.save_dir:
                Path(a.save_dir).mkdir(parents=True, exist_ok=True)
                vis = np.hstack([P.CLASS_COLORS[pred], P.CLASS_COLORS[np.where(gt == IGNORE, 0, gt)]])
                cv2.imwrite(str(Path(a.save_dir) / f"{ds}_{photo.stem}.png"), vis[..., ::-1])
        dt = (time.perf_counter() - t) / len(items)
        print(f"{ds:14s} {len(items):6d} {parsed:6d} " + " ".join(f"{f1(total[n]):11.3f}" for n in names)
              + f"   ({dt:.2f} s/photo)")
        if body["neck"][2] > 0:
            print(f"{'':14s} {'':13s} " + "  ".join(f"{n} {f1(c):.3f}" for n, c in body.items()))


if __name__ == "__main__":
    main()
