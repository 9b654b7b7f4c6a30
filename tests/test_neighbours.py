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
