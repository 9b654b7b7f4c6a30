"""inference/poisson.py on the sample portrait: pixels off the mask untouched, exact answers
(a ramp, a region cloned onto itself), an independent float64 direct solve, the image border,
no seam over the left eyebrow, mixed gradients, and OpenCV's seamlessClone."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as sla

from inference.poisson import PoissonSolver, poisson_fill

# a box around the astronaut's left eyebrow (parsing class 2, x 188-216, y 86-95), checked by eye:
# the whole arch, the skin round it, the top of the bangs' shadow, the eyelid crease below
BROW = (slice(82, 98), slice(184, 221))
GREY_TOL = 0.01   # the solver's default accuracy (measured ~1e-3) in grey levels of 0..255 data


def _reference(image: np.ndarray, mask: np.ndarray, guide: np.ndarray | None = None,
               mixed: bool = False) -> np.ndarray:
    """Pérez et al.'s discrete equations written out pixel by pixel and solved in float64 by
    SuperLU: sum over in-image neighbours q of (f_p - f_q) = sum of v_pq, f_q known off the mask."""
    img = image.astype(np.float64).reshape(image.shape[:2] + (-1,))
    g = None if guide is None else guide.astype(np.float64).reshape(img.shape)
    H, W = mask.shape
    ys, xs = np.nonzero(mask)
    n = len(ys)
    idx = np.full((H, W), -1)
    idx[ys, xs] = np.arange(n)
    rows, cols, deg = [], [], np.zeros(n)
    b = np.zeros((n, img.shape[2]))
    for dy, dx in ((0, 1), (1, 0), (0, -1), (-1, 0)):
        qy, qx = ys + dy, xs + dx
        ok = (qy >= 0) & (qy < H) & (qx >= 0) & (qx < W)
        deg += ok
        p, qy, qx = np.nonzero(ok)[0], qy[ok], qx[ok]
        unknown = idx[qy, qx] >= 0
        rows.append(p[unknown])
        cols.append(idx[qy[unknown], qx[unknown]])
        b[p[~unknown]] += img[qy[~unknown], qx[~unknown]]
        if g is not None:
            v = g[ys[p], xs[p]] - g[qy, qx]
            if mixed:
                dv = img[ys[p], xs[p]] - img[qy, qx]
                v = np.where(np.abs(dv) > np.abs(v), dv, v)
            b[p] += v
    r, c = np.concatenate(rows), np.concatenate(cols)
    A = sp.csc_matrix((np.r_[-np.ones(len(r)), deg], (np.r_[r, np.arange(n)], np.r_[c, np.arange(n)])), shape=(n, n))
    out = img.copy()
    out[ys, xs] = sla.spsolve(A, b).reshape(n, -1)
    return out.reshape(image.shape)


def _ellipse(shape: tuple[int, int], centre: tuple[int, int], axes: tuple[int, int], angle: float = 0) -> np.ndarray:
    return cv2.ellipse(np.zeros(shape, np.uint8), centre, axes, angle, 0, 360, 1, -1).astype(bool)


@pytest.fixture(scope="module")
def photo(astronaut) -> np.ndarray:
    return astronaut.astype(np.float32)


@pytest.mark.parametrize("method", ["multigrid", "direct"])
@pytest.mark.parametrize("mode", ["membrane", "clone", "mixed"])
def test_pixels_off_the_mask_are_bit_identical(photo, mode, method):
    rng = np.random.default_rng(0)
    image = (photo * 37.0 - 4000.0).astype(np.float32)          # any range
    mask = _ellipse(photo.shape[:2], (260, 200), (70, 40), 30)
    noise = rng.normal(0, 50, image.shape).astype(np.float32)
    guide = None if mode == "membrane" else np.roll(image, 60, axis=1) + noise
    out = PoissonSolver(mask, method=method).solve(image, guide, mode == "mixed")
    assert out.dtype == np.float32 and out.shape == image.shape
    assert np.array_equal(out[~mask], image[~mask])
    assert not np.array_equal(out[mask], image[mask])


@pytest.mark.parametrize("method", ["multigrid", "direct"])
def test_membrane_fill_of_a_ramp_is_the_ramp(method):
    H, W = 300, 400
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    ramp = 0.45 * xx + 0.2 * yy + 10.0                           # 10..250: grey levels
    hole = _ellipse((H, W), (200, 150), (110, 70), 20)
    image = ramp.copy()
    image[hole] = np.random.default_rng(1).uniform(0, 255, hole.sum())
    solver = PoissonSolver(hole, method=method)
    assert np.abs(solver.solve(image) - ramp)[hole].max() <= 1e-3
    rgb = np.dstack([image, 255 - image, image * 0.5])             # every channel on its own
    want = np.dstack([ramp, 255 - ramp, ramp * 0.5])
    assert np.abs(solver.solve(rgb) - want)[hole].max() <= 1e-3


def test_cloning_a_region_onto_itself_gives_it_back(photo):
    for mask in (_ellipse(photo.shape[:2], (220, 120), (60, 45)), np.zeros(photo.shape[:2], bool)):
        mask[BROW] = True
        out = poisson_fill(photo, mask, photo)
        assert np.abs(out - photo)[mask].max() <= 1e-3


@pytest.mark.parametrize("method", ["multigrid", "direct", "auto"])
@pytest.mark.parametrize("mode", ["membrane", "clone", "mixed"])
def test_agrees_with_a_direct_solve(photo, mode, method):
    """Against the equations written out pixel by pixel and solved in float64, also on masks
    running off the image's edges (Neumann there) and on 1 and 5 channels."""
    H, W = photo.shape[:2]
    guide = np.roll(photo, (-60, 90), axis=(0, 1)) if mode != "membrane" else None
    inner = _ellipse((H, W), (250, 230), (90, 50), -15)
    corner = np.zeros((H, W), bool)
    corner[:70, 400:] = True                                      # the top and right edges
    corner |= _ellipse((H, W), (0, 300), (40, 90))                # the left edge
    small = np.zeros((H, W), bool)
    small[BROW] = True
    tol = 1e-4 if method == "direct" else GREY_TOL              # float32 out: 1.5e-5 a step at 255
    for mask in (inner, corner, small):
        solver = PoissonSolver(mask, method=method)
        want = _reference(photo, mask, guide, mixed=mode == "mixed")
        assert np.abs(solver.solve(photo, guide, mode == "mixed") - want).max() <= tol
        grey, g1 = photo[..., 1], None if guide is None else guide[..., 1]
        assert np.abs(solver.solve(grey, g1, mode == "mixed")
                      - _reference(grey, mask, g1, mixed=mode == "mixed")).max() <= tol
    five = np.dstack([photo, photo[..., :2] * 0.5])
    g5 = None if guide is None else np.dstack([guide, guide[..., :2]])
    assert np.abs(PoissonSolver(inner, method=method).solve(five, g5, mode == "mixed")
                  - _reference(five, inner, g5, mixed=mode == "mixed")).max() <= tol


