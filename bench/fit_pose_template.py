"""Rebuild inference/data/pose_template.npz: the rigid mean face head_pose fits to a mesh.

    python bench/fit_pose_template.py [DATA_DIR]

Every face photo under DATA_DIR (../shared/data) except AFLW2000-3D's (kept to score the pose
on: bench/eval_landmarks.py) is meshed, and its mirror image too; the near-frontal meshes
(|yaw|, |pitch| under 20° / 25° by the mesh's own z, the reading that needs no template) are
scaled to unit RMS radius, aligned by generalised Procrustes and averaged. The mean is turned
so that the faces' mean orientation is the identity (pose 0 = how these photos' faces look at
the camera on average; mirrored copies make yaw and roll 0 on average) and made exactly
left-right symmetric (mesh_topology.MIRROR). 478 x 3 numbers; no photo is stored.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from common import SHARED_DATA

import numpy as np

from inference.faces import detect
from inference.io import read_image
from inference.landmark_fit import MESH_MIRROR as MIRROR   # the irises swap too
from inference.landmarks import TEMPLATE_PATH, head_axes

SKIP = ("landmarks_aflw2000", "/labels", "/masks", "places")
FRONTAL_YAW, FRONTAL_PITCH = 20.0, 25.0


def _unit(m: np.ndarray) -> np.ndarray:
    c = m - m.mean(0)
    return c / np.sqrt((c ** 2).sum(1).mean())


def _mirrored(m: np.ndarray) -> np.ndarray:
    out = m.copy()
    out[:, 0] *= -1
    return out[MIRROR]


def _rotation_onto(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The rotation R minimising |a R^T - b| (a, b centred (N, 3))."""
    u, _, vt = np.linalg.svd(b.T @ a)
    return u @ np.diag([1.0, 1.0, np.sign(np.linalg.det(u @ vt))]) @ vt


def mean_face(meshes: list[np.ndarray], rounds: int = 5) -> np.ndarray:
    """The symmetric mean of (478, 3) meshes in image frame, in the head frame described above."""
    shapes = [_unit(m) for m in meshes] + [_unit(_mirrored(m)) for m in meshes]
    ref = np.mean(shapes, 0)
    for _ in range(rounds):
        ref = _unit(np.mean([x @ _rotation_onto(x, ref).T for x in shapes], 0))
    u, _, vt = np.linalg.svd(np.sum([_rotation_onto(ref, x) for x in shapes], 0))
    mean = ref @ (u @ vt).T
    return 0.5 * (mean + _mirrored(mean))


def near_frontal(mesh: np.ndarray) -> bool:
    axes = head_axes(mesh)
    x, y = axes[:, 0], axes[:, 1]
    yaw = np.degrees(np.arcsin(np.clip(-x[2], -1, 1)))
    pitch = np.degrees(np.arctan2(y[2], y[1]))
    return abs(yaw) < FRONTAL_YAW and abs(pitch) < FRONTAL_PITCH


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("data", nargs="?", default=str(SHARED_DATA))
    a = ap.parse_args()
    photos = [p for p in sorted(Path(a.data).rglob("*")) if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".ppm")
              and not any(s in str(p) for s in SKIP)]
    meshes = []
    for p in photos:
        meshes += [f.mesh for f in detect(read_image(p).rgb) if near_frontal(f.mesh)]
    T = mean_face(meshes)
    np.savez_compressed(TEMPLATE_PATH, vertices=T.astype(np.float32))
    print(f"template from {len(meshes)} near-frontal faces of {len(photos)} photos -> {TEMPLATE_PATH}")


if __name__ == "__main__":
    main()
