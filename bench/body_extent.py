"""What continuing the clothes past the parsing's crop (inference.body_extent) costs and gives.

Click -> overlay on a 12-megapixel photo (the GUI's analyse job: parse, then the overlay's
labels and colours) with the continuation and without it (RefineParams(body=False)), the two
interleaved in the same run, each against an outside anchor timed between them (cv2.resize of
the photo to 1000x750, area): this machine is shared and its speed drifts. Then what it gives:
on each photo, the fraction of the old crop's bottom (left, right) border line where the body
(neck or clothes) is on one side and not on the other (a straight edge in the overlay), before
and after, and how far below the crop the clothes now reach; and that classes 0-10 and the
crop's scores are bit-identical.

    python bench/body_extent.py [--runs N] [PHOTO ...]   (default: the sample upscaled to
                                     4000x3000, the sample smaller in a 4000x3000 photo, the sample)
"""
from __future__ import annotations

import argparse
import copy
import statistics
import time

from common import ROOT  # noqa: F401  (puts the project on sys.path)

import cv2
import numpy as np
import torch

from inference import parsing as P
from inference.body_extent import body_extent, overlay_labels
from inference.faces import detect
from inference.io import read_image
from inference.sample import sample_image


def _click(img: np.ndarray, face, body: bool) -> P.Parsing:
    """What the analyse job does for one click (app.jobs.analyse), before or after."""
    p = P.parse(img, copy.deepcopy(face), P.RefineParams(body=body))
    labels = overlay_labels(p)[0] if body else p.labels
    P.colorize(labels)
    return p


def _skin_samples(img: np.ndarray, face, p: P.Parsing) -> np.ndarray:
    """Lab colours of the crop's skin (what parse() hands the continuation: its sure skin)."""
    lab = cv2.cvtColor(np.ascontiguousarray(img[p.y0:p.y0 + p.height, p.x0:p.x0 + p.width]), cv2.COLOR_RGB2LAB)
    return lab[p.labels_full() == P.SKIN].astype(np.float32)


def _time(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def edge_fractions(p: P.Parsing, labels: np.ndarray) -> dict[str, float]:
    """Per side of the crop where the photo goes on: the fraction of the border line where
    the body (neck or clothes) is on one side and not on the other. ``labels``: photo-sized."""
    body = np.isin(labels, (P.NECK, P.CLOTHES))
    H, W = labels.shape
    x0, y0, x1, y1 = p.x0, p.y0, p.x0 + p.width, p.y0 + p.height
    out = {}
    if y1 < H:
        out["bottom"] = float(np.mean(body[y1 - 1, x0:x1] != body[y1, x0:x1]))
    if x0 > 0:
        out["left"] = float(np.mean(body[y0:y1, x0] != body[y0:y1, x0 - 1]))
    if x1 < W:
        out["right"] = float(np.mean(body[y0:y1, x1 - 1] != body[y0:y1, x1]))
    return out


def report(name: str, img: np.ndarray, runs: int) -> None:
    face = detect(img)[0]
    H, W = img.shape[:2]
    for body in (False, True):   # first use loads the segmenter and the atlas: not a click
        _click(img, face, body)
    t = {False: [], True: []}
    anchor = []
    for _ in range(runs):
        for body in (False, True):
            anchor.append(_time(lambda: cv2.resize(img, (1000, 750), interpolation=cv2.INTER_AREA)))
            t[body].append(_time(lambda: _click(img, face, body)))
    before, after = _click(img, face, False), _click(img, face, True)
    a, m0, m1 = (1e3 * statistics.median(v) for v in (anchor, t[False], t[True]))
    print(f"{name} {W}x{H}, face {face.width:.0f}x{face.height:.0f} px, {torch.get_num_threads()} threads, "
          f"median of {runs}: click -> overlay {m0:.0f} ms before, {m1:.0f} ms after "
          f"(+{100 * (m1 / m0 - 1):.1f} %); anchor (resize to 1000x750) {a:.1f} ms: "
          f"{m0 / a:.2f}x -> {m1 / a:.2f}x the anchor")
    # the added work alone (short, so less exposed to the machine's drift), timed between clicks:
    # the continuation, and the bigger overlay's labels and colours less the crop's
    skin = _skin_samples(img, face, before)
    extra, base = [], []
    for _ in range(3 * runs):
        base.append(_time(lambda: _click(img, face, False)))
        before._labels = None
        t0 = _time(lambda: P.colorize(before.labels))
        before._labels = None
        t1 = _time(lambda: (setattr(before, "body", body_extent(img, before, skin, face)),
                            P.colorize(overlay_labels(before)[0])))
        before.body = None
        extra.append(t1 - t0)
    e, b0 = 1e3 * statistics.median(extra), 1e3 * statistics.median(base)
    print(f"  added work alone: median {e:.1f} ms over {3 * runs} = {100 * e / b0:.1f} % of the click's "
          f"median {b0:.0f} ms timed between them")
    same = np.array_equal(before.scores, after.scores) and np.array_equal(before.labels_full(), after.labels_full())
    lb, la = before.full(H, W), after.full(H, W)
    face_cls = la < P.FACE_CLASSES
    print(f"  crop {before.width}x{before.height} at ({before.x0}, {before.y0}); scores and crop labels "
          f"{'bit-identical' if same else 'DIFFER'}; classes 0-10 identical on the photo: "
          f"{bool(np.array_equal(np.where(lb < P.FACE_CLASSES, lb, 0), np.where(face_cls, la, 0)) and not (face_cls & (la > 0) & (lb != la)).any())}")
    b = after.body
    if b is None:
        print("  no body continuation (the clothes and neck do not touch the crop's border)")
        return
    rows = np.nonzero((la == P.CLOTHES).any(1))[0]
    ov = overlay_labels(after)[0]
    print(f"  continuation {b.width}x{b.height} photo px at ({b.x0}, {b.y0}), coarse {b.labels.shape[1]}x"
          f"{b.labels.shape[0]} ({b.labels.nbytes / 1e3:.0f} kB); overlay {ov.shape[1]}x{ov.shape[0]} "
          f"(was {after.labels.shape[1]}x{after.labels.shape[0]}); clothes reach row {rows.max()} "
          f"(crop ends at {after.y0 + after.height}, photo at {H})")
    eb, ea = edge_fractions(before, lb), edge_fractions(after, la)
    print("  straight edge along the old crop border (fraction of the line): "
          + ", ".join(f"{k} {eb[k]:.3f} -> {ea[k]:.3f}" for k in eb))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("photos", nargs="*")
    ap.add_argument("--runs", type=int, default=10)
    a = ap.parse_args()
    if a.photos:
        for path in a.photos:
            report(path, read_image(path).rgb, a.runs)
        return
    img = sample_image()
    report("sample upscaled", cv2.resize(img, (4000, 3000), interpolation=cv2.INTER_CUBIC), a.runs)
    # a smaller face in a 12 MP photo: the sample at 1500x1500 at the bottom of a grey one (the
    # crop is parsed nearer its full resolution, so the overlay over the body is bigger)
    small = np.full((3000, 4000, 3), 128, np.uint8)
    small[1500:, 1250:2750] = cv2.resize(img, (1500, 1500), interpolation=cv2.INTER_CUBIC)
    report("sample 1500 px in a 12 MP photo", small, a.runs)
    report("sample", img, a.runs)


if __name__ == "__main__":
    main()
