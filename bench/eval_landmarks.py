"""68-point landmark error on ../shared/data/landmarks_*: NME normalised by sqrt(w*h) of the
ground-truth box (FAN's convention), per dataset, with the failure rate (NME > 7 %, a missed
face counts as a failure) and the yaw error against AFLW2000-3D's Pose_Para.

    python bench/eval_landmarks.py [DATA_DIR] [--fit]

Two figures per dataset: with the shipped mapping (fitted on all these photos: in-sample)
and leave-one-out (each photo scored by a mapping fitted without it: the honest one).
--fit refits the mapping on every photo and writes inference/data/mesh_to_68.npz.

Yaw: Face.pose (landmarks.template_pose: the rigid template of bench/fit_pose_template.py,
built without AFLW2000-3D's photos, fitted to the mesh's 2D points) against the older reading
from the mesh's z (landmarks.head_pose), median and max |error|. Jaw on turned faces (|yaw| > TURNED): the
far side's jaw points (0-7 turned to the image's left, 9-16 to its right) as the mesh gives
them (its outline: 300-W's convention) and as the template's jaw projected by the fitted pose
(the hidden 3D jaw: AFLW2000-3D's convention), NME of those points, leave-one-out mapping.
Multi-face photos (AFW, dlib's VOC boxes; bench.landmark_data.multiface_annotations): annotated
faces found (a meshed face, or one too small to mesh, whose box and the annotated box hold
each other's centres).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from common import SHARED_DATA

import numpy as np

from bench.landmark_data import annotated_photos, multiface_annotations, nme
from inference import landmarks as L
from inference.faces import detect, detect_all
from inference.io import read_image
from inference.landmark_fit import fit_mapping

FAIL = 0.07
TURNED = 30.0


def far_jaw(mesh: np.ndarray, idx: np.ndarray, w: np.ndarray) -> tuple[list[int], np.ndarray, np.ndarray]:
    """(far-side jaw points, as the mesh gives them, as the projected template's jaw)."""
    m = np.asarray(mesh, np.float64)
    T = L._template()
    R, s, t = L.fit_rotation(T, m[:, :2], L.head_axes(m))
    seen = s * (T @ R.T)[:, :2] + t
    far = list(range(0, 8)) if L.template_pose(m)[0] > 0 else list(range(9, 17))
    return (far, np.einsum("lk,lkc->lc", w, m[idx][:, :, :2])[far], np.einsum("lk,lkc->lc", w, seen[idx])[far])


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
          f"{'fail LOO':>8s} {'|yaw err| med/max':>18s} {'mesh z (old)':>13s}")
    jaw = {}
    for ds in dict.fromkeys(r[0] for r in rows):
        mine = [r for r in rows if r[0] == ds]
        shipped, loo, yaw_err, old_err = [], [], [], []
        for r in mine:
            _, _, mesh, gt, pose, face = r
            if mesh is None:
                continue
            shipped.append(nme(L.mesh_to_68(mesh), gt))
            idx, w = fit_mapping([(m, g) for _, _, m, g, _, _ in rows if m is not None and m is not mesh])
            loo.append(nme(L.even_jaw(np.einsum("lk,lkc->lc", w, mesh[idx][:, :, :2])), gt))
            if pose is not None:
                yaw_err.append(abs(face.pose.yaw - pose[1]))
                old_err.append(abs(L.head_pose(mesh)[0] - pose[1]))
            if abs(face.pose.yaw) > TURNED:
                far, outline, hidden = far_jaw(mesh, idx, w)
                size = np.sqrt(np.ptp(gt[:, 0]) * np.ptp(gt[:, 1]))
                jaw.setdefault(ds, []).append([np.linalg.norm(p - gt[far], axis=1).mean() / size
                                               for p in (outline, hidden)])
        missed = len(mine) - len(loo)
        fails = sum(e > FAIL for e in loo) + missed
        print(f"{ds:10s} {len(mine):6d} {missed:6d} {100 * np.mean(shipped):11.2f}% {100 * np.mean(loo):7.2f}% "
              f"{100 * fails / len(mine):7.0f}% " + (f"{np.median(yaw_err):9.1f}° /{np.max(yaw_err):5.1f}° "
                                                     f"{np.median(old_err):5.1f}° /{np.max(old_err):5.1f}°"
                                                     if yaw_err else f"{'-':>18s}"))
    print(f"far-side jaw NME on faces turned > {TURNED:.0f}° (LOO mapping): mesh outline vs projected 3D jaw")
    for ds, v in jaw.items():
        pct = 100 * np.mean(v, 0)
        print(f"{ds:10s} {len(v):3d} faces  outline {pct[0]:5.2f}%  3D jaw {pct[1]:5.2f}%")
    multiface_found(Path(a.data))



def _holds(a: tuple, x: float, y: float) -> bool:
    return a[0] <= x <= a[2] and a[1] <= y <= a[3]


def multiface_found(data: Path) -> None:
    """Print annotated faces found / annotated on the multi-face photos."""
    sets = multiface_annotations(data)
    if not sets:
        print("multi-face: no annotated multi-face photos (landmarks_300w/afw, multiface/dlib_voc) here")
        return
    meshed = tiny = total = 0
    for photo, boxes in sets:
        det = detect_all(read_image(photo).rgb)
        found = [(f.box, True) for f in det.faces] + [(b, False) for b in det.tiny]
        for gt in boxes:
            cx, cy = (gt[0] + gt[2]) / 2, (gt[1] + gt[3]) / 2
            hit = [m for b, m in found if _holds(b, cx, cy) and _holds(gt, (b[0] + b[2]) / 2, (b[1] + b[3]) / 2)]
            meshed += any(hit)
            tiny += bool(hit) and not any(hit)
            total += 1
    print(f"multi-face: {len(sets)} photos, {total} annotated faces: {meshed} found and meshed, "
          f"{tiny} found too small to mesh, {total - meshed - tiny} missed")


if __name__ == "__main__":
    main()