def _seam_jump(out: np.ndarray, mask: np.ndarray) -> float:
    """Mean |step| across the mask's boundary: each edge from a mask pixel to its outside neighbour."""
    steps = []
    for dy, dx in ((0, 1), (1, 0), (0, -1), (-1, 0)):
        ys, xs = np.nonzero(mask & ~np.roll(mask, (-dy, -dx), (0, 1)))
        steps.append(np.abs(out[ys, xs] - out[ys + dy, xs + dx]).mean(-1))
    return float(np.concatenate(steps).mean())


def _own_steps(photo: np.ndarray, mask: np.ndarray) -> float:
    """Mean |step| between neighbours of the photo itself in a band round the mask."""
    band = cv2.dilate(mask.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool) & ~mask
    steps = []
    for dy, dx in ((0, 1), (1, 0)):
        ys, xs = np.nonzero(band & np.roll(band, (-dy, -dx), (0, 1)))
        steps.append(np.abs(photo[ys, xs] - photo[ys + dy, xs + dx]).mean(-1))
    return float(np.concatenate(steps).mean())


def test_eyebrow_fill_has_no_seam(photo):
    """The left eyebrow filled by a membrane and by the cheek below the eye cloned over it:
    the steps across the boundary are the size of the photo's own neighbour differences."""
    mask = np.zeros(photo.shape[:2], bool)
    mask[BROW] = True
    own = _own_steps(photo, mask)
    assert _seam_jump(photo, mask) > 1.2 * own                  # the brow's own edge is a seam
    cheek = np.roll(photo, (-34, 2), axis=(0, 1))               # rows 116-132 under the eye
    for guide in (None, cheek):
        out = poisson_fill(photo, mask, guide)
        assert _seam_jump(out, mask) <= 2 * own
        assert np.array_equal(out[~mask], photo[~mask])


def _gradient(a: np.ndarray) -> np.ndarray:
    g = a.mean(-1)
    gx, gy = np.zeros_like(g), np.zeros_like(g)
    gx[:, :-1], gy[:-1] = g[:, 1:] - g[:, :-1], g[1:] - g[:-1]
    return np.hypot(gx, gy)


