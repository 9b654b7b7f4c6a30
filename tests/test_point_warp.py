"""inference/point_warp.py: the control points land where asked, nothing moves when nothing
is asked to, pinned points stay, no folds, the inverse map, the roi, and a brow lift on the
sample portrait's own landmarks."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from inference.point_warp import forward_points, invert_map, mls_warp_field, tps_warp_field, warp_image

H, W = 512, 512
# the astronaut's left brow (parsing class 2 spans x 188-216, y 86-95) and the eye under it
BROW = np.array([[188, 92], [195, 88], [203, 86], [210, 87], [216, 90]], float)
EYE = np.array([[190, 102], [197, 99], [205, 99], [212, 102], [205, 106], [197, 106]], float)
ROI = (150, 50, 260, 140)
RING = np.array([[x, y] for x in np.linspace(150, 259, 6) for y in (50, 139)]
                + [[x, y] for y in np.linspace(50, 139, 5)[1:-1] for x in (150, 259)], float)
KINDS = ["similarity", "rigid", "affine", "tps"]


def _field(kind: str, src, dst, **kw):
    if kind == "tps":
        return tps_warp_field(src, dst, (H, W), **kw)
    return mls_warp_field(src, dst, (H, W), kind=kind, **kw)


def _sample(map_x: np.ndarray, map_y: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """The maps at points (n, 2), bilinearly."""
    px, py = (pts[None, :, i].astype(np.float32) for i in (0, 1))
    return np.stack([cv2.remap(m, px, py, cv2.INTER_LINEAR)[0] for m in (map_x, map_y)], -1)


def _lift(dy: float):
    """Brow raised by dy px; the eye and the roi's edge pinned."""
    src = np.vstack([BROW, EYE, RING])
    return src, np.vstack([BROW + [0, -dy], EYE, RING])


