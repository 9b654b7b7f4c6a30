"""The inpainting mask the user paints: a list of strokes (brush, eraser, lasso, a parsing
class), rendered by Qt's painter into an 8-bit coverage image. Keeping the strokes rather than
bitmaps makes stroke undo cheap on a 12-megapixel photo (undo re-renders the rest)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import qimage2ndarray
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPainterPathStroker, QPen, QRadialGradient


@dataclass
class Stroke:
    kind: str                         # "brush", "eraser", "lasso", "raster"
    path: QPainterPath | None = None  # the centre line (brush, eraser) or outline (lasso)
    size: float = 20.0                # brush diameter in photo pixels
    hardness: float = 1.0             # 1: hard edge; 0: soft all the way from the centre
    raster: np.ndarray | None = None  # "raster": an (h, w) uint8 coverage to add at (x0, y0)
    x0: int = 0
    y0: int = 0


class MaskLayer:
    """Strokes plus their rendering; ``array()`` is the (H, W) uint8 mask (255 = fill fully)."""

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self.strokes: list[Stroke] = []
        self._image = QImage(width, height, QImage.Format.Format_Grayscale8)
        self._image.fill(0)

    def add(self, stroke: Stroke) -> None:
        self.strokes.append(stroke)
        self._render(stroke)

    def undo(self) -> bool:
        if not self.strokes:
            return False
        self.strokes.pop()
        self._image.fill(0)
        for s in self.strokes:
            self._render(s)
        return True

    def clear(self) -> None:
        self.strokes.clear()
        self._image.fill(0)

    def is_empty(self) -> bool:
        return not self.array().any()

    def array(self) -> np.ndarray:
        """A copy of the coverage, (H, W) uint8."""
        return qimage2ndarray.raw_view(self._image)[:, :self.width].copy()

    def _render(self, s: Stroke) -> None:
        if s.kind == "raster":
            view = qimage2ndarray.raw_view(self._image)
            h, w = s.raster.shape
            region = view[s.y0:s.y0 + h, s.x0:s.x0 + w]
            np.maximum(region, s.raster[: region.shape[0], : region.shape[1]], out=region)
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


def stroke_outline(path: QPainterPath, size: float) -> QPainterPath:
    """The area a brush of this size covers along a path (for the live preview)."""
    st = QPainterPathStroker()
    st.setWidth(max(1.0, size))
    st.setCapStyle(Qt.PenCapStyle.RoundCap)
    st.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return st.createStroke(path)
