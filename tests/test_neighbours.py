"""On a photo of two people, a face's parsing keeps its hair, neck and clothes off the other
person (the person segmenter does not tell them apart: the right girl's clothes covered the
left girl's body, the left girl's covered both)."""
from __future__ import annotations

import copy

import numpy as np

from inference import parsing as P
from inference.faces import analyse, detect
from inference.io import read_image
from inference.neighbours import BEYOND


def _column(face, shape) -> np.ndarray:
    """The other person: their face box's columns, from the box's top to the photo's bottom."""
    x0, y0, x1, _ = (int(v) for v in face.box)
    out = np.zeros(shape, bool)
    out[y0:, x0:x1] = True
    return out


def test_each_girls_hair_and_clothes_stay_on_her(shared_data):
    img = read_image(shared_data / "multiface" / "facer_samples" / "twogirls.jpg").rgb
    faces = detect(img)
    assert len(faces) == 2 and all(len(f.extra["others"]) == 1 for f in faces)
    H, W = img.shape[:2]
    for me, other in ((0, 1), (1, 0)):
        face = analyse(img, copy.deepcopy(faces[me]))
        alone = copy.deepcopy(faces[me])
        alone.extra["others"] = []                       # as if she were alone in the photo
        alone = analyse(img, alone)
        theirs = _column(faces[other], (H, W))
        mine = [P.among(p.full(H, W), BEYOND) for p in (face.parsing, alone.parsing)]
        # alone, her parsing reached over the other girl; now hardly
        assert mine[1][theirs].mean() > 0.3, mine[1][theirs].mean()
        assert mine[0][theirs].mean() < 0.05, mine[0][theirs].mean()
        # her own hair and clothes stay: what is lost lies past the midline between the faces
        lost = mine[1] & ~mine[0]
        assert mine[0].sum() > 0.5 * mine[1][~theirs].sum()
        mid = (faces[me].centre[0] + faces[other].centre[0]) / 2
        xs = np.nonzero(lost)[1]
        side = xs > mid if faces[other].centre[0] > mid else xs < mid
        assert side.mean() > 0.9, side.mean()
        # her face itself is untouched
        face_cls = [P.SKIN, P.LEFT_BROW, P.RIGHT_BROW, P.LEFT_EYE, P.RIGHT_EYE, P.NOSE, P.UPPER_LIP, P.LOWER_LIP]
        a, b = face.parsing.full(H, W), alone.parsing.full(H, W)
        assert np.array_equal(P.among(a, face_cls) & (a == b), P.among(b, face_cls) & (a == b))
        assert (P.among(a, face_cls) != P.among(b, face_cls)).sum() == 0


def test_a_face_behind_or_far_back_takes_nothing(shared_data):
    """A face well above this one (behind it), or a much smaller one (far back), is no
    neighbour: which body hides which is not known (the column under a face behind took 62 %
    of a girl's hair, a 0.3x face beside her head a stripe of her clothes)."""
    img = read_image(shared_data / "multiface" / "facer_samples" / "girl.jpg").rgb
    face = detect(img)[0]
    H, W = img.shape[:2]
    cx, cy = face.centre
    s = face.size
    alone = copy.deepcopy(face)
    alone.extra["others"] = []
    base = P.parse(img, alone).full(H, W)
    for others in ([(cx + 0.5 * s, cy - 1.2 * s, s)], [(cx + 0.2 * s, cy - 1.6 * s, 1.4 * s)],
                   [(cx + 1.4 * s, cy + 0.3 * s, 0.3 * s)]):
        g = copy.deepcopy(face)
        g.extra["others"] = others
        assert np.array_equal(P.parse(img, g).full(H, W), base), others
    beside = copy.deepcopy(face)                       # one beside her does take its side
    beside.extra["others"] = [(cx + 1.3 * s, cy, s)]
    lost = P.among(base, BEYOND) & ~P.among(P.parse(img, beside).full(H, W), BEYOND)
    assert lost.any() and (np.nonzero(lost)[1] > cx + 0.5 * s).mean() > 0.9


def test_reset_landmarks_keeps_the_other_faces(qtbot, window, shared_data):
    """Reset Landmarks rebuilt the face from its mesh and forgot the others: the girl's
    clothes covered her friend again."""
    from conftest import WAIT_MS, open_and_detect
    from inference.faces import with_landmark_moved
    w = window
    open_and_detect(qtbot, w, shared_data / "multiface" / "facer_samples" / "twogirls.jpg")
    w.select_face(0)
    others = w.session.selected_face().extra["others"]
    assert len(others) == 1
    w.session.replace_selected_face(lambda f: with_landmark_moved(f, 8, (0.0, 3.0)), "landmarks", {"point": 8})
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    assert w.session.selected_face().extra["others"] == others
    w.reset_landmarks()
    qtbot.waitUntil(lambda: w.doc.cursor == 2, timeout=WAIT_MS)
    assert w.session.selected_face().extra["others"] == others
