"""The parsing's classes after hair (issue 23): neck, occluder, clothes. On the sample portrait
the neck, the black turtleneck and the helmet ring are not hair; a hand over a face (a real
one, HELEN, in ../shared/data) and objects pasted over the sample's cheek are occluders, never
skin or hair; the annotated photos' F stays where it was."""
from __future__ import annotations

import copy

import cv2
import numpy as np
import pytest

from inference import parsing as P
from inference.faces import detect
from inference.io import read_image

HAND_PHOTO = "landmarks_300w/helen_testset/3030012395_1.jpg"   # a hand on her forehead


@pytest.fixture(scope="module")
def sample_parsing(astronaut, astronaut_faces):
    face = copy.deepcopy(astronaut_faces[0])
    parsing = P.parse(astronaut, face)
    return face, parsing, parsing.full(*astronaut.shape[:2])


def test_new_classes_come_after_the_old_ones():
    assert P.CLASS_NAMES[:11] == ["background", "skin", "left brow", "right brow", "left eye", "right eye",
                                  "nose", "upper lip", "inner mouth", "lower lip", "hair"]
    assert (P.NECK, P.OCCLUDER, P.CLOTHES) == (11, 12, 13)
    assert len(P.CLASS_NAMES) == len(P.CLASS_COLORS) == P.N_CLASSES == 14
    assert len({tuple(c) for c in P.CLASS_COLORS.tolist()}) == 14     # every class its own colour


