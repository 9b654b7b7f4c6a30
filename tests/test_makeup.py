"""Makeup transfer (inference/edits/makeup.py) on real faces: each region's colour moves to the
reference's, in proportion to the amount, only where asked; the target's texture is kept; a
turned reference still gives its lips; the `makeup` command and its bad input."""
from __future__ import annotations

import copy
import cv2
import numpy as np
import pytest

from conftest import assert_one_line_error, run_cli
from inference import parsing as P
from inference.edits import makeup
from inference.edits.brows.colour import from_lab, to_lab
from inference.faces import detect
from inference.io import read_image, write_image

MAKEUP = "makeup/elegant"


def _lips(img, face):
    return np.isin(face.parsing_for(img).full(*img.shape[:2]), (P.UPPER_LIP, P.LOWER_LIP))


def _progress(target, out, ref, mt, mr) -> float:
    a, b, c = (to_lab(x.astype(np.float32))[m].mean(0) for x, m in ((target, mt), (out, mt), (ref, mr)))
    return float(np.dot(b - a, c - a) / np.dot(c - a, c - a))


@pytest.fixture(scope="module")
def painted(tmp_path_factory, astronaut):
    """The sample with red lips: a reference whose makeup we know."""
    face = detect(astronaut)[0]
    labels = face.parsing_for(astronaut).full(*astronaut.shape[:2])
    lab = to_lab(astronaut.astype(np.float32))
    lips = np.isin(labels, (P.UPPER_LIP, P.LOWER_LIP))
    lab[..., 1:][lips] = (60.0, 35.0)
    lab[..., 0][lips] -= 10
    ref = np.clip(from_lab(lab) + 0.5, 0, 255).astype(np.uint8)
    path = write_image(tmp_path_factory.mktemp("ref") / "ref.png", ref)
    return path, ref, lips


def test_lips_take_the_references_colour(astronaut, astronaut_face, painted):
    path, ref, lips = painted
    out = makeup.apply(astronaut, copy.deepcopy(astronaut_face), reference=str(path))
    assert _progress(astronaut, out, ref, lips, lips) >= 0.85
    half = makeup.apply(astronaut, copy.deepcopy(astronaut_face), reference=str(path), amount=0.5)
    assert 0.35 <= _progress(astronaut, half, ref, lips, lips) / _progress(astronaut, out, ref, lips, lips) <= 0.65
    only = makeup.apply(astronaut, copy.deepcopy(astronaut_face), reference=str(path), regions=("lips",))
    far = cv2.distanceTransform((~lips).astype(np.uint8), cv2.DIST_L2, 3) > 0.05 * astronaut_face.size
    assert np.abs(only.astype(float) - astronaut)[far].mean() <= 0.5
    x0, y0, x1, y1 = (int(v) for v in astronaut_face.box)
    assert np.array_equal(out[:, x1 + 40:], astronaut[:, x1 + 40:])        # background untouched
    assert astronaut_face.parsing is None                                  # the face was not written


def test_a_turned_reference_still_gives_its_lips(astronaut, astronaut_face, painted, tmp_path):
    from inference.edits import rotate
    path, ref, _ = painted
    rf = detect(ref)[0]
    turned = rotate.apply(ref, rf, 25.0)
    tpath = write_image(tmp_path / "turned.png", turned)
    tf = detect(turned)[0]
    out = makeup.apply(astronaut, copy.deepcopy(astronaut_face), reference=str(tpath), regions=("lips",))
    mt, mr = _lips(astronaut, astronaut_face), _lips(turned, tf)
    assert _progress(astronaut, out, turned, mt, mr) >= 0.6


def test_real_pairs(shared_data):
    target = read_image(shared_data / MAKEUP / "non-makeup/source_1.png").rgb
    refp = shared_data / MAKEUP / "makeup/reference_2.png"
    ref = read_image(refp).rgb
    face, rf = detect(target)[0], detect(ref)[0]
    out = makeup.apply(target, copy.deepcopy(face), reference=str(refp))
    assert _progress(target, out, ref, _lips(target, face), _lips(ref, rf)) >= 0.85
    skin = face.parsing_for(target).full(*target.shape[:2]) == P.SKIN
    lap = lambda im: np.abs(cv2.Laplacian(to_lab(im.astype(np.float32))[..., 0], cv2.CV_32F))[skin].mean()  # noqa: E731
    assert 0.85 <= lap(out) / lap(target) <= 1.15                     # the target's texture kept
    hair = face.parsing_for(target).full(*target.shape[:2]) == P.HAIR
    assert np.abs(out.astype(int) - target)[hair].mean() < 0.5


