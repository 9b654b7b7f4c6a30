"""Skin retouch (issue 22): healing of a painted mask and of the blemishes found on the skin,
measured on the sample with spots painted onto her skin; the commands by subprocess."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from conftest import assert_one_line_error as assert_user_error
from conftest import run_cli as run
from inference import parsing as P
from inference.edits import heal
from inference.io import read_image, write_image
from spots import paint_spots, way_back


def _spots(astronaut, astronaut_face, radius):
    lm = astronaut_face.landmarks68
    s = astronaut_face.size
    cheeks = [(lm[36:42, 0].mean() - 0.06 * s, lm[29, 1]), (lm[42:48, 0].mean() + 0.06 * s, lm[29, 1])]
    brow_mid = lm[17:27].mean(0)
    forehead = [(brow_mid[0] - 0.12 * s, brow_mid[1] - 0.2 * s), (brow_mid[0] + 0.1 * s, brow_mid[1] - 0.22 * s)]
    return paint_spots(astronaut, cheeks + forehead, radius * s, ["dark", "red", "red", "dark"])


@pytest.fixture()
def spotted(astronaut, astronaut_face):
    """The sample with four spots (diameter 5 % of the face) on her cheeks and forehead."""
    return _spots(astronaut, astronaut_face, 0.025)


@pytest.fixture()
def small_spots(astronaut, astronaut_face):
    """The same four spots at 2 % of the face (2 pixels across on her 100-pixel face)."""
    return _spots(astronaut, astronaut_face, 0.01)


def test_a_painted_mask_is_healed_and_nothing_else_changes(astronaut, astronaut_face, spotted):
    painted, alphas = spotted
    mask = cv2.dilate(np.any([a > 0.02 for a in alphas], 0).astype(np.uint8), np.ones((3, 3), np.uint8))
    out = heal.apply(painted, astronaut_face, mask=mask)
    assert np.array_equal(out[mask == 0], painted[mask == 0])
    backs = [way_back(astronaut, painted, out, a > 0.1) for a in alphas]
    # a 100-pixel face: the spots hide a highlight or a fold no fill can know; as close as
    # cv2.inpaint (TELEA) of the same mask gets, which smears what lies next to the spot
    telea = cv2.inpaint(painted, mask * 255, 3, cv2.INPAINT_TELEA)
    anchor = [way_back(astronaut, painted, telea, a > 0.1) for a in alphas]
    assert np.median(backs) >= 0.5 and min(backs) >= 0.45, backs
    # (within 0.05: the spots' texture is copied from a patch of skin nearby, whose choice moves
    # with the parsing round them; 0.59 / 0.57 against TELEA's 0.62 on the cheek spot)
    assert np.median(backs) >= np.median(anchor) - 0.05, (backs, anchor)
    # the skin's own colour, not a brow's or an eye's: the mean error inside stays small
    err = [np.abs(out.astype(int) - astronaut)[a > 0.1].mean() for a in alphas]
    assert max(err) < 16, err


def test_a_spot_by_a_brow_takes_no_brow_colour(astronaut, astronaut_face):
    parsing = astronaut_face.parsing_for(astronaut)
    labels = parsing.full(*astronaut.shape[:2])
    brow = labels == P.LEFT_BROW
    ys, xs = np.nonzero(brow)
    # a spot on the skin just above the brow's middle, its mask touching the brow
    cx = int(np.median(xs))
    top = ys[xs == cx].min()
    r = 3
    cy = top - r
    mask = np.zeros(labels.shape, np.uint8)
    cv2.circle(mask, (cx, cy), r + 1, 1, -1)
    painted = astronaut.copy()
    painted[mask > 0] = (painted[mask > 0] * 0.6).astype(np.uint8)
    out = heal.apply(painted, astronaut_face, mask=mask)
    skin_part = (mask > 0) & (labels == P.SKIN)
    g = lambda im, m: im[m].astype(float).mean()  # noqa: E731
    # against the photo before the spot was painted (a ring round it would hold the fringe's
    # hairs above and the brow's soft edge below, both darker than the skin there)
    assert abs(g(out, skin_part) - g(astronaut, skin_part)) < 10
    assert np.array_equal(out[mask == 0], painted[mask == 0])


@pytest.mark.parametrize("radius", [3, 5])
def test_a_dark_hair_beside_a_spot_does_not_shade_its_fill(astronaut, astronaut_face, radius):
    """A stray hair parsed as skin, touching the spot's edge, is no part of the skin's
    boundary: the fill is as good as without the hair (with the strays rule off the hair's
    dark spread in: 3.7 -> 6.1 levels of error for radius 3, 5.7 -> 7.3 for 5)."""
    astronaut_face.parsing = astronaut_face.parsing_for(astronaut)   # parsed before the edit, as in the app
    lm = astronaut_face.landmarks68
    cx, cy = (int(v) for v in (lm[1] + lm[31]) / 2)                   # the cheek
    assert astronaut_face.parsing.full(*astronaut.shape[:2])[cy, cx] == P.SKIN
    mask = np.zeros(astronaut.shape[:2], np.uint8)
    cv2.circle(mask, (cx, cy), radius, 1, -1)
    spot = astronaut.copy()
    spot[mask > 0] = (spot[mask > 0] * 0.6).astype(np.uint8)
    hair = spot.copy()
    cv2.line(hair, (cx - 3 * radius, cy - radius - 2), (cx + 3 * radius, cy - radius - 1), (40, 30, 25), 1,
             cv2.LINE_AA)
    hair[mask > 0] = spot[mask > 0]
    assert (np.abs(hair.astype(int) - spot)[mask == 0].max(-1) > 40).sum() >= 4 * radius
    err = [np.abs(heal.apply(im, astronaut_face, mask=mask)[mask > 0].astype(float) - astronaut[mask > 0]).mean()
           for im in (spot, hair)]
    assert err[1] <= err[0] + 1.0, err


def test_a_spot_a_few_pores_wide_gets_no_stamped_grain(astronaut, astronaut_face, monkeypatch):
    """Under 5 detail sigmas across (10 px) a spot is the membrane alone (a copied pore there
    is a stamp, and a stranger's grain adds to the error); a wider one gets the skin's grain."""
    astronaut_face.parsing = astronaut_face.parsing_for(astronaut)
    lm = astronaut_face.landmarks68
    cx, cy = (int(v) for v in (lm[1] + lm[31]) / 2)
    outs = {}
    for radius in (3, 12):
        mask = np.zeros(astronaut.shape[:2], np.uint8)
        cv2.circle(mask, (cx, cy), radius, 1, -1)
        for gain in (0.0, heal.TEXTURE_GAIN):
            monkeypatch.setattr(heal, "TEXTURE_GAIN", gain)
            outs[radius, gain] = heal.apply(astronaut, astronaut_face, mask=mask)[mask > 0].astype(int)
        monkeypatch.undo()
    g = heal.TEXTURE_GAIN
    assert np.array_equal(outs[3, 0.0], outs[3, g])
    assert np.abs(outs[12, 0.0] - outs[12, g]).mean() > 0.5


@pytest.mark.parametrize("photo, brow", [("parsing_helen_mgpe/images/1034.png", P.RIGHT_BROW),
                                         ("parsing_celebamaskhq/maskgan_samples/images/1.jpg", P.LEFT_BROW),
                                         ("parsing_celebamaskhq/maskgan_samples/images/3.jpg", P.RIGHT_BROW)])
def test_a_brow_tail_parsed_as_skin_is_no_blemish(shared_data, photo, brow):
    """Where the parsing takes a brow's outer third for skin (as it did on a turned face), no
    blemish is found on it: the landmarks say a brow is there. Without that rule the tail was
    found as a dark spot, and healed away, on these three of the 20 brows of the annotated faces."""
    import copy
    from inference.faces import analyse, detect
    img = read_image(shared_data / photo).rgb
    face = analyse(img, detect(img)[0])
    face = copy.deepcopy(face)
    par = face.parsing
    lab = par.labels
    ys, xs = np.nonzero(lab == brow)
    far = np.abs(xs * par.width / lab.shape[1] + par.x0 - face.landmarks68[27, 0])
    tail = np.zeros(lab.shape, bool)
    tail[ys[far >= np.quantile(far, 0.67)], xs[far >= np.quantile(far, 0.67)]] = True
    P.hand_over(par.scores, lab, tail, P.SKIN)
    par._full = None
    assert (par.full(*img.shape[:2]) == brow).sum() > 0         # the rest of the brow is still there
    on_tail = cv2.resize(tail.astype(np.uint8), (par.width, par.height), interpolation=cv2.INTER_NEAREST)
    spots = heal.find_blemishes(img, face)
    assert spots                                               # the skin is still looked at
    assert not [s for s in spots if on_tail[int(s.y) - par.y0, int(s.x) - par.x0]]


def test_heal_mask_reads_a_path_and_checks_its_size(astronaut, astronaut_face, tmp_path):
    m = np.zeros(astronaut.shape[:2], np.uint8)
    m[200:206, 200:206] = 255
    p = tmp_path / "m.png"
    write_image(p, np.dstack([m] * 3))
    a = heal.apply(astronaut, astronaut_face, mask=str(p))
    b = heal.apply(astronaut, astronaut_face, mask=m)
    assert np.array_equal(a, b)
    with pytest.raises(heal.EditError, match="the mask is 10x10 but the photo is 512x512"):
        heal.apply(astronaut, astronaut_face, mask=np.ones((10, 10), np.uint8))


def test_heal_cli_with_a_mask(sample_path, astronaut, tmp_path):
    m = np.zeros(astronaut.shape[:2], np.uint8)
    m[150:156, 230:236] = 255
    mp = tmp_path / "mask.png"
    write_image(mp, np.dstack([m] * 3))
    out = tmp_path / "healed.png"
    res = run("heal", sample_path, out, "--mask", mp)
    assert res.returncode == 0, res.stderr
    img = read_image(out).rgb
    assert np.array_equal(img[m == 0], astronaut[m == 0])
    bad = tmp_path / "small.png"
    write_image(bad, np.zeros((20, 30, 3), np.uint8))
    assert_user_error(run("heal", sample_path, tmp_path / "x.png", "--mask", bad),
                      "the mask is 30x20 but the photo is 512x512")
    assert_user_error(run("heal", sample_path, tmp_path / "x.png", "--mask", tmp_path / "none.png"), "none.png")


def test_smooth_cli_texture(sample_path, tmp_path, astronaut):
    out = tmp_path / "s.png"
    res = run("smooth", sample_path, out, "--strength", "0.8", "--texture", "1")
    assert res.returncode == 0, res.stderr
    assert (read_image(out).rgb != astronaut).any()
    assert_user_error(run("smooth", sample_path, tmp_path / "t.png", "--texture", "1.5"), "between 0 and 1")


# -- automatic healing --------------------------------------------------------------------------

def test_blemishes_are_found_and_healed_and_nothing_else_changes(astronaut, astronaut_face, small_spots):
    painted, alphas = small_spots
    spots = heal.find_blemishes(painted, astronaut_face)
    found = heal.spots_mask(painted.shape, spots)
    hit = [found[a > 0.1].mean() > 0.5 for a in alphas]
    assert sum(hit) >= 2, hit   # the two on the cheeks (bench/retouch.py: 83 % on 11 faces)
    patch = heal.apply_region(painted, astronaut_face)
    out = patch.paste(painted)
    assert len(patch.info["spots"]) == len(spots)
    backs = [way_back(astronaut, painted, out, a > 0.1) for a, h in zip(alphas, hit) if h]
    assert np.median(backs) >= 0.45, backs
    # only the skin changes (eyes, brows, lips, nose, hair, background never), and elsewhere
    # than the spots by far less than a level on average
    labels = astronaut_face.parsing_for(astronaut).full(*astronaut.shape[:2])
    changed = (out != painted).any(-1)
    assert (labels[changed] == P.SKIN).all()
    union = cv2.dilate(np.any([a > 0 for a in alphas], 0).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert np.abs(out.astype(np.float32) - painted)[~union].mean() < 0.2


def test_a_spot_kept_is_not_healed(astronaut, astronaut_face, small_spots):
    painted, alphas = small_spots
    spots = heal.find_blemishes(painted, astronaut_face)
    assert spots
    first = spots[0]
    kept = heal.find_blemishes(painted, astronaut_face, keep=[(first.x, first.y)])
    assert len(kept) == len(spots) - 1
    out = heal.apply(painted, astronaut_face, keep=[(first.x, first.y)])
    x0, y0, x1, y1 = first.box
    assert np.array_equal(out[y0:y1, x0:x1][first.hole], painted[y0:y1, x0:x1][first.hole])


def test_heal_cli_automatic(sample_path, astronaut, tmp_path):
    out = tmp_path / "auto.png"
    res = run("heal", sample_path, out)
    assert res.returncode == 0, res.stderr
    img = read_image(out).rgb
    assert np.abs(img.astype(int) - astronaut).mean() < 0.5
    assert_user_error(run("heal", sample_path, tmp_path / "y.png", "--face", "3"), "face")


# -- shine and under-eye ------------------------------------------------------------------------

def _L(img):
    return cv2.GaussianBlur(img.astype(np.float32), (0, 0), 2.0) @ np.array([0.299, 0.587, 0.114], np.float32)


def _under_eye_and_cheek(face, shape):
    """Masks of the band below the image's left eye and of the cheek below it (from landmarks)."""
    lm = face.landmarks68
    eye = lm[36:42]
    ew = float(np.linalg.norm(eye[3] - eye[0]))
    lower = eye[[4, 5]].mean(0)
    band, cheek = np.zeros(shape, np.uint8), np.zeros(shape, np.uint8)
    c = lower + (0, 0.45 * ew)
    cv2.ellipse(band, (int(c[0]), int(c[1])), (int(0.4 * ew), int(0.15 * ew)), 0, 0, 360, 1, -1)
    c = lower + (0, 1.25 * ew)
    cv2.ellipse(cheek, (int(c[0]), int(c[1])), (int(0.4 * ew), int(0.2 * ew)), 0, 0, 360, 1, -1)
    return band > 0, cheek > 0


def test_retouch_lifts_the_under_eye_and_takes_back_shine_and_touches_only_skin(astronaut, astronaut_face):
    from inference.edits import retouch
    from inference.faces import analyse
    analyse(astronaut, astronaut_face)       # the same parsing for the painted copy
    labels = astronaut_face.parsing.full(*astronaut.shape[:2])
    assert retouch.is_identity(shine=0, under_eye=0)
    assert np.array_equal(retouch.apply(astronaut, astronaut_face, shine=0, under_eye=0), astronaut)
    # her under-eyes are lighter than her cheeks: a dark circle painted under the left one
    band, cheek = _under_eye_and_cheek(astronaut_face, labels.shape)
    band &= labels == P.SKIN
    soft = cv2.GaussianBlur(cv2.dilate(band.astype(np.float32), np.ones((5, 5), np.uint8)), (0, 0), 2.0)
    soft *= labels == P.SKIN
    photo = np.clip(astronaut * (1 - 0.3 * soft[..., None]) + 0.5, 0, 255).astype(np.uint8)
    out = retouch.apply(photo, astronaut_face, shine=1.0, under_eye=1.0)
    changed = (out != photo).any(-1)
    assert changed.any() and np.isin(labels[changed], (P.SKIN, P.NOSE)).all()
    # under-eye: the gap to the cheek's tone closes by at least a third
    L0, L1 = _L(photo), _L(out)
    gap0 = L0[cheek].mean() - L0[band].mean()
    gap1 = L1[cheek].mean() - L1[band].mean()
    assert gap0 > 3 and gap1 < 0.67 * gap0, (gap0, gap1)
    # shine: the brightest skin (the top 2 % of its coarse layer) comes down, the rest barely moves
    skin = np.isin(labels, (P.SKIN, P.NOSE))
    top = skin & (L0 >= np.percentile(L0[skin], 98))
    assert L0[top].mean() - L1[top].mean() > 3
    rest = skin & (L0 < np.percentile(L0[skin], 70)) & ~cv2.dilate(band.astype(np.uint8), np.ones((15, 15), np.uint8)).astype(bool)
    assert np.abs(L1[rest] - L0[rest]).mean() < 1.0


def test_retouch_cli(sample_path, astronaut, tmp_path):
    out = tmp_path / "r.png"
    res = run("retouch", sample_path, out, "--shine", "0.8", "--under-eye", "0.6")
    assert res.returncode == 0, res.stderr
    assert (read_image(out).rgb != astronaut).any()
    assert_user_error(run("retouch", sample_path, tmp_path / "q.png", "--under-eye", "2"), "between 0 and 1")
    assert_user_error(run("retouch", sample_path, tmp_path / "q.png", "--shine", "x"), "not a number")


def test_retouch_slider_steps_reuse_the_layers_and_give_the_fresh_result(astronaut, astronaut_face):
    from inference.edits import retouch
    from inference.edits.base import EditCache
    from inference.faces import analyse
    analyse(astronaut, astronaut_face)
    cache = EditCache()
    retouch.apply_region(astronaut, astronaut_face, shine=0.3, under_eye=0.2, cache=cache)
    kept = cache._slots["retouch"][2]
    step = retouch.apply_region(astronaut, astronaut_face, shine=0.9, under_eye=0.7, cache=cache).paste(astronaut)
    assert cache._slots["retouch"][2] is kept                        # kept across the drag
    assert list(cache._slots) == ["retouch"]                         # and nothing face-sized beside it
    for shine, eye in ((0.0, 0.6), (0.7, 0.0)):                      # one amount at zero: as fresh
        assert np.array_equal(retouch.apply_region(astronaut, astronaut_face, shine=shine, under_eye=eye,
                                                   cache=cache).paste(astronaut),
                              retouch.apply(astronaut, astronaut_face, shine=shine, under_eye=eye))
    fresh = retouch.apply(astronaut, astronaut_face, shine=0.9, under_eye=0.7)
    assert np.array_equal(step, fresh)
    # another photo (a darker copy) never reads the kept layers
    darker = (astronaut * 0.8).astype(np.uint8)
    other = retouch.apply_region(darker, astronaut_face, shine=0.9, under_eye=0.7, cache=cache).paste(darker)
    assert np.array_equal(other, retouch.apply(darker, astronaut_face, shine=0.9, under_eye=0.7))
    assert not np.array_equal(other, step)
