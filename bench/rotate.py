"""Head turn, measured by re-running face analysis on the result: the yaw change against the
angle asked, the 68-point shape after turning +20° and back (identity: mean point distance
after a similarity alignment, over sqrt(w*h)), and the preview time for one slider step, on
the sample portrait and photos of ../shared/data.

    python bench/rotate.py [DATA_DIR]
"""
from __future__ import annotations

import argparse
import copy
import statistics
import time
from pathlib import Path

from common import SHARED_DATA

from inference.edits import rotate
from inference.faces import analyse, detect, face_at
from inference.io import read_image
from inference.landmarks import shape_distance
from inference.sample import sample_image

PHOTOS = ["multiface/facer_samples/girl.jpg", "parsing_celebamaskhq/maskgan_samples/images/0.jpg",
          "parsing_celebamaskhq/maskgan_samples/images/2.jpg", "landmarks_300w/helen_testset/2984478058_1.jpg",
          "landmarks_300w/helen_testset/3040240981_1.jpg"]
ASKS = (-30, -20, -10, 10, 20, 30)


def same_face(face, found):
    """Of the faces found on a result, the one whose box holds where ``face``'s centre was (a
    photo can hold others, which a turn does not move; a turned head shifts far less than its
    box's half width)."""
    i = face_at(found, (face.box[0] + face.box[2]) / 2, (face.box[1] + face.box[3]) / 2)
    return None if i is None else found[i]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("data", nargs="?", default=str(SHARED_DATA))
    a = ap.parse_args()
    photos = [("sample", sample_image())]
    photos += [(p.split("/")[-1], read_image(Path(a.data) / p).rgb) for p in PHOTOS if (Path(a.data) / p).exists()]
    print(f"{'photo':22s} " + " ".join(f"{y:+6d}°" for y in ASKS) + "   there+back shape   preview ms")
    ratios = []
    for name, img in photos:
        face = detect(img)[0]
        measured = []
        for yaw in ASKS:
            after = same_face(face, detect(rotate.apply(img, copy.deepcopy(face), yaw)))
            d = after.pose.yaw - face.pose.yaw if after else float("nan")
            measured.append(d)
            ratios.append(d / yaw)
        there = rotate.apply(img, copy.deepcopy(face), 20)
        back = same_face(face, detect(rotate.apply(there, same_face(face, detect(there)), -20)))
        nme = shape_distance(face.landmarks68, back.landmarks68)
        f = copy.deepcopy(face)
        analyse(img, f)
        f.parsing.labels_full()
        times = []
        for yaw in (5, 10, 15, 20, 25, 30):
            t = time.perf_counter()
            rotate.apply_region(img, f, yaw, preview=True)
            times.append(time.perf_counter() - t)
        print(f"{name:22s} " + " ".join(f"{m:+7.1f}" for m in measured)
              + f"   {100 * nme:13.2f}%   {1e3 * statistics.median(times[1:]):8.0f}")
    print(f"measured / asked: median {statistics.median(ratios):.2f}, "
          f"min {min(ratios):.2f}, max {max(ratios):.2f}")


if __name__ == "__main__":
    main()