def test_mixed_gradients_keep_the_destinations_stronger_edges(photo):
    """The other cheek cloned over the left eye: a plain clone wipes the eye out, mixed
    gradients keep its edges (where they beat the cheek's) and the cheek's where they win."""
    mask = np.zeros(photo.shape[:2], bool)
    mask[88:110, 184:224] = True
    cheek = np.roll(photo, (-24, -50), axis=(0, 1))
    inner = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    gd, gg = _gradient(photo), _gradient(cheek)
    eye = inner & (gd > np.percentile(gd[inner], 90)) & (gd > 2 * gg)
    skin = inner & (gg > np.percentile(gg[inner], 75)) & (gg > 2 * gd)
    assert eye.sum() > 40 and skin.sum() > 40
    plain, mixed = (_gradient(poisson_fill(photo, mask, cheek, mixed=m)) for m in (False, True))
    assert mixed[eye].mean() >= 0.8 * gd[eye].mean()
    assert plain[eye].mean() <= 0.4 * gd[eye].mean()
    assert mixed[skin].mean() >= 0.6 * gg[skin].mean()


def test_agrees_with_opencv_seamless_clone(photo, astronaut):
    """The left eye cloned onto the background above the flag: cv2.seamlessClone (NORMAL_CLONE)
    and ours within a few grey levels inside the mask eroded by 2 px. OpenCV erodes its mask by
    3 px before taking the source's gradients (Cloning::computeDerivatives) and solves on the
    mask's bounding box, so it is given the mask dilated by 3 px: then both clone the source's
    gradients over the same pixels (given the same mask the two differ by ~12 grey levels)."""
    H, W = photo.shape[:2]
    (cx, cy), eye = (125, 55), (203, 97)
    mask = _ellipse((H, W), (cx, cy), (24, 14))
    src = np.roll(astronaut, (cy - eye[1], cx - eye[0]), axis=(0, 1))
    ours = poisson_fill(photo, mask, src.astype(np.float32))
    wide = cv2.dilate(mask.astype(np.uint8), np.ones((7, 7), np.uint8))
    ys, xs = np.nonzero(wide)
    x0, y0, w, h = xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
    theirs = cv2.seamlessClone(src, astronaut, wide * 255, (int(x0 + w // 2), int(y0 + h // 2)), cv2.NORMAL_CLONE)
    inner = cv2.erode(mask.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    diff = np.abs(theirs.astype(np.float32) - ours)[inner]
    assert diff.mean() <= 4.0 and np.median(diff) <= 3.0


@pytest.mark.parametrize("axes", [(80, 50), (40, 25)])
def test_solver_is_reused_across_images_guides_and_channels(photo, axes):
    mask = _ellipse(photo.shape[:2], (250, 230), axes)
    solver = PoissonSolver(mask)
    assert solver.direct == (mask.sum() <= 12000)                 # auto: direct for small masks
    guide = np.roll(photo, 40, axis=0)
    for image, g, mixed in ((photo, guide, False), (photo[..., 0], None, False), (photo, guide, True),
                            (photo[..., :2] / 255.0, guide[..., :2] / 255.0, False)):
        got = solver.solve(image, g, mixed)
        assert np.array_equal(got, poisson_fill(image, mask, g, mixed=mixed))
    assert (solver.iterations > 0) != solver.direct


def test_dtypes_and_edge_cases(photo):
    mask = np.zeros(photo.shape[:2], bool)
    empty = poisson_fill(photo, mask)
    assert np.array_equal(empty, photo) and empty is not photo
    mask[BROW] = True
    assert poisson_fill(photo.astype(np.float64), mask).dtype == np.float64
    assert np.array_equal(poisson_fill(photo.astype(np.uint8), mask), poisson_fill(photo, mask))
    one = np.zeros(photo.shape[:2], bool)
    one[200, 200] = True                                          # one pixel: its 4 neighbours' mean
    assert np.allclose(poisson_fill(photo, one)[200, 200],
                       photo[[199, 201, 200, 200], [200, 200, 199, 201]].mean(0), atol=1e-3)
    with pytest.raises(ValueError, match="method"):
        PoissonSolver(mask, method="jacobi")
    with pytest.raises(ValueError, match="whole image"):
        PoissonSolver(np.ones((8, 8), bool))
    with pytest.raises(ValueError, match="guide"):
        poisson_fill(photo, mask, mixed=True)
    with pytest.raises(ValueError, match="match"):
        poisson_fill(photo, mask, photo[:-1])
    with pytest.raises(ValueError, match="match"):
        PoissonSolver(mask).solve(photo[:-1])