def test_makeup_command(sample_path, painted, tmp_path, astronaut):
    path, _, lips = painted
    out = tmp_path / "m.png"
    res = run_cli("makeup", sample_path, path, out, "--regions", "lips", "--lips", "0.8")
    assert res.returncode == 0, res.stderr
    img = read_image(out).rgb
    assert (img[lips] != astronaut[lips]).any()
    assert_one_line_error(run_cli("makeup", sample_path, tmp_path / "none.png", tmp_path / "x.png"), "no such")
    assert_one_line_error(run_cli("makeup", sample_path, path, tmp_path / "x.png", "--ref-face", "2"), "face 2 does not exist")
    assert_one_line_error(run_cli("makeup", sample_path, path, tmp_path / "x.png", "--regions", "nails"), "skin,lips,eyes")
    assert_one_line_error(run_cli("makeup", sample_path, path, tmp_path / "x.png", "--lips", "2"), "between 0 and 1")
    assert_one_line_error(run_cli("makeup", sample_path, path, path), "--overwrite")
    assert not (tmp_path / "x.png").exists()


def test_eye_band_change_is_zero_at_its_edge_and_spares_the_eyes_and_brows(astronaut, astronaut_face, tmp_path):
    """A reference with eyeshadow painted over its band (darker and more violet towards the lid):
    the band takes it, its change is zero just outside the band and least on the band's own edge
    (the target's lid and brow line stay), and iris, sclera and brows come back bit-identical."""
    face = detect(astronaut)[0]
    labels = face.parsing_for(astronaut).full(*astronaut.shape[:2])
    band = makeup._eye_band(labels, face.landmarks68, 0, 0)
    lab = to_lab(astronaut.astype(np.float32))
    lid = cv2.distanceTransform((~np.isin(labels, (P.LEFT_EYE, P.RIGHT_EYE))).astype(np.uint8), cv2.DIST_L2, 3)
    near = np.clip(1 - lid / (0.08 * face.size), 0, 1)          # the shadow's gradient: strongest at the lid
    lab[..., 1][band] += (18 * (0.5 + near))[band]
    lab[..., 2][band] -= (14 * (0.5 + near))[band]
    lab[..., 0][band] -= (8 * near)[band]
    ref = np.clip(from_lab(lab) + 0.5, 0, 255).astype(np.uint8)
    path = write_image(tmp_path / "shadow.png", ref)
    out = makeup.apply(astronaut, copy.deepcopy(astronaut_face), reference=str(path), regions=("eyes",))
    assert _progress(astronaut, out, ref, band, band) >= 0.6                # measured 0.67: a thin band, faded
    change = np.linalg.norm(to_lab(out.astype(np.float32)) - to_lab(astronaut.astype(np.float32)), axis=-1)
    ring = cv2.dilate(band.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & ~band
    assert change[ring].max() == 0                                  # just outside the band: untouched
    edge = band & ~cv2.erode(band.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    painted = np.linalg.norm(lab - to_lab(astronaut.astype(np.float32)), axis=-1)   # the shadow's own change
    at_edge = change[edge].mean() / painted[edge].mean()
    inside = change[band & ~edge].mean() / painted[band & ~edge].mean()
    assert at_edge <= 0.5 and inside >= at_edge + 0.3              # the band's own edge moves least
    spared = np.isin(labels, (P.LEFT_EYE, P.RIGHT_EYE, P.LEFT_BROW, P.RIGHT_BROW))
    assert spared.sum() > 200 and np.array_equal(out[spared], astronaut[spared])


def test_a_pale_reference_gives_a_darker_face_makeup_not_its_skin(shared_data):
    """A pale reference on a darker, bearded face: foundation moves the skin's base a shade (its
    median lightness by at most MAX_BASE_L), not to the reference's; the beard gets none."""
    from inference.facial_hair import facial_hair
    img = read_image(shared_data / "parsing_celebamaskhq" / "maskgan_samples" / "images" / "1.jpg").rgb
    ref = shared_data / MAKEUP / "makeup" / "reference_2.png"
    face = detect(img)[0]
    out = makeup.apply(img, face, reference=str(ref), regions=("skin",))
    par = face.parsing_for(img)
    labels = par.labels_full()
    box = np.s_[par.y0:par.y0 + par.height, par.x0:par.x0 + par.width]
    hair = facial_hair(img[box], labels, face, par.x0, par.y0) > 0.5
    skin = (labels == P.SKIN) & ~hair
    L0, L1 = (to_lab(x[box].astype(np.float32))[..., 0] for x in (img, out))
    rise = float(np.median(L1[skin] - L0[skin]))
    ref_img = read_image(ref).rgb
    ref_L = np.median(to_lab(ref_img.astype(np.float32))[..., 0][makeup._load_reference(str(ref), 0).labels == P.SKIN])
    assert ref_L - np.median(L0[skin]) > 25            # the reference is far paler
    assert 2 < rise <= makeup.MAX_BASE_L + 1, rise     # a shade lighter, not the reference's skin
    assert hair.sum() > 1000
    assert np.abs(out[box][hair].astype(int) - img[box][hair]).mean() < 3.0   # the beard as it was
