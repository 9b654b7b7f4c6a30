"""The inpainting mask the user paints: a list of strokes (brush, eraser, lasso, a parsing
class), rendered by Qt's painter into an 8-bit coverage image. Keeping the strokes rather than
bitmaps makes stroke undo cheap on a 12-megapixel photo (undo re-renders the rest).

The layer also keeps the overlay the canvas shows (``overlay(colour)``: the colour with the
coverage as alpha) up to date itself, only over the rectangle each change touched
(``last_dirty``): on a 12-megapixel photo a stroke then costs the GUI thread its own few
pixels, not a ~48 MB image."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import qimage2ndarray
from PySide6.QtCore import QPointF, QRect, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPainterPathStroker, QPen, QRadialGradient

from inference.imaging import nonzero_box


@dataclass(eq=False)
class Coverage:
    """A raster stroke's coverage kept small, as it stays in the history with the fill it made:
    cropped to its non-zero box, and one bit a pixel where it is all or nothing (a parsing
    class's mask: the clothes of a 24 MP photo a few MB, not a photo-sized 24 MB raster)."""
    shape: tuple[int, int]            # the box's (height, width)
    bits: np.ndarray | None = None    # np.packbits of the box's covered pixels (coverage 0 / 255 only)
    levels: np.ndarray | None = None  # else the box's uint8 coverage

    @classmethod
    def of(cls, raster: np.ndarray) -> tuple["Coverage", int, int]:
        """(coverage, dx, dy): ``raster``'s non-zero box, which lies at (dx, dy) in it."""
        m = np.asarray(raster)
        box = nonzero_box(m)
        if box is None:
            return cls((0, 0), levels=np.zeros((0, 0), np.uint8)), 0, 0
        y0, y1, x0, x1 = box
        box = m[y0:y1, x0:x1]
        on = box == 255
        if np.array_equal(on, box > 0):
            return cls(box.shape, bits=np.packbits(on, axis=None)), x0, y0
        return cls(box.shape, levels=box.astype(np.uint8)), x0, y0

    @property
    def nbytes(self) -> int:
        return int((self.bits if self.bits is not None else self.levels).nbytes)

    def array(self) -> np.ndarray:
        """The box's (h, w) uint8 coverage."""
        if self.levels is not None:
            return self.levels
        h, w = self.shape
        return np.unpackbits(self.bits, count=h * w).reshape(h, w) * np.uint8(255)


@dataclass
class Stroke:
    kind: str                         # "brush", "eraser", "lasso", "raster"
    path: QPainterPath | None = None  # the centre line (brush, eraser) or outline (lasso)
    size: float = 20.0                # brush diameter in photo pixels
    hardness: float = 1.0             # 1: hard edge; 0: soft all the way from the centre
    # "raster": an (h, w) uint8 coverage to add at (x0, y0), kept as a Coverage of its non-zero
    # box (x0, y0 moved to the box)
    raster: np.ndarray | Coverage | None = None
    x0: int = 0
    y0: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.raster, np.ndarray):
            self.raster, dx, dy = Coverage.of(self.raster)
            self.x0, self.y0 = self.x0 + dx, self.y0 + dy


