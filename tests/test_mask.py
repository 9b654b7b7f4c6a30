"""MaskLayer (app/mask.py): the coverage and the overlay it keeps up to date over each change's
dirty rectangle only (offscreen Qt, no timings)."""
from __future__ import annotations

import gc

import numpy as np
import pytest
import qimage2ndarray
from PySide6.QtCore import QPointF, QRect
from PySide6.QtGui import QColor, QImage, QPainterPath

from app.mask import MaskLayer, Stroke



RED = QColor(230, 40, 90)
GREEN = QColor(20, 200, 60)


def path(*points) -> QPainterPath:
    p = QPainterPath(QPointF(*points[0]))
    for pt in points[1:]:
        p.lineTo(*pt)
    return p


def pixels(img: QImage) -> np.ndarray:
    """(H, W) uint32 0xAARRGGBB (premultiplied), a copy."""
    assert img.format() == QImage.Format.Format_ARGB32_Premultiplied
    return qimage2ndarray.raw_view(img)[:, :img.width()].copy()


def outside(shape, rect: QRect | None) -> np.ndarray:
    keep = np.ones(shape, bool)
    if rect is not None:
        keep[rect.top():rect.bottom() + 1, rect.left():rect.right() + 1] = False
    return keep


def check_overlay(layer: MaskLayer, colour: QColor) -> None:
    """The overlay's alpha is the coverage and its colour ``colour``; and it is what the old
    whole-image construction (colour + the mask as alpha channel) gives."""
    px = pixels(layer.overlay(colour))
    cov = layer.array()
    a = (px >> 24).astype(int)
    assert np.array_equal(a, cov)
    rgb = np.stack([(px >> 16) & 255, (px >> 8) & 255, px & 255], -1).astype(int)
    want = np.array([colour.red(), colour.green(), colour.blue()])
    assert np.array_equal(rgb[a == 255], np.broadcast_to(want, rgb[a == 255].shape))
    # Premultiplied: each channel is colour * alpha / 255, to rounding.
    assert np.abs(rgb[a > 0] - want * a[a > 0, None] / 255).max(initial=0) <= 1
    assert not rgb[a == 0].any()
    old = QImage(layer.width, layer.height, QImage.Format.Format_ARGB32)
    old.fill(colour)
    old.setAlphaChannel(layer._image)
    assert np.array_equal(px, pixels(old.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)))


def strokes(w: int, h: int) -> list[Stroke]:
    rng = np.random.default_rng(3)
    raster = (rng.random((40, 50)) * 255).astype(np.uint8)
    edge = np.full((30, 30), 200, np.uint8)
    return [
        Stroke("brush", path((20, 30), (120, 60), (160, 140)), size=18),
        Stroke("lasso", path((150, 20), (260, 40), (230, 120), (170, 90))),
        Stroke("eraser", path((40, 40), (200, 80)), size=10),
        Stroke("brush", path((60, 150), (220, 170)), size=24, hardness=0.3),       # soft
        Stroke("eraser", path((100, 140), (140, 190)), size=16, hardness=0.0),     # soft eraser
        Stroke("brush", path((250, 180)), size=12),                                # a dab
        Stroke("raster", raster=raster, x0=30, y0=100),
        Stroke("raster", raster=edge, x0=w - 20, y0=h - 10),                       # off the corner
        Stroke("brush", path((w - 10, 5), (w + 40, 60)), size=20),                 # off the edge
        Stroke("brush", path((1.5, 1.5), (2.5, 2.5)), size=1.5),                   # thin
    ]


@pytest.mark.parametrize("overlay_first", [True, False])
def test_overlay_follows_strokes_undo_and_clear(qapp, overlay_first):
    w, h = 301, 203                       # odd sizes: the coverage image's rows are padded
    layer = MaskLayer(w, h)
    if overlay_first:
        check_overlay(layer, RED)
    for s in strokes(w, h):
        before_px = pixels(layer.overlay(RED)) if overlay_first else None
        before_cov = layer.array()
        layer.add(s)
        dirty = layer.last_dirty
        assert dirty is not None and QRect(0, 0, w, h).contains(dirty)
        keep = outside((h, w), dirty)
        assert np.array_equal(layer.array()[keep], before_cov[keep])   # the box holds the stroke
        assert not np.array_equal(layer.array(), before_cov)
        if overlay_first:
            assert np.array_equal(pixels(layer.overlay(RED))[keep], before_px[keep])
        check_overlay(layer, RED)
    while layer.strokes:
        removed = layer.strokes[-1]
        before_px, before_cov = pixels(layer.overlay(RED)), layer.array()
        assert layer.undo()
        dirty = layer.last_dirty
        assert dirty == layer._bounds(removed)
        keep = outside((h, w), dirty)
        assert np.array_equal(layer.array()[keep], before_cov[keep])
        assert np.array_equal(pixels(layer.overlay(RED))[keep], before_px[keep])
        check_overlay(layer, RED)
        if len(layer.strokes) == 4:
            break
    layer.clear()
    assert layer.last_dirty == QRect(0, 0, w, h) and layer.is_empty()
    assert not pixels(layer.overlay(RED)).any()
    check_overlay(layer, RED)
    assert not layer.undo() and layer.last_dirty is None


