"""Skin smoothing on the sample portrait: measured on her cheeks, eyes and brows."""
from __future__ import annotations

import copy

import cv2
import numpy as np
import pytest

from inference import parsing as P
from inference.edits import skin
from inference.faces import analyse


def _lap_energy(img, x, y, r):
    g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    lap = cv2.Laplacian(g, cv2.CV_32F)
    return float((lap[y - r:y + r, x - r:x + r] ** 2).mean())


def _grad(img, mask):
    g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1))[mask].mean())


def _cheeks(face):
    """Centres of both cheeks: below each eye, at the height of the nose tip."""
    lm = face.landmarks68
    return [(int(lm[36:42, 0].mean()), int(lm[30, 1])), (int(lm[42:48, 0].mean()), int(lm[30, 1]))]


@pytest.fixture()
def labels(astronaut, astronaut_face):
    analyse(astronaut, astronaut_face)
    return astronaut_face.parsing.full(*astronaut.shape[:2])


def test_strength_zero_is_the_identity(astronaut, astronaut_face):
    assert np.array_equal(skin.apply(astronaut, astronaut_face, strength=0.0), astronaut)


def test_pixels_outside_the_skin_are_untouched(astronaut, astronaut_face, labels):
    out = skin.apply(astronaut, astronaut_face, strength=1.0)
    skin_area = np.isin(labels, [P.SKIN, P.NOSE])
    assert np.array_equal(out[~skin_area], astronaut[~skin_area])
    # Nothing changes away from the face: outside a box twice its size around it.
    x0, y0, x1, y1 = astronaut_face.box
    w, h = x1 - x0, y1 - y0
    outside = np.ones(labels.shape, bool)
    outside[int(y0 - h / 2):int(y1 + h / 2), int(x0 - w / 2):int(x1 + w / 2)] = False
    assert np.array_equal(out[outside], astronaut[outside])
    assert (out[skin_area] != astronaut[skin_area]).any(-1).mean() > 0.5  # and the skin did change


def test_fine_detail_on_the_cheeks_is_reduced_but_not_erased(astronaut, astronaut_face):
    r = int(0.07 * astronaut_face.size)
    before = [_lap_energy(astronaut, x, y, r) for x, y in _cheeks(astronaut_face)]
    ratios = {}
    for s in (0.25, 0.5, 1.0):
        out = skin.apply(astronaut, copy.deepcopy(astronaut_face), strength=s)
        ratios[s] = [_lap_energy(out, x, y, r) / b for (x, y), b in zip(_cheeks(astronaut_face), before)]
    assert all(v < 0.9 for v in ratios[0.25])
    assert all(v < 0.6 for v in ratios[0.5])
    assert all(0.1 < v < 0.4 for v in ratios[1.0])   # pores survive: texture is added back
    assert all(a > b for a, b in zip(ratios[0.25], ratios[1.0]))  # stronger = smoother


def test_eye_and_brow_edges_are_kept(astronaut, astronaut_face, labels):
    features = cv2.dilate(np.isin(labels, [P.LEFT_BROW, P.RIGHT_BROW, P.LEFT_EYE, P.RIGHT_EYE])
                          .astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    out = skin.apply(astronaut, astronaut_face, strength=1.0)
    assert _grad(out, features) > 0.93 * _grad(astronaut, features)
    lips = np.isin(labels, [P.UPPER_LIP, P.LOWER_LIP, P.INNER_MOUTH])
    assert np.array_equal(out[lips], astronaut[lips])


def test_region_patch_is_what_apply_pastes(astronaut, astronaut_face):
    patch = skin.apply_region(astronaut, astronaut_face, strength=0.6)
    full = skin.apply(astronaut, astronaut_face, strength=0.6)
    h, w = patch.pixels.shape[:2]
    assert np.array_equal(full[patch.y0:patch.y0 + h, patch.x0:patch.x0 + w], patch.pixels)
    assert skin.is_identity(strength=0.0) and not skin.is_identity(strength=0.1)


# -- the texture slider (issue 22) ----------------------------------------------------------

def _skin_inside(face, labels):
    k = int(0.06 * face.size) | 1
    inside = np.isin(labels, [P.SKIN, P.NOSE]).astype(np.uint8)
    return cv2.erode(inside, np.ones((k, k), np.uint8)) > 0


def _fine_energy(img, mask):
    lap = cv2.Laplacian(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32), cv2.CV_32F)
    return float((lap[mask] ** 2).mean())


def test_texture_one_keeps_the_pores_and_zero_removes_them(astronaut, astronaut_face, labels):
    inside = _skin_inside(astronaut_face, labels)
    before = _fine_energy(astronaut, inside)
    ratio = {t: _fine_energy(skin.apply(astronaut, copy.deepcopy(astronaut_face), strength=0.8, texture=t),
                             inside) / before for t in (0.0, 0.5, 1.0)}
    assert 0.8 <= ratio[1.0] <= 1.2        # all the fine texture back, not sharpened
    assert ratio[0.0] <= 0.6
    assert ratio[0.0] < ratio[0.5] < ratio[1.0]


