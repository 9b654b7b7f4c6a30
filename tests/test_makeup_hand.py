"""Makeup by hand (issue 21) on real pixels: lips, eyeshadow, blush, eyeliner, lashes; their
commands. The sample portrait smiles with its teeth showing (an open mouth)."""
from __future__ import annotations

import copy

import cv2
import numpy as np
import pytest
from PIL import Image

from inference import parsing as P
from inference.edits import blush, eyeliner, eyeshadow, lashes, lips
from inference.faces import analyse
from inference.io import read_image
from inference.makeup import layers
from tests.test_cli import assert_user_error, run


@pytest.fixture(scope="module")
def face(astronaut, astronaut_faces):
    return analyse(astronaut, copy.deepcopy(astronaut_faces[0]))


@pytest.fixture(scope="module")
def labels(astronaut, face):
    return face.parsing.full(*astronaut.shape[:2])


def progress(before, after, where, colour) -> float:
    t = layers.colour_lab(colour)[1:]
    a0 = layers.to_lab(before)[..., 1:][where].mean(0)
    a1 = layers.to_lab(after)[..., 1:][where].mean(0)
    return 1.0 - float(np.linalg.norm(a1 - t)) / float(np.linalg.norm(a0 - t))


def dist_outside(mask):
    return cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, 3)


def erode(mask, r=1):
    return cv2.erode(mask.astype(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8)).astype(bool)


def diff(a, b):
    return np.abs(a.astype(np.int16) - b.astype(np.int16)).max(-1)


def test_lips_colour_progress_teeth_and_far(astronaut, face, labels):
    lip = erode(np.isin(labels, (P.UPPER_LIP, P.LOWER_LIP)))
    inner = labels == P.INNER_MOUTH
    assert inner.sum() > 100          # the sample shows its teeth
    for colour in ("#b03040", "#d98080"):
        full = lips.apply(astronaut, face, color=colour, amount=1.0)
        half = lips.apply(astronaut, face, color=colour, amount=0.5)
        p1 = progress(astronaut, full, lip, colour)
        assert p1 >= 0.8, p1
        assert 0.35 <= progress(astronaut, half, lip, colour) / p1 <= 0.65
        assert diff(full, astronaut)[inner].mean() <= 2.0
        far = dist_outside(np.isin(labels, (P.UPPER_LIP, P.LOWER_LIP))) > 0.05 * face.size
        assert diff(full, astronaut)[far].max() == 0
    # the lips keep their texture: the lightness detail correlates with the original's
    L0, L1 = (layers.to_lab(x)[..., 0] for x in (astronaut, lips.apply(astronaut, face, color="#b03040", amount=1.0,
                                                                        finish="gloss")))
    hp = lambda L: L - cv2.GaussianBlur(L, (0, 0), 1.0)  # noqa: E731
    assert np.corrcoef(hp(L0)[lip], hp(L1)[lip])[0, 1] >= 0.8


def test_lips_finishes_differ_by_their_highlight(astronaut, face, labels):
    lip = erode(np.isin(labels, (P.UPPER_LIP, P.LOWER_LIP)))
    L = {f: layers.to_lab(lips.apply(astronaut, face, color="#b03040", amount=1.0, finish=f))[..., 0][lip]
         for f in lips.FINISHES}
    assert np.percentile(L["gloss"], 99) > np.percentile(L["satin"], 99) > np.percentile(L["matte"], 99)
    assert abs(np.median(L["gloss"]) - np.median(L["matte"])) < 3   # the highlight, not a lighter lip


def test_lips_amount_zero_changes_nothing(astronaut, face):
    assert np.array_equal(lips.apply(astronaut, face, color="#b03040", amount=0.0), astronaut)


@pytest.mark.parametrize("mod,colour", [(eyeshadow, "#5b3a5e"), (blush, "#d9777a")])
def test_eyeshadow_and_blush_keep_off_and_scale(astronaut, face, labels, mod, colour):
    a, cov = mod.coverage(astronaut, face)
    full = np.zeros(astronaut.shape[:2], np.float32)
    full[a.y0:a.y0 + a.shape[0], a.x0:a.x0 + a.shape[1]] = cov
    region = (full > 0.5 * full.max()) & (labels == P.SKIN)
    assert region.sum() > 20
    out1 = mod.apply(astronaut, face, color=colour, amount=1.0)
    outh = mod.apply(astronaut, face, color=colour, amount=0.5)
    p1 = progress(astronaut, out1, region, colour)
    assert p1 > 0.3
    assert 0.35 <= progress(astronaut, outh, region, colour) / p1 <= 0.65
    protected = np.isin(labels, (P.LEFT_EYE, P.RIGHT_EYE, P.LEFT_BROW, P.RIGHT_BROW, P.UPPER_LIP, P.LOWER_LIP))
    assert diff(out1, astronaut)[protected].max() == 0
    L0, L1 = (layers.to_lab(x)[..., 0] for x in (astronaut, out1))
    hp = lambda L: L - cv2.GaussianBlur(L, (0, 0), 1.0)  # noqa: E731
    assert abs(hp(L1)[region].std() / hp(L0)[region].std() - 1) <= 0.15


def test_eyeshadow_height_reaches_further(astronaut, face):
    low = diff(eyeshadow.apply(astronaut, face, amount=1.0, height=0.0), astronaut) > 2
    high = diff(eyeshadow.apply(astronaut, face, amount=1.0, height=1.0), astronaut) > 2
    assert high.sum() > 1.3 * low.sum()
    assert np.nonzero(high)[0].min() < np.nonzero(low)[0].min()    # higher up the lid


