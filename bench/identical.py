"""Refactoring guard: the head turn (preview and full), the skin smoothing and the inpainting
give bit-identical outputs before and after a change of structure.

    python bench/identical.py --save DIR     (on the code before the change)
    python bench/identical.py --check DIR    (after it: exit 1 and the differences if any)

Photos: the public-domain sample and two of ../shared/data (skipped when absent, and said).
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
from common import SHARED_DATA

from inference import edits
from inference.edits.rotate import RotateError
from inference.faces import detect
from inference.io import read_image
from inference.sample import sample_image

PHOTOS = ["landmarks_300w/helen_testset/2984478058_1.jpg", "multiface/facer_samples/ffhq_15723.jpg"]


def _photos() -> list[tuple[str, np.ndarray]]:
    out = [("sample", sample_image())]
    for rel in PHOTOS:
        p = SHARED_DATA / rel
        if p.exists():
            out.append((Path(rel).stem, read_image(p).rgb))
        else:
            print(f"note: {rel} not present, skipped", file=sys.stderr)
    return out


def _hole(image: np.ndarray, face) -> np.ndarray:
    """A blob over the face's left cheek and a stroke across the background: a fixed mask."""
    import cv2
    mask = np.zeros(image.shape[:2], np.uint8)
    x0, y0, x1, y1 = (int(v) for v in face.box)
    cv2.circle(mask, (x0 + (x1 - x0) // 4, y0 + (y1 - y0) * 3 // 5), max(4, (x1 - x0) // 10), 255, -1)
    cv2.line(mask, (5, 5), (image.shape[1] // 5, image.shape[0] // 6), 255, 7)
    return mask


def outputs() -> dict[str, np.ndarray]:
    """Every output, named photo/edit/params."""
    res: dict[str, np.ndarray] = {}
    for name, image in _photos():
        image.setflags(write=False)
        faces = detect(image)
        face = faces[0]
        for s in (0.3, 0.8):
            res[f"{name}/skin/{s}"] = edits.get("skin").apply_region(image, copy.deepcopy(face), strength=s).pixels
        for yaw in (-15.0, 28.0):
            for preview in (True, False):
                key = f"{name}/rotate/{yaw}/{'preview' if preview else 'full'}"
                try:
                    res[key] = edits.get("rotate").apply_region(image, copy.deepcopy(face), yaw=yaw,
                                                                preview=preview).pixels
                except RotateError:         # a turn the face cannot take: recorded as refused
                    res[key] = np.zeros(0, np.uint8)
        mask = _hole(image, face)
        for engine in ("patchmatch", "telea"):
            p = edits.get("inpaint").apply_region(image, None, mask=mask, engine=engine, seed=3)
            res[f"{name}/inpaint/{engine}"] = p.pixels
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--save", type=Path)
    g.add_argument("--check", type=Path)
    args = ap.parse_args()
    res = outputs()
    digests = {k: hashlib.sha256(np.ascontiguousarray(v).tobytes()).hexdigest() + f" {v.shape}"
               for k, v in res.items()}
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        (args.save / "digests.json").write_text(json.dumps(digests, indent=1))
        np.savez_compressed(args.save / "outputs.npz", **res)
        print(f"{len(res)} outputs saved to {args.save}")
        return 0
    want = json.loads((args.check / "digests.json").read_text())
    bad = [k for k in want if digests.get(k) != want[k]]
    missing = sorted(set(want) - set(digests))
    if bad:
        ref = np.load(args.check / "outputs.npz")
        for k in bad:
            if k in res and ref[k].shape == res[k].shape:
                d = np.abs(ref[k].astype(int) - res[k].astype(int))
                print(f"DIFFERENT {k}: {np.count_nonzero(d)} values differ, max {d.max()}")
            else:
                print(f"DIFFERENT {k}: {'missing' if k not in res else 'shape ' + str(res[k].shape)}")
    print(f"{len(want) - len(bad)} of {len(want)} outputs bit-identical" + (f" ({len(missing)} missing)" if missing else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
