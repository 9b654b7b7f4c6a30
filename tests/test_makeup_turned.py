"""Makeup transfer from a turned reference, eyes: the reference's far eye band (squeezed, shaded by
the side of the head, the nose over one corner and the background over the other) gives way to
its near one, mirrored through the mesh; a frontal reference keeps each eye's own."""
from __future__ import annotations

import copy

import cv2
import numpy as np

from inference import parsing as P
from inference.edits import makeup, rotate
from inference.edits.brows.colour import to_lab
from inference.faces import detect
from inference.io import read_image

PSGAN = "makeup/psgan"


def _band_sides(face) -> list[np.ndarray]:
    """The two eye bands' outlines filled (image left, right), photo coordinates."""
    w, h = (int(np.ceil(v)) + 2 for v in face.mesh[:, :2].max(0))
    return [cv2.fillConvexPoly(np.zeros((h, w), np.uint8), hull, 1).astype(bool)
            for hull in makeup._band_hulls(face.landmarks68)]


def test_band_visibility_reads_a_head_turn(astronaut, astronaut_face):
    """On real meshes: the frontal sample draws both bands alike; turned 25° by our head turn, the
    far band is drawn at about half its twin's size and the near one at about twice; the turned
    photo mirrored swaps the two."""
    sides = _band_sides(astronaut_face)
    own = makeup.band_visibility(astronaut_face.mesh, astronaut_face.mesh, sides)
    assert all(0.85 <= v <= 1.18 for v in own)                                   # measured 1.03, 0.98
    turned = rotate.apply(astronaut, copy.deepcopy(astronaut_face), -25.0)
    far_right = makeup.band_visibility(astronaut_face.mesh, detect(turned)[0].mesh, sides)
    assert far_right[0] >= 1.5 and far_right[1] <= makeup.SEEN_NONE + 0.15       # measured 2.05, 0.50
    flipped = makeup.band_visibility(astronaut_face.mesh, detect(turned[:, ::-1].copy())[0].mesh, sides)
    assert flipped[1] >= 1.5 and flipped[0] <= makeup.SEEN_NONE + 0.15           # measured 0.47, 2.05


def _bands(img, face) -> list[np.ndarray]:
    """The eye band (skin between eye and brow, the bench's mask) of each side, image left, right."""
    labels = face.parsing_for(img).full(*img.shape[:2])
    band = makeup._eye_band(labels, face.landmarks68, 0, 0)
    xs = np.arange(img.shape[1])[None, :]
    mid = face.landmarks68[27, 0]
    return [band & (xs < mid), band & (xs >= mid)]


def _moved(target, out, ref, mt, mr) -> float:
    """How far ``out``'s mean colour over ``mt`` moved from ``target``'s towards ``ref``'s over ``mr``."""
    a, b, c = (to_lab(x.astype(np.float32))[m].mean(0) for x, m in ((target, mt), (out, mt), (ref, mr)))
    return float(np.dot(b - a, c - a) / np.dot(c - a, c - a))


def test_a_turned_references_far_eye_takes_the_near_eyes_makeup(shared_data):
    """PSGAN's reference is turned 41°: its far eye band is drawn at 0.38 of the near one's size
    and is 19 L darker, as is its far cheek (light, not makeup). Both target bands must move
    towards the near band's colour alike, and the whole band towards the reference's (the
    issue's measure). Before, the band on the far side took the shade: it moved -0.15 and 0.01
    of the way (xfsy_0106, source_1), the whole band 0.27 and 0.43."""
    refp = shared_data / PSGAN / "makeup/vFG586.png"
    ref = read_image(refp).rgb
    rf = detect(ref)[0]
    ref_sides = _bands(ref, rf)
    near = max(ref_sides, key=lambda m: int(m.sum()))
    ref_band = ref_sides[0] | ref_sides[1]
    for target_path in (shared_data / PSGAN / "non-makeup/xfsy_0106.png",
                        shared_data / "makeup/elegant/non-makeup/source_1.png"):
        img = read_image(target_path).rgb
        face = detect(img)[0]
        out = makeup.apply(img, copy.deepcopy(face), reference=str(refp), regions=("eyes",))
        sides = _bands(img, face)
        per_side = [_moved(img, out, ref, m, near) for m in sides]
        assert min(per_side) >= 0.5, (target_path.name, per_side)             # measured 0.56-0.77
        # (0.56 / 0.77 and 0.73 / 0.65 measured: each band's mean moves with where the parsed
        # brows end; the far side taking the shade moved -0.15 and 0.01, see above)
        assert abs(per_side[0] - per_side[1]) <= 0.25, (target_path.name, per_side)
        assert _moved(img, out, ref, sides[0] | sides[1], ref_band) >= 0.70      # measured 0.93, 0.89
        labels = face.parsing_for(img).full(*img.shape[:2])
        spared = np.isin(labels, (P.LEFT_EYE, P.RIGHT_EYE, P.LEFT_BROW, P.RIGHT_BROW))
        assert np.array_equal(out[spared], img[spared])                        # eyes and brows kept
