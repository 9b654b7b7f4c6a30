"""The parsing's shortcuts give exactly what the plain computations they replace give: the
prior's per-class box blur (against cv2.GaussianBlur of the whole plane), the label-set
lookup (against np.isin), the colour models' cache (against a fresh fit), and a parse whose
segmenter, hand landmarker and body segmentation ran on the side thread (against one parse
run again)."""
from __future__ import annotations

import copy

import cv2
import numpy as np
import pytest

from inference import parsing as P
from inference import parsing_prior as PP


@pytest.fixture(scope="module")
def prior_planes(astronaut, astronaut_faces):
    """The sample face's prior planes before the blur, at the working resolution, and the
    supports' boxes parse() uses."""
    from inference import face_atlas
    face = astronaut_faces[0]
    H, W = astronaut.shape[:2]
    x0, y0, x1, y1 = P.crop_box(face.box, H, W)
    s = P.WORK_SIDE / max(x1 - x0, y1 - y0)
    shape = (round((y1 - y0) * s), round((x1 - x0) * s))
    pts = (np.asarray(face.mesh)[:, :2] - (x0, y0)) * s
    atlas = face_atlas.load()
    coarse = P.rasterise_mesh(pts, shape)
    maps, covered = face_atlas.render(atlas, pts, shape)
    contour = ~covered | np.isin(coarse, [P.LEFT_EYE, P.RIGHT_EYE, P.INNER_MOUTH, 2, 3, 7, 9])
    maps = np.where(contour[None], (coarse[None] == np.arange(11)[:, None, None]).astype(np.float32), maps)
    return maps, PP._supports(coarse, atlas, pts), 0.3 * 0.035 * face.size * s


def test_box_blur_is_the_whole_planes_blur(prior_planes):
    maps, boxes, sigma = prior_planes
    small = [k for k, (bx0, by0, bx1, by1) in enumerate(boxes) if (bx1 - bx0) * (by1 - by0) < 0.3 * maps[0].size]
    assert len(small) >= 6          # eyes, brows, lips, mouth: most classes filter a small box
    want = np.stack([cv2.GaussianBlur(c, (0, 0), sigma) for c in maps])
    assert np.array_equal(PP._blurred(maps, sigma, boxes), want)
    # shifted across the plane (other columns: other SIMD tails) and at other widths
    rng = np.random.default_rng(5)
    for _ in range(40):
        dx, dy = (int(v) for v in rng.integers(-60, 61, 2))
        w = int(rng.integers(300, maps.shape[2] + 1))
        moved = np.stack([cv2.warpAffine(c[:, :w], np.float32([[1, 0, dx], [0, 1, dy]]), (w, c.shape[0]),
                                         flags=cv2.INTER_NEAREST) for c in maps])
        bx = [(b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy) for b in boxes]
        s2 = float(rng.uniform(0.6, 4.0))
        want = np.stack([cv2.GaussianBlur(c, (0, 0), s2) for c in moved])
        assert np.array_equal(PP._blurred(moved, s2, bx), want), (dx, dy, w, s2)


def test_among_is_isin(astronaut, astronaut_faces):
    face = astronaut_faces[0]
    labels = P.rasterise_mesh(np.asarray(face.mesh)[:, :2], astronaut.shape[:2])
    for classes in ([1], (2, 3), (2, 3, 4, 5, 7, 8, 9), [], (0, 6, 300)):
        assert np.array_equal(P.among(labels, classes), np.isin(labels, classes))
    n, comp = cv2.connectedComponents((labels == P.SKIN).astype(np.uint8))
    assert np.array_equal(P.among(comp, [1], n), np.isin(comp, [1]))
    assert np.array_equal(P.among(comp, [0, 1, n + 3]), np.isin(comp, [0, 1, n + 3]))


def test_cached_colour_model_is_a_fresh_fit(astronaut):
    from inference import body_parts as B
    lab = cv2.cvtColor(astronaut, cv2.COLOR_RGB2LAB).astype(np.float32).reshape(-1, 3)
    samples, pix = lab[::37], lab[::101]
    B._fitted.cache_clear()
    first = B.colour_loglik(samples, pix, 2.0)
    again = B.colour_loglik(samples, pix, 2.0)
    assert B._fitted.cache_info().hits >= 1
    s = samples[::len(samples) // B.MAX_FIT].astype(np.float64)
    cov = np.cov(s.T) + np.eye(3) * 4.0
    cov[0, :] *= 2.0
    cov[:, 0] *= 2.0
    mu, cov2 = B._gaussian(samples, 2.0)
    assert np.array_equal(mu, s.mean(0)) and np.array_equal(cov2, cov)
    assert np.array_equal(first, again)


def test_a_parse_with_side_jobs_repeats_itself(astronaut, astronaut_faces):
    from inference.body_extent import _segmented, _region, _scale
    face = astronaut_faces[0]
    a = P.parse(astronaut, copy.deepcopy(face))
    b = P.parse(astronaut, copy.deepcopy(face))
    assert np.array_equal(a.scores, b.scores) and (a.x0, a.y0, a.width, a.height) == (b.x0, b.y0, b.width, b.height)
    assert (a.body is None) == (b.body is None)
    if a.body is not None:
        assert np.array_equal(a.body.labels, b.body.labels)
    # the side thread's segmentation is the caller's own
    region = _region(astronaut.shape, face)
    scale = _scale(region, a.scores.shape[2] / a.width)
    from inference.side_thread import soon
    here, there = _segmented(astronaut, region, scale), soon(_segmented, astronaut, region, scale).result()
    assert np.array_equal(here[0], there[0]) and np.array_equal(here[1], there[1])
    assert there[1].mean() > 0.2                 # the astronaut's body fills much of the region