class MaskLayer:
    """Strokes plus their rendering; ``array()`` is the (H, W) uint8 mask (255 = fill fully),
    ``overlay(colour)`` the image to show it with, ``last_dirty`` what the last change touched."""

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self.strokes: list[Stroke] = []
        self.revision = 0                     # counts changes (what was saved is a revision)
        self._image = QImage(width, height, QImage.Format.Format_Grayscale8)
        self._image.fill(0)
        self._last_dirty: QRect | None = None
        # The overlay's pixels (premultiplied ARGB32, as uint32), built on the first overlay()
        # call; the QImages overlay() hands out wrap this buffer (so they stay current).
        self._argb: np.ndarray | None = None
        self._rgb: int | None = None          # the overlay's colour, 0xRRGGBB
        self._lut: np.ndarray | None = None   # coverage -> premultiplied pixel in that colour

    def add(self, stroke: Stroke) -> None:
        self.revision += 1
        self.strokes.append(stroke)
        self._render(stroke)
        self._changed(self._bounds(stroke))

    def undo(self) -> bool:
        if not self.strokes:
            self._last_dirty = None
            return False
        removed = self.strokes.pop()
        self.revision += 1
        self._image.fill(0)
        for s in self.strokes:
            self._render(s)
        # The rendering is deterministic: outside the removed stroke's box nothing changed.
        self._changed(self._bounds(removed))
        return True

    def clear(self) -> None:
        self.revision += 1
        self.strokes.clear()
        self._image.fill(0)
        if self._argb is not None:
            self._argb.fill(self._lut[0])
        self._last_dirty = QRect(0, 0, self.width, self.height)

    def set_strokes(self, strokes: list[Stroke]) -> None:
        """Replace the mask by these strokes (a fill's mask given back when it is undone)."""
        self.clear()
        self.strokes = list(strokes)
        for s in self.strokes:
            self._render(s)
        if self._argb is not None:
            np.take(self._lut, self._coverage(), out=self._argb, mode="clip")

    def is_empty(self) -> bool:
        return not self._coverage().any()

    def array(self) -> np.ndarray:
        """A copy of the coverage, (H, W) uint8."""
        return self._coverage().copy()

    @property
    def last_dirty(self) -> QRect | None:
        """The rectangle (photo pixels, inside the image) the last add / undo / clear changed;
        None when it changed nothing (an undo with no strokes, a stroke wholly off the image)."""
        return None if self._last_dirty is None else QRect(self._last_dirty)

    def overlay(self, colour: QColor) -> QImage:
        """The mask to show: a premultiplied ARGB32 image of the layer's size, ``colour`` (its
        own alpha ignored: opacity is the viewer's) with the coverage as alpha. Built whole on
        the first call and when the colour changes; after that every add / undo / clear
        updates it only over ``last_dirty``. The image shares the layer's buffer: one got
        earlier shows later strokes too (repaint its ``last_dirty``)."""
        rgb = QColor(colour).rgb() & 0xFFFFFF
        if self._argb is None:
            self._argb = np.empty((self.height, self.width), np.uint32)
        if rgb != self._rgb:
            self._rgb, self._lut = rgb, _premultiplied_ramp(rgb)
            np.take(self._lut, self._coverage(), out=self._argb, mode="clip")
        # QImage keeps a reference to the array (PySide's buffer constructor), so the pixels
        # live as long as any image made here does.
        return QImage(self._argb, self.width, self.height, 4 * self.width,
                      QImage.Format.Format_ARGB32_Premultiplied)

    # -- internals ------------------------------------------------------------------------
    def _coverage(self) -> np.ndarray:
        """A view of the coverage, (H, W) uint8 (the image's row padding cut off)."""
        return qimage2ndarray.raw_view(self._image)[:, :self.width]

    def _bounds(self, s: Stroke) -> QRect:
        """The box a stroke can paint in, clipped to the image (may be empty)."""
        if s.kind == "raster":
            h, w = s.raster.shape
            box = QRect(s.x0, s.y0, w, h)
        else:
            g = s.size / 2 + 2   # the brush's reach past its centre line, plus antialiasing
            box = s.path.boundingRect().adjusted(-g, -g, g, g).toAlignedRect()
        return box.intersected(QRect(0, 0, self.width, self.height))

    def _changed(self, box: QRect) -> None:
        """The coverage changed inside ``box``: bring the overlay up to date there."""
        if box.isEmpty():
            self._last_dirty = None
            return
        self._last_dirty = box
        if self._argb is not None:
            y0, y1, x0, x1 = box.top(), box.bottom() + 1, box.left(), box.right() + 1
            self._argb[y0:y1, x0:x1] = self._lut[self._coverage()[y0:y1, x0:x1]]

    def _render(self, s: Stroke) -> None:
        if s.kind == "raster":
            view = qimage2ndarray.raw_view(self._image)
            h, w = s.raster.shape
            region = view[s.y0:s.y0 + h, s.x0:s.x0 + w]
            if region.size:
                np.maximum(region, s.raster.array()[: region.shape[0], : region.shape[1]], out=region)
            return
        p = QPainter(self._image)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if s.kind == "eraser":
            value = QColor(0, 0, 0)
        else:
            value = QColor(255, 255, 255)
        if s.kind == "lasso":
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QBrush(value))
            p.drawPath(s.path)
        elif s.hardness >= 0.999 or s.size <= 2:
            pen = QPen(value, max(1.0, s.size), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                       Qt.PenJoinStyle.RoundJoin)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            if s.path.elementCount() == 1:
                pt = QPointF(s.path.elementAt(0).x, s.path.elementAt(0).y)
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(QBrush(value))
                p.drawEllipse(pt, s.size / 2, s.size / 2)
            else:
                p.drawPath(s.path)
        else:
            # A soft brush: dabs of a radial gradient along the path, each only raising coverage.
            p.setPen(Qt.PenStyle.NoPen)
            r = s.size / 2
            mode = (QPainter.CompositionMode.CompositionMode_Darken if s.kind == "eraser"
                    else QPainter.CompositionMode.CompositionMode_Lighten)
            p.setCompositionMode(mode)
            length = max(s.path.length(), 0.0)
            step = max(1.0, r / 4)
            n = int(length // step) + 1
            for i in range(n):
                pt = s.path.pointAtPercent(min(1.0, i * step / length)) if length > 0 else \
                    QPointF(s.path.elementAt(0).x, s.path.elementAt(0).y)
                g = QRadialGradient(pt, r)
                inner, outer = (QColor(0, 0, 0), QColor(255, 255, 255)) if s.kind == "eraser" else \
                    (QColor(255, 255, 255), QColor(0, 0, 0))
                g.setColorAt(0.0, inner)
                g.setColorAt(max(0.0, min(0.99, s.hardness)), inner)
                g.setColorAt(1.0, outer)
                p.setBrush(QBrush(g))
                p.drawEllipse(pt, r, r)
        p.end()


def _premultiplied_ramp(rgb: int) -> np.ndarray:
    """(256,) uint32: the premultiplied ARGB32 pixel of colour ``rgb`` at each alpha, as Qt
    itself premultiplies (so the overlay is what Qt would make of colour + alpha channel)."""
    straight = (np.arange(256, dtype=np.uint32) << 24) | np.uint32(rgb & 0xFFFFFF)
    img = QImage(straight, 256, 1, 4 * 256, QImage.Format.Format_ARGB32)
    pre = img.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    return qimage2ndarray.raw_view(pre)[0].astype(np.uint32)


def stroke_outline(path: QPainterPath, size: float) -> QPainterPath:
    """The area a brush of this size covers along a path (for the live preview)."""
    st = QPainterPathStroker()
    st.setWidth(max(1.0, size))
    st.setCapStyle(Qt.PenCapStyle.RoundCap)
    st.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return st.createStroke(path)
