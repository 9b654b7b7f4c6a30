"""The canvas: the photo plus overlay layers (face boxes, landmarks, parsing, a live preview
patch), with zoom (wheel, Ctrl +/-, fit) and pan (drag with the middle button or with Space
held). A click that does not drag reports the image point it hit. Landmark dots and box
lines keep one size on screen at any zoom; the parsing steps aside (hides) while a preview is
shown or a slider drags, so the user sees the edit."""
from __future__ import annotations

import numpy as np
import qimage2ndarray
from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import (QGraphicsEllipseItem, QGraphicsItem, QGraphicsItemGroup, QGraphicsPathItem, QGraphicsPixmapItem,
                               QGraphicsRectItem, QGraphicsScene, QGraphicsSimpleTextItem,
                               QGraphicsView)

BOX_COLOR = QColor(80, 200, 255)
SELECTED_COLOR = QColor(255, 200, 40)
LANDMARK_COLOR = QColor(40, 255, 120)
MARKER_COLOR = QColor(255, 60, 200)   # blemishes found, to heal (issue 22)
MARKER_HIT_PX = 8.0       # a click this close (on screen) to a marker's ring removes it
ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.02, 64.0
LANDMARK_DOT_PX = 2.5     # dot radius on screen, whatever the zoom (x1.6 while editing them)


class _ImageItem(QGraphicsItem):
    """A QImage drawn as it is, repainting only what is exposed: the mask overlay, which the
    mask layer updates in place over each stroke's rectangle (a QPixmap would be converted
    whole, ~48 MB on a 12 MP photo, on every stroke)."""

    def __init__(self):
        super().__init__()
        self.image: QImage | None = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)

    def set_image(self, image: QImage | None) -> None:
        self.prepareGeometryChange()
        self.image = image
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self.image.width(), self.image.height()) if self.image is not None else QRectF()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if self.image is None:
            return
        r = option.exposedRect.toAlignedRect().intersected(self.image.rect())
        if not r.isEmpty():
            painter.drawImage(r.topLeft(), self.image, r)


def to_qimage(rgb_or_rgba: np.ndarray) -> QImage:
    """A QImage owning a copy of the pixels (numpy buffers must not outlive their arrays)."""
    return qimage2ndarray.array2qimage(np.ascontiguousarray(rgb_or_rgba)).copy()


