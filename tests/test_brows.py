"""Eyebrow editing (inference/edits/brows) on real faces: removal leaves skin, recolour moves
the hairs' colour, thickness and arch change the hairs' area and shape, nothing far from the
brows changes; the `brows` command and its bad input."""
from __future__ import annotations

import copy
import cv2
import numpy as np
import pytest

from bench import brow_measures as M
from conftest import assert_one_line_error, run_cli
from inference import parsing as P
from inference.edits import brows
from inference.faces import detect
from inference.io import read_image

HELEN = "parsing_helen_mgpe"


@pytest.fixture(scope="module")
def helen(shared_data):
    """A HELEN face with its annotated label map (the measures use it, not our parsing)."""
    img = read_image(shared_data / HELEN / "images" / "129.png").rgb
    labels = np.array(read_image(shared_data / HELEN / "labels" / "129.png").rgb[..., 0])
    img.setflags(write=False)
    return img, labels, detect(img)[0]


def _geometry(labels, face):
    skin = labels == P.SKIN
    both = np.isin(labels, (P.LEFT_BROW, P.RIGHT_BROW))
    lm = face.landmarks68
    length = float(np.linalg.norm(lm[21] - lm[17]) + np.linalg.norm(lm[26] - lm[22])) / 2
    return skin, both, length, float(both.sum()) / (2 * length)


def test_removal_leaves_skin_like_the_skin_round_it(helen):
    img, labels, face = helen
    skin, both, _, thick = _geometry(labels, face)
    out = brows.apply(img, copy.deepcopy(face), remove=True)
    offset, energy = M.removal(out, both, skin, thick)
    assert offset <= 1.0                        # within the ring's spread of its mean
    # the grain of the forehead beside it (the ring's eyelid side holds the crease and lashes,
    # 18x the forehead's gradient energy on this face): not a flat smear, not streaks; measured
    # where the brow was, above its lower edge (below it the lashes and the lid's crease stay)
    lowest = np.full(both.shape[1], -1)
    ys, xs = np.nonzero(both)
    np.maximum.at(lowest, xs, ys)
    above = np.arange(both.shape[0])[:, None] <= lowest[None, :]
    area = (M._dist_outside(both) <= max(2.0, 0.35 * thick)) & above
    assert 0.5 < M.gradient_ratio(out, area, M.forehead_ring(both, skin, thick)) < 2.0
    assert M.far_change(img, out, both, face.size) <= 0.5
    # no dark residue: the fringe's sparse hairs go too (the old fill left a third of them)
    residue, hairs = (int((M.hairs(x, both, skin, thick, img) & above).sum()) for x in (out, img))
    assert residue < 0.15 * hairs


def test_removal_on_the_sample(astronaut, astronaut_face):
    out = brows.apply(astronaut, astronaut_face, remove=True)
    assert astronaut_face.parsing is None       # the edit wrote nothing on the face
    changed = np.abs(out.astype(int) - astronaut).max(-1) > 0
    ys, xs = np.nonzero(changed)
    lm = astronaut_face.landmarks68
    assert changed.sum() > 100
    assert lm[17:27, 1].min() - 15 < ys.min()
    # above the eyes: over each eye, above its upper lid (landmarks 36-39, 42-45)
    beside = np.ones(len(xs), bool)
    for lid in (lm[36:40], lm[42:46]):
        over = (xs >= lid[0, 0]) & (xs <= lid[-1, 0])
        assert (ys[over] < np.interp(xs[over], lid[:, 0], lid[:, 1])).all()
        beside &= ~over
    # between the eyes and beside them: above the eyes' corners
    assert (ys[beside] < lm[[36, 39, 42, 45], 1].min()).all()
    assert lm[17, 0] - 15 < xs.min() and xs.max() < lm[26, 0] + 15


@pytest.mark.parametrize("target", ["#3b2a20", "#b08d5e"])
def test_recolour_moves_the_brows_chroma(helen, target):
    img, labels, face = helen
    skin, both, _, thick = _geometry(labels, face)
    out = brows.apply(img, copy.deepcopy(face), color=target)
    assert M.recolour_progress(img, out, both, target) >= 0.8
    half = brows.apply(img, copy.deepcopy(face), color=target, amount=0.5)
    assert 0.3 < M.recolour_progress(img, half, both, target) < 0.7
    assert M.far_change(img, out, both, face.size) <= 0.5
    # the hairs' texture is kept: lightness detail inside the brow still correlates with the photo's
    L0, L1 = M.lightness(img), M.lightness(out)
    hp = lambda L: L - cv2.GaussianBlur(L, (0, 0), 2.0)  # noqa: E731
    assert np.corrcoef(hp(L0)[both], hp(L1)[both])[0, 1] > 0.7