def test_under_the_chin_is_neck_and_clothes_not_hair(astronaut, sample_parsing):
    face, parsing, labels = sample_parsing
    lm, size = face.landmarks68, face.size
    chin_x, chin_y = lm[8]
    bottom = parsing.y0 + parsing.height
    under = labels[int(chin_y) + 3:bottom, int(chin_x - 0.6 * size):int(chin_x + 0.6 * size)]
    # 46 % of this area was hair before the neck and clothes classes; skin stops at the jaw
    assert (under == P.HAIR).mean() < 0.03
    assert (under == P.SKIN).mean() < 0.03
    # the black turtleneck right under her chin is clothes
    collar = labels[int(chin_y + 0.3 * size):int(chin_y + 0.6 * size),
                    int(chin_x - 0.2 * size):int(chin_x + 0.2 * size)]
    assert (collar == P.CLOTHES).mean() > 0.8
    # the neck: what there is of it lies just under the chin, touching the face's skin
    ys, xs = np.nonzero(labels == P.NECK)
    assert len(ys) > 30
    assert np.median(ys) > chin_y - 0.05 * size and abs(np.median(xs) - chin_x) < 0.4 * size
    grown = cv2.dilate((labels == P.SKIN).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    assert (grown & (labels == P.NECK)).any()


def test_the_helmet_ring_beside_the_jaw_is_not_hair(sample_parsing):
    face, parsing, labels = sample_parsing
    lm = face.landmarks68
    mouth, bottom = int(lm[57, 1]), parsing.y0 + parsing.height
    beside = np.concatenate([labels[mouth:bottom, parsing.x0:int(lm[0:17, 0].min())].ravel(),
                             labels[mouth:bottom, int(lm[0:17, 0].max()):parsing.x0 + parsing.width].ravel()])
    assert (beside == P.HAIR).mean() < 0.03        # 30 % before
    # her hair above stays hair
    assert (labels[40:70, 200:250] == P.HAIR).mean() > 0.6


def _object_over_cheek(image, face, colour):
    """The sample with a shaded object of ``colour`` (an ellipse, as a mug or a microphone
    would be) pasted over the image-left cheek, and its mask."""
    lm, size = face.landmarks68, face.size
    out = image.copy()
    c = (int(lm[2:5, 0].mean() + 0.15 * size), int(lm[2:5, 1].mean()))
    mask = np.zeros(image.shape[:2], np.uint8)
    cv2.ellipse(mask, c, (int(0.14 * size), int(0.2 * size)), 20, 0, 360, 1, -1)
    shade = np.linspace(0.8, 1.15, image.shape[0])[:, None, None]
    obj = np.clip(np.asarray(colour, np.float32)[None, None] * shade, 0, 255).astype(np.uint8)
    out[mask > 0] = np.broadcast_to(obj, image.shape)[mask > 0]
    return out, mask > 0


@pytest.mark.parametrize("colour", [(40, 60, 200), (230, 60, 40), (60, 170, 70)])
def test_an_object_over_the_cheek_is_an_occluder(astronaut, astronaut_faces, colour):
    photo, obj = _object_over_cheek(astronaut, astronaut_faces[0], colour)
    face = detect(photo)[0]
    labels = P.parse(photo, face).full(*photo.shape[:2])
    on = labels[obj]
    assert (on == P.OCCLUDER).mean() > 0.85
    assert np.isin(on, (P.SKIN, P.HAIR)).mean() < 0.1
    # the rest of the face is as it was: skin on the other cheek, the features in place
    lm = face.landmarks68
    other = labels[int(lm[12:15, 1].mean()) - 4:int(lm[12:15, 1].mean()) + 4,
                   int(lm[12:15, 0].mean() - 0.15 * face.size) - 4:int(lm[12:15, 0].mean() - 0.15 * face.size) + 4]
    assert (other == P.SKIN).mean() > 0.9
    assert (labels == P.OCCLUDER).sum() < 1.3 * obj.sum()


def test_an_object_over_the_cheek_of_a_face_with_glasses_is_an_occluder(astronaut, astronaut_faces):
    """With glasses drawn on, the frame's pixels (and the object's) are among the 'sure skin'
    the skin's colour is modelled from: the object must still be found (it was not, before
    the model was fitted robustly)."""
    from bench.drawn_glasses import STYLES, draw_glasses
    framed = draw_glasses(astronaut, np.asarray(astronaut_faces[0].mesh), STYLES["navy_rect"])[0]
    photo, obj = _object_over_cheek(framed, astronaut_faces[0], (230, 60, 40))
    labels = P.parse(photo, detect(photo)[0]).full(*photo.shape[:2])
    assert (labels[obj] == P.OCCLUDER).mean() > 0.85
    assert np.isin(labels[obj], (P.SKIN, P.HAIR)).mean() < 0.1


def test_no_occluder_on_the_plain_sample(sample_parsing):
    _, _, labels = sample_parsing
    assert not (labels == P.OCCLUDER).any()


@pytest.fixture(scope="module")
def hand_photo(shared_data):
    path = shared_data / HAND_PHOTO
    if not path.exists():
        pytest.skip(f"{HAND_PHOTO} is not in ../shared/data")
    img = read_image(path).rgb
    return img, detect(img)[0]


def test_the_hand_landmarker_finds_a_real_hand(hand_photo):
    from inference.occluders import hand_landmarks
    img, _ = hand_photo
    small = cv2.resize(img, (img.shape[1] // 4, img.shape[0] // 4), interpolation=cv2.INTER_AREA)
    hands = [h * 4 for h in hand_landmarks(small)]
    # the hand over her forehead: its knuckles on the fingers there (looked up on the photo)
    assert any(1700 < h[9, 0] < 2300 and 800 < h[9, 1] < 1350 for h in hands), [h[9] for h in hands]


def test_a_real_hand_over_the_face_is_an_occluder(hand_photo):
    img, face = hand_photo
    labels = P.parse(img, face).full(*img.shape[:2])

    def patch(x, y, r=15):
        return labels[y - r:y + r, x - r:x + r]
    # points looked up on the photo: the back of the hand, two fingers over the forehead
    for x, y in ((2160, 1220), (1860, 935), (1890, 1055)):
        p = patch(x, y)
        assert (p == P.OCCLUDER).mean() > 0.7, (x, y, np.bincount(p.ravel(), minlength=14))
        assert np.isin(p, (P.SKIN, P.HAIR)).mean() < 0.1
    # her cheek and the forehead the hand leaves free stay skin
    for x, y in ((1080, 1310), (1290, 890)):
        assert (patch(x, y) == P.SKIN).mean() > 0.9


def test_a_hand_photo_parses_the_same_every_time(hand_photo):
    """GrabCut's k-means start drew on OpenCV's global generator: the same photo parsed twice
    in one process gave another hand edge (2690 and 233 score values apart)."""
    img, face = hand_photo
    cv2.setRNGSeed(12345)                    # whatever state other code left it in
    first = P.parse(img, copy.deepcopy(face)).scores
    cv2.randu(np.zeros((3, 3), np.float32), 0, 1)
    again = P.parse(img, copy.deepcopy(face)).scores
    assert np.array_equal(first, again)


def test_no_occluder_on_the_annotated_parsing_photos(shared_data):
    import sys
    from conftest import ROOT
    sys.path.insert(0, str(ROOT / "bench"))
    from bench.parsing_data import parsing_sets
    for items in parsing_sets(shared_data).values():
        for photo, _ in items:
            img = read_image(photo).rgb
            assert not (P.parse(img, detect(img)[0]).labels == P.OCCLUDER).any(), photo.name


def test_what_is_carved_out_is_rarely_hair_or_skin_in_the_annotations(shared_data):
    """On the annotated photos (HELEN calls neck and clothes background, CelebAMask-HQ has its
    own classes for them), few of the annotated hair and face-skin pixels are called neck or
    clothes, and the F of every class stays where it was (measured before the new classes
    with the shipped atlas: HELEN overall 0.912, skin 0.956, hair 0.892; CelebAMask-HQ
    0.849, 0.928, 0.919)."""
    import sys
    from conftest import ROOT
    sys.path.insert(0, str(ROOT / "bench"))
    from bench.eval_parsing import counts, f1
    from bench.parsing_data import IGNORE, parsing_sets
    scores = {}
    for ds, items in parsing_sets(shared_data).items():
        total, carved, hair_lost, skin_lost, hair, skin = None, 0, 0, 0, 0, 0
        for photo, gt in items:
            img = read_image(photo).rgb
            pred = P.parse(img, detect(img)[0]).full(*img.shape[:2])
            if pred.shape != gt.shape:
                pred = cv2.resize(pred, gt.shape[::-1], interpolation=cv2.INTER_NEAREST)
            new = np.isin(pred, (P.NECK, P.CLOTHES)) & (gt != IGNORE)
            carved += new.sum()
            hair_lost, hair = hair_lost + (new & (gt == P.HAIR)).sum(), hair + (gt == P.HAIR).sum()
            skin_lost, skin = skin_lost + (new & (gt == P.SKIN)).sum(), skin + (gt == P.SKIN).sum()
            c = counts(pred, gt)
            total = c if total is None else {k: total[k] + c[k] for k in c}
        assert carved > 0
        # measured 7.2 % / 0.2 % (HELEN; most of it blond curls over 165's neck, background
        # before) and 0.4 % / 0.8 % (CelebAMask-HQ: skin under the jaw line)
        assert hair_lost / hair < 0.08 and skin_lost / skin < 0.01, (ds, hair_lost / hair, skin_lost / skin)
        scores[ds] = {k: f1(v) for k, v in total.items()}
    h, c = scores["helen"], scores["celebamaskhq"]
    assert h["overall"] >= 0.907 and h["skin"] >= 0.950 and h["hair"] >= 0.885, h
    assert c["overall"] >= 0.845 and c["skin"] >= 0.922 and c["hair"] >= 0.912, c


def _occluded_sample(astronaut, astronaut_faces):
    photo, obj = _object_over_cheek(astronaut, astronaut_faces[0], (40, 60, 200))
    face = detect(photo)[0]
    face.parsing = P.parse(photo, face)
    occ = face.parsing.full(*photo.shape[:2]) == P.OCCLUDER
    assert (occ & obj).sum() > 0.85 * obj.sum()
    return photo, face, occ


def test_skin_smoothing_leaves_an_occluder_untouched(astronaut, astronaut_faces):
    from inference.edits import skin
    photo, face, occ = _occluded_sample(astronaut, astronaut_faces)
    out = skin.apply(photo, face, strength=1.0)
    changed = np.abs(out.astype(int) - photo.astype(int)).max(2) > 0
    assert not (changed & occ).any()
    labels = face.parsing.full(*photo.shape[:2])
    assert changed[labels == P.SKIN].mean() > 0.5


def test_the_head_turn_leaves_an_occluder_where_it_is(astronaut, astronaut_faces):
    from inference.edits import rotate
    photo, face, occ = _occluded_sample(astronaut, astronaut_faces)
    out = rotate.apply(photo, face, 20.0)
    diff = np.abs(out.astype(int) - photo.astype(int)).max(2)
    # the object, a pixel in from its edge (the seam blend), is the photo's bit for bit
    inner = cv2.erode(occ.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert inner.sum() > 0.5 * occ.sum() and diff[inner].max() == 0
    # while the face behind it turned: the other half of the face moved
    lm = face.landmarks68
    eyes = np.zeros(photo.shape[:2], bool)
    eyes[int(lm[36:48, 1].min()) - 3:int(lm[36:48, 1].max()) + 3, int(lm[36, 0]):int(lm[45, 0])] = True
    assert (diff[eyes] > 20).mean() > 0.2


def test_hair_follows_its_outline_past_the_working_crop(shared_data):
    """A profile whose bun runs past the crop round the face (sideface, multiface samples):
    the crop grows where the hair touches its border, so the hair no longer ends in the
    crop's straight edge."""
    path = shared_data / "multiface/facer_samples/sideface.jpg"
    if not path.exists():
        pytest.skip("sideface.jpg is not in ../shared/data")
    img = read_image(path).rgb
    face = detect(img)[0]
    x0, y0, x1, y1 = P.crop_box(face.box, *img.shape[:2])
    parsing = P.parse(img, face)
    hair = parsing.full(*img.shape[:2]) == P.HAIR
    # hair ran out of the old crop on the left (its border column was hair over a third of it)
    assert hair[y0:y1, x0].mean() > 0.3
    assert parsing.x0 < x0 and hair[:, :x0].sum() > 0.05 * hair.sum()
    # and the new border is no longer hair's edge (or it is the photo's)
    left = parsing.labels_full()[:, :2] == P.HAIR
    assert parsing.x0 == 0 or left.any(1).mean() < 0.03
    # the back and the shoulder below are not hair
    assert hair[int(y1 + 0.5 * face.size):].mean() < 0.01


@pytest.mark.parametrize("name, before", [("0.jpg", 0.077), ("2.jpg", 0.158)])
def test_hair_over_a_temple_and_a_brows_end_is_hair(shared_data, name, before):
    """Strands of long hair over a temple and a brow's tail (CelebAMask-HQ 0.jpg, 2.jpg): inside
    the mesh's oval, where the prior says skin or brow, they are hair, as the labels have them.
    ``before``: the share of our brow that was the labels' hair before hair over the face was
    looked for (the brow edits painted, filled and moved it)."""
    from bench.parsing_data import CELEBA_TO_OURS
    path = shared_data / "parsing_celebamaskhq" / "maskgan_samples" / "images" / name
    if not path.is_file():
        pytest.skip(f"CelebAMask-HQ {name} is not present")
    img = read_image(path).rgb
    raw = np.array(read_image(path.parent.parent / "labels" / (path.stem + ".png")).rgb[..., 0])
    truth = cv2.resize(CELEBA_TO_OURS[raw], img.shape[1::-1], interpolation=cv2.INTER_NEAREST)
    labels = P.parse(img, detect(img)[0]).full(*img.shape[:2])
    brow = np.isin(labels, (P.LEFT_BROW, P.RIGHT_BROW))
    assert (brow & (truth == P.HAIR)).sum() < 0.5 * before * brow.sum()        # 0.028, 0.042
    # the labels' hair we call skin: 0.038 / 0.085 before, and no more of their skin is hair
    assert ((labels == P.SKIN) & (truth == P.HAIR)).sum() < 0.06 * (truth == P.HAIR).sum()
    assert ((labels == P.HAIR) & (truth == P.SKIN)).sum() < 0.02 * (truth == P.SKIN).sum()
