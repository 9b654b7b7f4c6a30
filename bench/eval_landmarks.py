"""68-point landmark error on ../shared/data/landmarks_*: NME normalised by sqrt(w*h) of the
ground-truth box (FAN's convention), per dataset, with the failure rate (NME > 7 %, a missed
face counts as a failure) and the yaw error against AFLW2000-3D's Pose_Para.

    python bench/eval_landmarks.py [DATA_DIR] [--fit]

Two figures per dataset: with the shipped mapping (fitted on all these photos: in-sample)
and leave-one-out (each photo scored by a mapping fitted without it: the honest one).
--fit refits the mapping on every photo and writes inference/data/mesh_to_68.npz.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from common import SHARED_DATA

import numpy as np

from bench.landmark_data import annotated_photos, nme
from inference import landmarks as L
from inference.faces import detect
from inference.io import read_image
from inference.landmark_fit import fit_mapping

FAIL = 0.07


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("data", nargs="?", default=str(SHARED_DATA))
    ap.add_argument("--fit", action="store_true", help="refit and write the shipped mapping")
    a = ap.parse_args()
    rows = []  # (dataset, name, mesh or None, gt, pose, face)
    for ds, photo, gt, pose in annotated_photos(Path(a.data)):
        faces = detect(read_image(photo).rgb)
        face = min(faces, key=lambda f: np.linalg.norm(f.landmarks68.mean(0) - gt.mean(0))) if faces else None
        rows.append((ds, photo.name, None if face is None else face.mesh, gt, pose, face))
    found = [(m, g) for _, _, m, g, _, _ in rows if m is not None]
    if a.fit:
        idx, w = fit_mapping(found)
        np.savez_compressed(L.MAPPING_PATH, indices=idx, weights=w)
        L._mapping.cache_clear()
        print(f"mapping fitted on {len(found)} photos -> {L.MAPPING_PATH}")
    print(f"{'dataset':10s} {'photos':>6s} {'missed':>6s} {'NME shipped':>12s} {'NME LOO':>8s} "
          f"{'fail LOO':>8s} {'median |yaw err|':>17s}")
    for ds in dict.fromkeys(r[0] for r in rows):
        mine = [r for r in rows if r[0] == ds]
        shipped, loo, yaw_err = [], [], []
        for r in mine:
            _, _, mesh, gt, pose, face = r
            if mesh is None:
                continue
            shipped.append(nme(L.mesh_to_68(mesh), gt))
            idx, w = fit_mapping([(m, g) for _, _, m, g, _, _ in rows if m is not None and m is not mesh])
            loo.append(nme(np.einsum("lk,lkc->lc", w, mesh[idx][:, :, :2]), gt))
            if pose is not None:
                yaw_err.append(abs(face.pose.yaw - pose[1]))
        missed = len(mine) - len(loo)
        fails = sum(e > FAIL for e in loo) + missed
        print(f"{ds:10s} {len(mine):6d} {missed:6d} {100 * np.mean(shipped):11.2f}% {100 * np.mean(loo):7.2f}% "
              f"{100 * fails / len(mine):7.0f}% " + (f"{np.median(yaw_err):16.1f}°" if yaw_err else f"{'-':>17s}"))


if __name__ == "__main__":
    main()