def test_overlay_colour_change_and_shared_image(qapp):
    layer = MaskLayer(120, 80)
    first = layer.overlay(RED)
    layer.add(Stroke("brush", path((10, 10), (100, 60)), size=12))
    # An image got before the stroke shows it: it shares the layer's pixels.
    assert np.array_equal(pixels(first), pixels(layer.overlay(RED)))
    assert (pixels(first) >> 24).max() == 255
    check_overlay(layer, GREEN)                 # a new colour: rebuilt whole
    layer.add(Stroke("lasso", path((60, 5), (110, 5), (110, 40))))
    check_overlay(layer, GREEN)
    check_overlay(layer, RED)


def test_overlay_outlives_the_layer(qapp):
    layer = MaskLayer(64, 48)
    layer.add(Stroke("brush", path((5, 5), (60, 40)), size=10))
    img = layer.overlay(RED)
    want = pixels(img)
    del layer
    gc.collect()
    assert np.array_equal(pixels(img), want)     # the QImage holds on to its buffer


def test_a_stroke_off_the_image_changes_nothing(qapp):
    layer = MaskLayer(100, 100)
    before = pixels(layer.overlay(RED))
    layer.add(Stroke("brush", path((300, 300), (400, 350)), size=20))
    assert layer.last_dirty is None
    assert np.array_equal(pixels(layer.overlay(RED)), before) and layer.is_empty()


def test_add_on_a_12_megapixel_layer_touches_only_its_box(qapp):
    w, h = 4000, 3000
    layer = MaskLayer(w, h)
    layer.add(Stroke("brush", path((3000, 200), (3500, 900)), size=80, hardness=0.5))
    img = layer.overlay(RED)
    before = pixels(img)
    layer.add(Stroke("brush", path((1000, 1200), (1400, 1500), (1300, 1800)), size=60))
    dirty = layer.last_dirty
    assert dirty is not None and dirty.width() * dirty.height() < w * h // 20
    keep = outside((h, w), dirty)
    after = pixels(img)
    assert np.array_equal(after[keep], before[keep])
    assert not np.array_equal(after[~keep], before[~keep])
    del before, after
    # Stronger than equal values: poison the overlay's buffer (the layer's own pixels, which
    # no public API writes) and see that a stroke rewrites only its box.
    poison = np.uint32(0x12345678)
    layer._argb[...] = poison
    layer.add(Stroke("eraser", path((1100, 1300), (1200, 1400)), size=30))
    dirty = layer.last_dirty
    keep = outside((h, w), dirty)
    px = pixels(img)
    assert (px[keep] == poison).all()
    inside = px[~keep].reshape(dirty.height(), dirty.width())
    assert np.array_equal(inside >> 24, layer.array()[~keep].reshape(inside.shape))


def test_a_raster_stroke_keeps_its_box_only(qapp):
    """A raster stroke holds its non-zero box: one bit a pixel where the coverage is all or
    nothing (a parsing class), its levels otherwise; either way it paints exactly what the
    raster would, where it would."""
    w, h = 300, 200
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:h, 0:w]
    binary = np.where(np.hypot(xx - 180, yy - 150) < 60, 255, 0).astype(np.uint8)   # photo-sized
    soft = np.zeros((50, 60), np.uint8)
    soft[10:40, 5:50] = rng.integers(1, 256, (30, 45))
    for raster, x0, y0, held in ((binary, 0, 0, 120 * 120 // 8 + 8), (soft, 20, 30, 30 * 45)):
        s = Stroke("raster", raster=raster, x0=x0, y0=y0)
        assert s.raster.nbytes <= held < raster.nbytes, (s.raster.nbytes, held)
        layer = MaskLayer(w, h)
        layer.add(s)
        want = np.zeros((h, w), np.uint8)
        want[y0:y0 + raster.shape[0], x0:x0 + raster.shape[1]] = raster
        assert np.array_equal(layer.array(), want)
        assert layer.last_dirty == QRect(s.x0, s.y0, s.raster.shape[1], s.raster.shape[0])
        layer.set_strokes([s])                    # given back (an undone fill): the same pixels
        assert np.array_equal(layer.array(), want)
    empty = Stroke("raster", raster=np.zeros((20, 20), np.uint8), x0=5, y0=5)
    layer = MaskLayer(w, h)
    layer.add(empty)
    assert layer.is_empty() and layer.last_dirty is None


def test_nonzero_box_is_the_box_of_the_non_zero_pixels(astronaut):
    """The one box finder the masks, the heal and the body continuation use: the same box as
    numpy's row / column search, on a real photo's dark pixels and on nothing."""
    from inference.imaging import nonzero_box
    dark = astronaut.mean(-1) < 40
    ys, xs = np.nonzero(dark)
    want = (ys.min(), ys.max() + 1, xs.min(), xs.max() + 1)
    assert nonzero_box(dark) == want
    assert nonzero_box(dark.astype(np.uint8) * 255) == want
    assert nonzero_box(dark[::2, 1::3]) is not None           # a strided view
    assert nonzero_box(np.zeros_like(dark)) is None