def test_texture_not_given_is_todays_smoothing(astronaut, astronaut_face):
    # today's fraction of the texture added back is 0.5 - 0.3 x strength
    a = skin.apply(astronaut, copy.deepcopy(astronaut_face), strength=0.6)
    b = skin.apply(astronaut, copy.deepcopy(astronaut_face), strength=0.6, texture=0.5 - 0.3 * 0.6)
    assert np.abs(a.astype(int) - b).max() <= 1


def test_texture_leaves_everything_outside_the_skin_alone(astronaut, astronaut_face, labels):
    out = skin.apply(astronaut, astronaut_face, strength=1.0, texture=1.0)
    skin_area = np.isin(labels, [P.SKIN, P.NOSE])
    assert np.array_equal(out[~skin_area], astronaut[~skin_area])


def test_a_texture_drag_reuses_the_smoothing_and_gives_the_same_pixels(astronaut, astronaut_face):
    from inference.edits.base import EditCache
    cache = EditCache()
    for t in (0.2, 0.9):
        cached = skin.apply_region(astronaut, astronaut_face, strength=0.7, texture=t, cache=cache).pixels
        fresh = skin.apply_region(astronaut, astronaut_face, strength=0.7, texture=t).pixels
        assert np.array_equal(cached, fresh)


def test_the_neck_is_smoothed_only_when_asked(astronaut, astronaut_face, labels):
    """The sample's neck (class 11, under the chin) is left alone by default and smoothed with
    --neck; hair, clothes, background and the face's features stay untouched either way."""
    neck = labels == P.NECK
    assert neck.sum() > 500                                    # the sample has a visible neck
    plain = skin.apply(astronaut, copy.deepcopy(astronaut_face), strength=0.8)
    both = skin.apply(astronaut, copy.deepcopy(astronaut_face), strength=0.8, neck=True)
    assert np.array_equal(plain[neck], astronaut[neck])
    deep = cv2.erode(neck.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    changed = np.abs(both.astype(int) - astronaut).max(-1) > 0
    assert changed[deep].mean() > 0.5                           # the neck's inside is smoothed
    assert _fine_energy(both, deep) < 0.8 * _fine_energy(astronaut, deep)
    allowed = np.isin(labels, [P.SKIN, P.NOSE, P.NECK])
    assert np.array_equal(both[~allowed], astronaut[~allowed])
    face_skin = np.isin(labels, [P.SKIN, P.NOSE])
    assert np.array_equal(both[face_skin & ~cv2.dilate(neck.astype(np.uint8), np.ones((41, 41), np.uint8)).astype(bool)],
                          plain[face_skin & ~cv2.dilate(neck.astype(np.uint8), np.ones((41, 41), np.uint8)).astype(bool)])


def _chin_energy(img, face):
    """Fine-detail energy (Laplacian) of the chin: between the lower lip and the jaw's bottom."""
    lm = face.landmarks68
    x0, x1 = int(lm[6, 0]), int(lm[10, 0])
    y0, y1 = int(lm[57, 1] + 0.03 * face.size), int(lm[8, 1] - 0.03 * face.size)
    g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float((cv2.Laplacian(g, cv2.CV_32F)[y0:y1, x0:x1] ** 2).mean())


@pytest.mark.parametrize("name, bearded", [("3.jpg", True), ("0.jpg", False)])
def test_a_beard_is_hair_not_skin_to_smooth(shared_data, name, bearded):
    """CelebAMask-HQ labels a beard as skin, as our parsing does: smoothing keeps the bearded
    man's chin (its hairs' fine detail), and still smooths a woman's chin."""
    from inference.faces import detect
    from inference.facial_hair import facial_hair
    from inference.io import read_image
    img = read_image(shared_data / "parsing_celebamaskhq" / "maskgan_samples" / "images" / name).rgb
    face = detect(img)[0]
    analyse(img, face)
    par = face.parsing
    crop = img[par.y0:par.y0 + par.height, par.x0:par.x0 + par.width]
    hair = facial_hair(crop, par.labels_full(), face, par.x0, par.y0)
    share = float((hair[par.labels_full() == P.SKIN] > 0.5).mean())
    out = skin.apply(img, face, strength=0.8, texture=0.0)
    kept = _chin_energy(out, face) / _chin_energy(img, face)
    if bearded:
        assert share > 0.1 and kept > 0.8, (share, kept)
    else:
        assert share < 0.01 and kept < 0.6, (share, kept)


def test_no_facial_hair_on_the_sample(astronaut, astronaut_face):
    from inference.facial_hair import facial_hair
    analyse(astronaut, astronaut_face)
    par = astronaut_face.parsing
    crop = astronaut[par.y0:par.y0 + par.height, par.x0:par.x0 + par.width]
    assert facial_hair(crop, par.labels_full(), astronaut_face, par.x0, par.y0).max() < 0.5