class Canvas(QGraphicsView):
    imageClicked = Signal(float, float)
    imageHovered = Signal(float, float)
    landmarkMoved = Signal(int, float, float)   # landmark index, dx, dy in image pixels
    strokeFinished = Signal(str, QPainterPath)  # tool ("brush", "eraser", "lasso"), path in image px
    zoomChanged = Signal(float)                 # screen pixels per image pixel
    markerClicked = Signal(int)                 # a blemish marker clicked (its index)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setMouseTracking(True)
        self.setBackgroundBrush(QBrush(QColor(40, 40, 40)))
        self.setAcceptDrops(False)  # the main window takes dropped files
        s = self.scene()
        self._image = QGraphicsPixmapItem()
        self._image.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self._preview = QGraphicsPixmapItem()
        self._parsing = QGraphicsPixmapItem()
        self._boxes = QGraphicsItemGroup()
        # the dots are children that ignore the view's scale: a fixed size on screen
        self._landmarks = QGraphicsRectItem()
        self._landmarks.setPen(QPen(Qt.PenStyle.NoPen))
        self._dots: list[QGraphicsEllipseItem] = []
        self._mask = _ImageItem()
        self._stroke = QGraphicsPathItem()          # the stroke being drawn, before it is rendered
        self._cursor = QGraphicsEllipseItem()       # the brush outline under the mouse
        self._markers = QGraphicsItemGroup()        # blemishes found (rings), to heal
        self._marker_spots: list[tuple[float, float, float]] = []
        for item in (self._stroke, self._cursor):
            pen = QPen(QColor(255, 255, 255), 1, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            item.setPen(pen)
        self._cursor.setVisible(False)
        for z, item in enumerate((self._image, self._preview, self._parsing, self._mask, self._boxes,
                                  self._landmarks, self._markers, self._stroke, self._cursor)):
            item.setZValue(z)
            s.addItem(item)
        self._press: QPointF | None = None
        self._points: np.ndarray | None = None      # landmarks as drawn
        self._drag: tuple[int, QPointF] | None = None
        self.edit_landmarks = False
        self.tool = "select"                        # or "brush", "eraser", "lasso", "heal_brush"
        self.brush_size = 30.0
        self._path: QPainterPath | None = None
        self._space = False
        self._panning = False
        self._fit_on_resize = True
        self.show_boxes = True
        self.show_landmarks = True
        self.show_parsing = True
        self._previewing = False                    # a preview is on screen
        self._dragging = False                      # a slider is being dragged

    # -- content ----------------------------------------------------------------------------
    def has_image(self) -> bool:
        return not self._image.pixmap().isNull()

    def set_image(self, rgb: np.ndarray, fit: bool = False) -> None:
        self._image.setPixmap(QPixmap.fromImage(to_qimage(rgb)))
        self.scene().setSceneRect(QRectF(0, 0, rgb.shape[1], rgb.shape[0]))
        self.clear_preview()
        if fit:
            self.fit()

    def image_pixmap(self) -> QPixmap:
        return self._image.pixmap()

    def set_preview(self, pixels: np.ndarray | None, x0: int = 0, y0: int = 0, scale: float = 1.0) -> None:
        """Show edited pixels over the photo at (x0, y0), ``scale`` photo pixels per pixel,
        until the next set_image."""
        if pixels is None:
            self.clear_preview()
            return
        self._preview.setPixmap(QPixmap.fromImage(to_qimage(pixels)))
        self._preview.setPos(x0, y0)
        self._preview.setScale(scale)
        self._preview.setVisible(True)
        self._previewing = True
        self._show_parsing()

    def clear_preview(self) -> None:
        self._preview.setPixmap(QPixmap())
        self._previewing = False
        self._show_parsing()

    def set_dragging(self, on: bool) -> None:
        """A slider drags: the parsing steps aside until it is released (and its preview gone)."""
        self._dragging = on
        self._show_parsing()

    def _show_parsing(self) -> None:
        self._parsing.setVisible(self.show_parsing and not (self._previewing or self._dragging))

    def set_parsing_opacity(self, opacity: float) -> None:
        self._parsing.setOpacity(float(np.clip(opacity, 0.0, 1.0)))

    def parsing_opacity(self) -> float:
        return self._parsing.opacity()

    def set_faces(self, boxes: list[tuple[float, float, float, float]], selected: int | None,
                  tiny: list[tuple[float, float, float, float]] = ()) -> None:
        """Face boxes (numbered, the selected one highlighted) and, dashed, faces too small
        to edit."""
        for item in self._boxes.childItems():
            self._boxes.removeFromGroup(item)
            self.scene().removeItem(item)
        for x0, y0, x1, y1 in tiny:
            rect = QGraphicsRectItem(QRectF(x0, y0, x1 - x0, y1 - y0))
            pen = QPen(BOX_COLOR, 1, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            rect.setPen(pen)
            self._boxes.addToGroup(rect)
        for i, (x0, y0, x1, y1) in enumerate(boxes):
            color = SELECTED_COLOR if i == selected else BOX_COLOR
            rect = QGraphicsRectItem(QRectF(x0, y0, x1 - x0, y1 - y0))
            pen = QPen(color, 2 if i == selected else 1.5)
            pen.setCosmetic(True)  # same on-screen width at any zoom
            rect.setPen(pen)
            self._boxes.addToGroup(rect)
            label = QGraphicsSimpleTextItem(str(i))
            label.setBrush(QBrush(color))
            label.setFlag(QGraphicsSimpleTextItem.GraphicsItemFlag.ItemIgnoresTransformations)
            label.setPos(x0, y0 - 2)
            self._boxes.addToGroup(label)
        self._boxes.setVisible(self.show_boxes)

    def set_landmarks(self, points: np.ndarray | None, radius: float = LANDMARK_DOT_PX) -> None:
        """Dots at ``points`` (image pixels), ``radius`` screen pixels whatever the zoom."""
        self._points = None if points is None else np.asarray(points, dtype=np.float64)[:, :2].copy()
        self._radius = radius
        self._draw_landmarks()

    def _draw_landmarks(self) -> None:
        n = 0 if self._points is None else len(self._points)
        while len(self._dots) > n:
            self.scene().removeItem(self._dots.pop())
        while len(self._dots) < n:
            dot = QGraphicsEllipseItem(self._landmarks)
            dot.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            dot.setPen(QPen(Qt.PenStyle.NoPen))
            dot.setBrush(QBrush(LANDMARK_COLOR))
            self._dots.append(dot)
        r = self._radius * (1.6 if self.edit_landmarks else 1.0)
        for dot, (x, y) in zip(self._dots, self._points if n else ()):
            dot.setRect(QRectF(-r, -r, 2 * r, 2 * r))
            dot.setPos(float(x), float(y))
        self._landmarks.setVisible(self.show_landmarks)

    def landmark_dot_screen_px(self) -> float | None:
        """The first dot's diameter on screen (None without dots)."""
        if not self._dots:
            return None
        dot = self._dots[0]
        return dot.deviceTransform(self.viewportTransform()).mapRect(dot.boundingRect()).width()

    def set_markers(self, spots) -> None:
        """Rings round blemishes found: (x, y, radius, kind) in image pixels; a click on one
        reports it (``markerClicked``) instead of a click on the photo."""
        for item in self._markers.childItems():
            self._markers.removeFromGroup(item)
            self.scene().removeItem(item)
        self._marker_spots = [(float(x), float(y), float(r)) for x, y, r, *_ in spots]
        for x, y, r in self._marker_spots:
            r = max(r, 2.0) + 1.5            # just outside the spot, so the spot stays in view
            ring = QGraphicsEllipseItem(QRectF(x - r, y - r, 2 * r, 2 * r))
            pen = QPen(MARKER_COLOR, 1.5)
            pen.setCosmetic(True)
            ring.setPen(pen)
            self._markers.addToGroup(ring)

    def markers(self) -> list[tuple[float, float, float]]:
        return list(self._marker_spots)

    def _marker_under(self, p: QPointF) -> int | None:
        if not self._marker_spots:
            return None
        xyr = np.array(self._marker_spots)
        d = np.hypot(xyr[:, 0] - p.x(), xyr[:, 1] - p.y()) - np.maximum(xyr[:, 2], 2.0)
        i = int(d.argmin())
        return i if d[i] * self.zoom() <= MARKER_HIT_PX else None

    # -- mask painting ------------------------------------------------------------------------
    def set_tool(self, tool: str) -> None:
        self.tool = tool
        self._cursor.setVisible(False)
        self.viewport().setCursor(Qt.CursorShape.CrossCursor if tool != "select" else Qt.CursorShape.ArrowCursor)

    def set_brush_size(self, size: float) -> None:
        self.brush_size = size

    def set_mask_overlay(self, mask_argb: QImage | None, opacity: float = 0.5, dirty: QRect | None = None) -> None:
        """Show the painted mask (a colour with the mask as its alpha). The same image again
        with ``dirty``: only that rectangle changed, only that is repainted."""
        if mask_argb is not None and mask_argb is self._mask.image and dirty is not None:
            self._mask.update(QRectF(dirty))
        else:
            self._mask.set_image(mask_argb)
        self._mask.setOpacity(opacity)

    def _stroke_preview(self) -> None:
        from app.mask import stroke_outline
        if self._path is None:
            self._stroke.setPath(QPainterPath())
        elif self.tool == "lasso":
            self._stroke.setPath(self._path)
        else:
            self._stroke.setPath(stroke_outline(self._path, self.brush_size))

    def _move_cursor(self, p: QPointF) -> None:
        if self.tool in ("brush", "eraser", "heal_brush"):
            r = self.brush_size / 2
            self._cursor.setRect(QRectF(p.x() - r, p.y() - r, 2 * r, 2 * r))
            self._cursor.setVisible(True)

    def set_edit_landmarks(self, on: bool) -> None:
        self.edit_landmarks = on
        self._draw_landmarks()

    def _landmark_under(self, view_pos: QPointF, tolerance_px: float = 8.0) -> int | None:
        if self._points is None or not self._landmarks.isVisible():
            return None
        p = self.mapToScene(view_pos.toPoint())
        d = np.hypot(self._points[:, 0] - p.x(), self._points[:, 1] - p.y()) * self.zoom()
        i = int(d.argmin())
        return i if d[i] <= tolerance_px else None

    def set_parsing(self, rgba: np.ndarray | None, x0: int = 0, y0: int = 0, scale: float = 1.0) -> None:
        """Overlay a parsing computed at a working resolution: ``scale`` photo pixels per pixel."""
        if rgba is None:
            self._parsing.setPixmap(QPixmap())
            return
        self._parsing.setPixmap(QPixmap.fromImage(to_qimage(rgba)))
        self._parsing.setPos(x0, y0)
        self._parsing.setScale(scale)
        self._show_parsing()

    def set_overlay_visible(self, boxes: bool | None = None, landmarks: bool | None = None,
                            parsing: bool | None = None) -> None:
        if boxes is not None:
            self.show_boxes = boxes
            self._boxes.setVisible(boxes)
        if landmarks is not None:
            self.show_landmarks = landmarks
            self._landmarks.setVisible(landmarks)
        if parsing is not None:
            self.show_parsing = parsing
            self._show_parsing()

    def overlays_visible(self) -> dict[str, bool]:
        return {"boxes": self._boxes.isVisible(), "landmarks": self._landmarks.isVisible(),
                "parsing": self._parsing.isVisible() and not self._parsing.pixmap().isNull()}

    # -- zoom and pan -----------------------------------------------------------------------
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, z: float) -> None:
        z = float(np.clip(z, MIN_ZOOM, MAX_ZOOM))
        self._fit_on_resize = False
        f = z / self.zoom()
        self.scale(f, f)
        self.zoomChanged.emit(self.zoom())

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom() / ZOOM_STEP)

    def fit(self) -> None:
        if self.has_image():
            self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
            self._fit_on_resize = True
            self.zoomChanged.emit(self.zoom())

    def actual_size(self) -> None:
        self.set_zoom(1.0)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._fit_on_resize:
            self.fit()

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.set_zoom(self.zoom() * ZOOM_STEP ** steps)
        event.accept()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.MiddleButton or (
                event.button() == Qt.MouseButton.LeftButton and self._space):
            self._panning = True
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        if event.button() == Qt.MouseButton.LeftButton and self.tool != "select" and self.has_image():
            p = self.mapToScene(event.position().toPoint())
            self._path = QPainterPath(p)
            self._stroke_preview()
            event.accept()
            return
        if event.button() == Qt.MouseButton.LeftButton:
            hit = self._landmark_under(event.position()) if self.edit_landmarks else None
            if hit is not None:
                self._drag = (hit, self.mapToScene(event.position().toPoint()))
                self._drag_origin = self._points[hit].copy()
                event.accept()
                return
            self._press = event.position()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._panning:
            d = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(d.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(d.y()))
            event.accept()
            return
        if self.tool != "select" and self.has_image():
            p = self.mapToScene(event.position().toPoint())
            self._move_cursor(p)
            if self._path is not None:
                self._path.lineTo(p)
                self._stroke_preview()
            event.accept()
            return
        if self._drag is not None:
            i, start = self._drag
            p = self.mapToScene(event.position().toPoint())
            self._points[i] = self._drag_origin + (p.x() - start.x(), p.y() - start.y())
            self._draw_landmarks()
            event.accept()
            return
        if self.has_image():
            p = self.mapToScene(event.position().toPoint())
            self.imageHovered.emit(p.x(), p.y())
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._panning:
            self._panning = False
            self.viewport().unsetCursor()
            event.accept()
            return
        if self._path is not None and event.button() == Qt.MouseButton.LeftButton:
            path, self._path = self._path, None
            if self.tool == "lasso":
                path.closeSubpath()
            self._stroke_preview()
            self.strokeFinished.emit(self.tool, path)
            event.accept()
            return
        if self._drag is not None and event.button() == Qt.MouseButton.LeftButton:
            i, start = self._drag
            self._drag = None
            p = self.mapToScene(event.position().toPoint())
            if (p - start).manhattanLength() > 0:
                self.landmarkMoved.emit(i, p.x() - start.x(), p.y() - start.y())
            event.accept()
            return
        if event.button() == Qt.MouseButton.LeftButton and self._press is not None:
            moved = (event.position() - self._press).manhattanLength()
            self._press = None
            if moved < 4 and self.has_image():
                p = self.mapToScene(event.position().toPoint())
                marker = self._marker_under(p)
                if marker is not None:
                    self.markerClicked.emit(marker)
                else:
                    self.imageClicked.emit(p.x(), p.y())
        super().mouseReleaseEvent(event)