@pytest.mark.parametrize("mod,params", [(eyeliner, dict(thickness=1.0, wing=1.0)),
                                        (lashes, dict(length=1.0, density=1.0, curl=1.0, lower=True))])
def test_liner_and_lashes_outside_the_eye_antialiased_deterministic(astronaut, face, labels, mod, params):
    out = mod.apply(astronaut, face, **params)
    d = diff(out, astronaut)
    eyes = np.isin(labels, (P.LEFT_EYE, P.RIGHT_EYE))
    assert d[eyes].max() == 0                      # nothing inside the eye's opening
    assert (d > 10).sum() > 30                     # drawn
    assert np.array_equal(out, mod.apply(astronaut, face, **params))
    # anti-aliased: the drawn pixels' coverage takes many levels between none and full
    drawn = d > 0
    ratio = d[drawn] / d[drawn].max()
    assert ((ratio > 0.1) & (ratio < 0.7)).sum() > 0.15 * drawn.sum()


def test_lashes_grow_above_the_lid(astronaut, face):
    out = lashes.apply(astronaut, face, length=1.0)
    ys, _ = np.nonzero(diff(out, astronaut) > 10)
    lid_y = face.mesh[[159, 386], 1].mean()
    assert np.median(ys) < lid_y


@pytest.fixture(scope="module")
def shared_faces(shared_data):
    """(photo, face, labels) for the first three labelled faces of each set."""
    from bench.parsing_data import parsing_sets
    from inference.faces import detect
    rows = []
    for items in parsing_sets(shared_data).values():
        for photo, lab in items[:3]:
            img = read_image(photo).rgb
            faces = detect(img)
            if not faces:
                continue
            if lab.shape != img.shape[:2]:
                lab = cv2.resize(lab, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_NEAREST)
            rows.append((img, analyse(img, faces[0]), lab))
    if not rows:
        pytest.skip("no annotated face found")
    return rows


def test_shared_data_lips(shared_faces):
    rows = []
    for img, f, lab in shared_faces:
        gt = np.isin(lab, (P.UPPER_LIP, P.LOWER_LIP))
        out = lips.apply(img, f, color="#b03040", amount=1.0)
        far = dist_outside(gt) > 0.05 * f.size
        rows.append((progress(img, out, gt, "#b03040"), diff(out, img)[far].mean()))
    prog, far = np.array(rows).T
    assert np.median(prog) >= 0.7 and far.max() <= 0.3


def test_shared_data_lips_reach_the_mouth_corners(shared_faces):
    """The labelled lips near the mesh's mouth corners are coloured (the parsing's lips stop
    short of the corners: median 0.65 of them before the corner wedges, 0.71 with)."""
    shares = []
    for img, f, lab in shared_faces:
        gt = np.isin(lab, (P.UPPER_LIP, P.LOWER_LIP))
        yy, xx = np.mgrid[:gt.shape[0], :gt.shape[1]]
        near = np.min([np.hypot(xx - f.mesh[i, 0], yy - f.mesh[i, 1]) for i in (61, 291)], axis=0) < 0.04 * f.size
        d = np.abs(lips.apply(img, f, color="#d98080", amount=1.0).astype(int) - img).sum(-1)
        shares.append((d[gt & near] > 0.5 * np.percentile(d[gt], 90)).mean())
    assert np.median(shares) >= 0.68, shares


CLI_CASES = [
    ("lips", ["--color", "#b03040", "--amount", "1", "--finish", "gloss"], (P.UPPER_LIP, P.LOWER_LIP)),
    ("eyeshadow", ["--color", "#5b3a5e", "--amount", "1", "--height", "0.7"], None),
    ("blush", ["--color", "#d9777a", "--amount", "1"], None),
    ("eyeliner", ["--thickness", "1", "--wing", "0.5"], None),
    ("lashes", ["--length", "1", "--density", "0.8", "--curl", "0.5"], None),
]


@pytest.mark.parametrize("cmd,args,where", CLI_CASES)
def test_cli_commands(tmp_path, sample_path, astronaut, labels, cmd, args, where):
    out = tmp_path / "o.png"
    res = run(cmd, sample_path, out, *args)
    assert res.returncode == 0, res.stderr
    d = diff(read_image(out).rgb, astronaut)
    assert (d > 3).sum() > 20
    eyes = np.isin(labels, (P.LEFT_EYE, P.RIGHT_EYE))
    assert d[eyes].max() == 0
    if where:
        assert d[np.isin(labels, where)].mean() > 5


def test_cli_bad_input(tmp_path, sample_path):
    coffee = tmp_path / "coffee.png"
    from skimage import data
    Image.fromarray(data.coffee()).save(coffee)
    o = tmp_path / "o.png"
    assert_user_error(run("lips", sample_path, o, "--color", "red"), "colour")
    assert_user_error(run("lips", sample_path, o), "--color")
    assert_user_error(run("eyeshadow", sample_path, o, "--color", "#112233", "--height", "1.5"), "between 0 and 1")
    assert_user_error(run("blush", sample_path, o, "--color", "#112233", "--amount", "-1"), "between 0 and 1")
    assert_user_error(run("lashes", sample_path, o, "--curl", "2"), "between 0 and 1")
    assert_user_error(run("eyeliner", coffee, o), "no face")
    assert not o.exists()