def _jacobian_det(map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
    (xy, xx), (yy, yx) = np.gradient(map_x), np.gradient(map_y)
    return xx * yy - xy * yx


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("step", [1, 4, 8])
def test_control_points_land_where_asked(kind, step):
    src, dst = _lift(8)
    for roi in (None, ROI):
        mx, my = _field(kind, src, dst, roi=roi, step=step)
        assert mx.dtype == np.float32 and mx.shape == (H, W)
        assert np.abs(_sample(mx, my, dst) - src).max() <= 0.5


@pytest.mark.parametrize("kind", KINDS)
def test_identity_when_nothing_moves(kind, astronaut):
    pts = np.random.default_rng(3).uniform(20, 490, (12, 2))
    ix, iy = np.meshgrid(np.arange(W, dtype=np.float32), np.arange(H, dtype=np.float32))
    for roi in (None, ROI):
        mx, my = _field(kind, pts, pts, roi=roi)
        assert np.abs(mx - ix).max() <= 1e-4 and np.abs(my - iy).max() <= 1e-4
    assert np.abs(warp_image(astronaut, mx, my).astype(int) - astronaut).max() <= 1


@pytest.mark.parametrize("kind", KINDS)
def test_pinned_points_stay_while_others_move(kind):
    src, dst = _lift(8)
    mx, my = _field(kind, src, dst, roi=ROI)
    assert np.abs(_sample(mx, my, EYE) - EYE).max() <= 0.5            # the eye's outline
    x0, y0 = EYE.min(0).astype(int)
    x1, y1 = EYE.max(0).astype(int)
    ix, iy = np.meshgrid(np.arange(x0, x1 + 1), np.arange(y0 + 3, y1 + 1))  # its lower part
    assert np.hypot(mx[iy, ix] - ix, my[iy, ix] - iy).max() <= 1.5
    moved = _sample(mx, my, BROW + [0, -8]) - (BROW + [0, -8])
    assert np.all(moved[:, 1] > 7)                                     # the brow: from 8 px below


@pytest.mark.parametrize("kind", KINDS)
def test_no_fold_for_a_moderate_move(kind):
    src, dst = _lift(8)
    mx, my = _field(kind, src, dst, roi=ROI)
    x0, y0, x1, y1 = ROI
    assert _jacobian_det(mx, my)[y0:y1, x0:x1].min() > 0


@pytest.mark.parametrize("kind", KINDS)
def test_inverse_map_composes_to_identity(kind):
    src, dst = _lift(8)
    for roi in (ROI, None):
        mx, my = _field(kind, src, dst, roi=roi)
        fx, fy = invert_map(mx, my)
        ix, iy = np.meshgrid(np.arange(W, dtype=np.float32), np.arange(H, dtype=np.float32))
        inside = (fx >= 0) & (fx <= W - 1) & (fy >= 0) & (fy <= H - 1)
        bx = cv2.remap(mx, fx, fy, cv2.INTER_LINEAR)        # backward(forward(u)) = u
        by = cv2.remap(my, fx, fy, cv2.INTER_LINEAR)
        assert inside.mean() > 0.9 and np.hypot(bx - ix, by - iy)[inside].max() <= 0.5
        assert np.abs(forward_points(src, mx, my) - dst).max() <= 0.5
        cx, cy = invert_map(mx, my, step=4)                      # solved coarse, interpolated
        assert np.hypot(cx - fx, cy - fy).max() <= 0.5


def test_roi_is_identity_outside_and_the_field_inside():
    src, dst = _lift(8)
    full = mls_warp_field(src, dst, (H, W))
    part = mls_warp_field(src, dst, (H, W), roi=ROI)
    ix, iy = np.meshgrid(np.arange(W, dtype=np.float32), np.arange(H, dtype=np.float32))
    x0, y0, x1, y1 = ROI
    outside = np.ones((H, W), bool)
    outside[y0:y1, x0:x1] = False
    assert np.array_equal(part[0][outside], ix[outside]) and np.array_equal(part[1][outside], iy[outside])
    for a, b in zip(full, part):
        assert np.abs(a - b)[y0:y1, x0:x1].max() <= 0.25              # only the coarse nodes differ
    exact = mls_warp_field(src, dst, (H, W), roi=ROI, step=1)
    assert max(np.abs(a - b).max() for a, b in zip(exact, part)) <= 0.25


def test_a_translation_shifts_the_photo(astronaut):
    pts = np.array([[100, 100], [400, 120], [250, 400], [120, 380]], float)
    for kind in KINDS:
        mx, my = _field(kind, pts, pts + [5, -3])
        out = warp_image(astronaut, mx, my)
        assert np.array_equal(out[10:-10, 10:-10], astronaut[13:-7, 5:-15])


def test_warp_image_channels_and_masks(astronaut):
    src, dst = _lift(8)
    mx, my = mls_warp_field(src, dst, (H, W), roi=ROI)
    six = np.dstack([astronaut, astronaut[..., ::-1]])
    out = warp_image(six, mx, my)
    assert out.shape == six.shape and np.array_equal(out[..., 3:], warp_image(astronaut[..., ::-1], mx, my))
    assert warp_image(astronaut[..., 0], mx, my).shape == (H, W)
    # a mask of the brow goes where the brow goes: its dst points are inside the warped mask
    mask = np.zeros((H, W), bool)
    cv2.polylines(m8 := mask.view(np.uint8), [BROW.astype(np.int32)], False, 1, 5)
    moved = warp_image(m8.astype(bool), mx, my)
    assert moved.dtype == bool
    assert all(moved[int(round(y)), int(round(x))] for x, y in BROW + [0, -8])
    assert not any(moved[int(round(y)), int(round(x))] for x, y in BROW + [0, 4])


def test_degenerate_point_sets():
    one = np.array([[200.0, 200.0]])
    for kind in KINDS:                      # one point: a translation
        mx, my = _field(kind, one, one + [3, 4])
        assert np.allclose(mx[100, 100], 97, atol=1e-3) and np.allclose(my[100, 100], 96, atol=1e-3)
    line = np.array([[100, 100], [200, 200], [300, 300]], float)
    mx, my = _field("affine", line, line + [2, 0])         # collinear: no affine fit, no NaN
    assert np.isfinite(mx).all() and np.abs(_sample(mx, my, line + [2, 0]) - line).max() <= 0.5
    with pytest.raises(ValueError):
        mls_warp_field(one, line, (H, W))
    with pytest.raises(ValueError):
        mls_warp_field(one, one, (H, W), kind="projective")
    with pytest.raises(ValueError):
        mls_warp_field(one, one, (H, W), roi=(300, 300, 200, 400))


def test_tps_regularisation_smooths():
    src, dst = _lift(8)
    exact = tps_warp_field(src, dst, (H, W), roi=ROI)
    smooth = tps_warp_field(src, dst, (H, W), roi=ROI, regularization=1.0)
    x0, y0, x1, y1 = ROI
    assert _jacobian_det(*smooth)[y0:y1, x0:x1].min() > _jacobian_det(*exact)[y0:y1, x0:x1].min()
    assert np.abs(_sample(*smooth, dst) - src).max() > 0.5                # no longer interpolates


def test_brow_lift_on_the_sample(astronaut, astronaut_faces):
    """The detected face's brow (landmarks 17-21) raised by 4 % of the face, its eye (36-41) and a
    ring round the roi pinned: the brow's pixels land on the raised points, the eye is unchanged."""
    face = astronaut_faces[0]
    brow, eye = face.landmarks68[17:22], face.landmarks68[36:42]
    lift = 0.04 * face.size
    x0, y0 = (np.minimum(brow.min(0), eye.min(0)) - 0.15 * face.size).astype(int)
    x1, y1 = (np.maximum(brow.max(0), eye.max(0)) + 0.15 * face.size).astype(int)
    ring = np.array([[x, y] for x in np.linspace(x0, x1 - 1, 6) for y in (y0, y1 - 1)]
                    + [[x, y] for y in np.linspace(y0, y1 - 1, 5)[1:-1] for x in (x0, x1 - 1)], float)
    src = np.vstack([brow, eye, ring])
    dst = np.vstack([brow - [0, lift], eye, ring])
    mx, my = mls_warp_field(src, dst, astronaut.shape[:2], roi=(x0, y0, x1, y1))
    assert _jacobian_det(mx, my)[y0:y1, x0:x1].min() > 0
    out = warp_image(astronaut, mx, my).astype(np.float32)
    photo = astronaut.astype(np.float32)

    def at(img, pts):
        return np.stack([cv2.remap(img, *(pts[None, :, i].astype(np.float32) for i in (0, 1)), cv2.INTER_LINEAR)[0]])

    assert np.abs(at(out, brow - [0, lift]) - at(photo, brow)).mean() <= 6
    ex0, ey0 = eye.min(0).astype(int)
    ex1, ey1 = eye.max(0).astype(int)
    ix, iy = np.meshgrid(np.arange(ex0, ex1 + 1), np.arange(ey0, ey1 + 1))
    assert np.hypot(mx[iy, ix] - ix, my[iy, ix] - iy).max() <= 1.0       # measured 0.55 at the top
    assert np.abs(out[y0:y1, x0:x1] - photo[y0:y1, x0:x1]).mean() > 3     # something did move