def test_recolour_takes_the_stray_hairs_beyond_the_parsed_brow(shared_data):
    """A thick brow (CelebAMask-HQ 1.jpg) whose hairs run past the parsing's brow: the hairs
    of its labelled brow outside our mask (clearly darker than the skin) take the colour too."""
    from bench.parsing_data import CELEBA_TO_OURS
    path = shared_data / "parsing_celebamaskhq" / "maskgan_samples" / "images" / "1.jpg"
    if not path.is_file():
        pytest.skip("CelebAMask-HQ 1.jpg is not present")
    img = read_image(path).rgb
    raw = np.array(read_image(path.parent.parent / "labels" / "1.png").rgb[..., 0])
    labels = cv2.resize(CELEBA_TO_OURS[raw], img.shape[1::-1], interpolation=cv2.INTER_NEAREST)
    face = detect(img)[0]
    ours = np.isin(face.parsing_for(img).full(*img.shape[:2]), (P.LEFT_BROW, P.RIGHT_BROW))
    L = M.lightness(img)
    labelled = np.isin(labels, (P.LEFT_BROW, P.RIGHT_BROW))
    skin_l = float(np.median(L[labels == P.SKIN]))
    hair_l = float(np.percentile(L[labelled], 10))
    strays = labelled & ~cv2.dilate(ours.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) \
        & (L < hair_l + 0.3 * (skin_l - hair_l))
    assert strays.sum() > 200
    out = brows.apply(img, copy.deepcopy(face), color="#b08d5e")
    assert M.recolour_progress(img, out, strays, "#b08d5e") >= 0.5


def test_one_side_only(astronaut, astronaut_face):
    out = brows.apply(astronaut, astronaut_face, remove=True, side="left")
    mid = (astronaut_face.landmarks68[21, 0] + astronaut_face.landmarks68[22, 0]) / 2
    changed = np.abs(out.astype(int) - astronaut).max(-1) > 0
    assert changed[:, :int(mid) - 2].sum() > 50 and changed[:, int(mid) + 2:].sum() == 0


def test_identity_and_purity(astronaut, astronaut_face):
    assert brows.is_identity() and not brows.is_identity(remove=True)
    assert np.array_equal(brows.apply(astronaut, astronaut_face), astronaut)
    assert not np.array_equal(brows.apply(astronaut, astronaut_face, color="#1c1a19"), astronaut)


def test_brows_command(sample_path, tmp_path, astronaut):
    out = tmp_path / "b.png"
    res = run_cli("brows", sample_path, out, "--thickness", "0.3", "--color", "#3b2a20", "--side", "right")
    assert res.returncode == 0, res.stderr
    img = read_image(out).rgb
    assert not np.array_equal(img, astronaut)
    assert np.array_equal(img[250:], astronaut[250:])              # nothing below the eyes changed
    assert_one_line_error(run_cli("brows", sample_path, tmp_path / "x.png", "--color", "brown"), "colour")
    assert_one_line_error(run_cli("brows", sample_path, tmp_path / "x.png", "--thickness", "2"), "between -1 and 1")
    assert_one_line_error(run_cli("brows", sample_path, tmp_path / "x.png", "--arch", "nan"), "finite")
    assert_one_line_error(run_cli("brows", sample_path, tmp_path / "x.png", "--side", "up"), "invalid choice")
    assert_one_line_error(run_cli("brows", sample_path, tmp_path / "x.png", "--reference", tmp_path / "none.jpg"), "no such")
    assert_one_line_error(run_cli("brows", sample_path, tmp_path / "x.png", "--reference", sample_path, "--ref-face", "3"),
                "face 3 does not exist")
    assert_one_line_error(run_cli("brows", sample_path, sample_path, "--reference", sample_path), "--overwrite")
    assert not (tmp_path / "x.png").exists()


def test_transfer_from_a_reference(tmp_path, astronaut, astronaut_face):
    """The reference: the sample with its brows made black (so we know what its brows are);
    transferred onto the untouched sample through the mesh, the sample's brows get as dark,
    only where its brows are."""
    from inference.io import write_image
    ref_img = brows.apply(astronaut, copy.deepcopy(astronaut_face), color="#000000", thickness=0.4)
    ref = write_image(tmp_path / "ref.png", ref_img)
    out = brows.apply(astronaut, copy.deepcopy(astronaut_face), reference=str(ref))
    p = astronaut_face.parsing_for(astronaut)
    brow = np.zeros(astronaut.shape[:2], bool)
    brow[p.y0:p.y0 + p.height, p.x0:p.x0 + p.width] = p.mask(P.LEFT_BROW, P.RIGHT_BROW)
    L0, L1, Lr = (M.lightness(x)[brow].mean() for x in (astronaut, out, ref_img))
    assert L1 < L0 - 0.5 * (L0 - Lr)               # at least half way to the reference's darkness
    assert M.far_change(astronaut, out, brow, astronaut_face.size) <= 0.5
    one = brows.apply(astronaut, copy.deepcopy(astronaut_face), reference=str(ref), side="right")
    mid = int((astronaut_face.landmarks68[21, 0] + astronaut_face.landmarks68[22, 0]) / 2)
    assert np.array_equal(one[:, :mid - 2], astronaut[:, :mid - 2])
