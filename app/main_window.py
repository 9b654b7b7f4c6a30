"""Main window: menus, canvas, docks and status bar; wires panels to the document.

Data flows one way: a user action becomes a job on the worker (inference code only), its
result comes back by signal and updates the document and the canvas. Nothing here computes
pixels.
"""
from __future__ import annotations

import inspect
import sys
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QApplication, QDockWidget, QFileDialog, QLabel, QMainWindow,
                               QMessageBox, QProgressBar, QPushButton)

from app.canvas import Canvas
from app.document import Document, EditStep
from app.mask import MaskLayer, Stroke
from app.panels.face import FacePanel
from app.panels.inpaint import InpaintPanel
from app.panels.legend import LegendPanel
from app.panels.adjust import AdjustPanel
from app.worker import JobContext, Worker
from inference import edits
from inference.edits import rotate
from inference.io import READ_SUFFIXES, WRITE_FORMATS, Photo, read_image, same_file, write_image

APP_NAME = "Visage"
OPEN_FILTER = "Photos (" + " ".join(f"*{s}" for s in READ_SUFFIXES) + ");;All files (*)"
SAVE_FILTER = "PNG (*.png);;JPEG (*.jpg *.jpeg);;WebP (*.webp);;TIFF (*.tif *.tiff);;BMP (*.bmp)"


# -- jobs: plain functions run on the worker thread -------------------------------------------
def _job_load(path: str):
    return lambda ctx: read_image(path)


def _job_detect(image: np.ndarray, state: int, previous: list | None = None,
                follow: tuple[float, float] | None = None):
    """(state, detection, follow): ``follow`` is handed back for _done_detect."""
    def run(ctx: JobContext):
        from inference.faces import detect_all
        ctx.progress(0.1, "Finding faces…")
        return state, detect_all(image, previous=previous or ()), follow
    return run


def _job_analyse(doc: Document, state: int, index: int, face, visible: set[int]):
    def run(ctx: JobContext):
        from inference.faces import analyse
        from inference.parsing import colorize
        ctx.progress(0.2, "Parsing the face…")
        analyse(doc.image(state), face)
        parsing = face.parsing
        return state, index, colorize(parsing.labels, visible=visible), parsing.x0, parsing.y0, \
            parsing.width / parsing.labels.shape[1]
    return run


def _job_patch(doc: Document, name: str, base: int, face, params: dict[str, Any]):
    def run(ctx: JobContext):
        ctx.check()
        kw = dict(params)
        edit = edits.get(name)
        if not kw.get("preview") and "progress" in inspect.signature(edit.apply_region).parameters:
            kw["progress"] = ctx.progress  # long renders report progress and can be cancelled
        patch = edit.apply_region(doc.image(base), face, **kw)
        return name, base, params, patch, face
    return run


def _job_class_mask(doc: Document, face, cls: int):
    def run(ctx: JobContext):
        from inference.faces import analyse
        analyse(doc.image(), face)
        p = face.parsing
        return (p.mask(cls).astype(np.uint8) * 255, p.x0, p.y0)
    return run


def _job_inpaint(doc: Document, mask: np.ndarray, params: dict[str, Any], source: np.ndarray | None):
    def run(ctx: JobContext):
        base = doc.cursor
        ctx.progress(0.0, "Filling…")
        patch = edits.get("inpaint").apply_region(doc.image(base), None, mask, progress=ctx.progress,
                                                  source=source, **params)
        return base, params, patch
    return run


def _job_save(path: Path, image: np.ndarray, alpha: np.ndarray | None):
    def run(ctx: JobContext):
        ctx.progress(0.3, f"Saving {path.name}…")
        return write_image(path, image, alpha)
    return run


class MainWindow(QMainWindow):
    def __init__(self):
        super().__init__()
        self.resize(1200, 800)
        self.doc: Document | None = None
        self.selected: int | None = None
        self.worker = Worker(self)
        self._preview_id = 0
        self._last_preview: tuple | None = None   # (name, base, params, patch) last shown
        self._pending_commits = 0
        self._progress_message = ""
        self.tiny_faces: list = []
        self.last_message: QMessageBox | None = None

        self.canvas = Canvas(self)
        self.setCentralWidget(self.canvas)
        self.skin_panel = AdjustPanel("Strength", 0, 100, 0.01, name="skinStrength")
        self.rotate_panel = AdjustPanel("Yaw", -45, 45, 1.0, "°", name="yaw")
        self.legend = LegendPanel()
        self.face_panel = FacePanel()
        self.inpaint_panel = InpaintPanel()
        self.mask: MaskLayer | None = None
        self._add_dock("Face", self.face_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self._add_dock("Skin", self.skin_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self._add_dock("Head turn", self.rotate_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self._add_dock("Inpaint", self.inpaint_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._add_dock("Parsing legend", self.legend, Qt.DockWidgetArea.RightDockWidgetArea)
        self._build_actions()
        self._build_status()
        self.setAcceptDrops(True)

        self.canvas.imageClicked.connect(self.on_image_clicked)
        self.canvas.imageHovered.connect(self.on_image_hovered)
        self.canvas.landmarkMoved.connect(self.on_landmark_moved)
        self.face_panel.editLandmarksToggled.connect(self.canvas.set_edit_landmarks)
        self.face_panel.resetRequested.connect(self.reset_landmarks)
        ip = self.inpaint_panel
        ip.toolChanged.connect(self.canvas.set_tool)
        ip.brushChanged.connect(lambda size, _h: self.canvas.set_brush_size(size))
        ip.overlayChanged.connect(lambda *_: self._refresh_mask())
        ip.addClassRequested.connect(self.add_class_to_mask)
        ip.clearRequested.connect(self.clear_mask)
        ip.fillRequested.connect(self.fill_mask)
        self.canvas.strokeFinished.connect(self.add_stroke)
        self.skin_panel.previewRequested.connect(lambda s: self.request_preview("skin", {"strength": s}))
        self.skin_panel.commitRequested.connect(lambda s: self.commit("skin", {"strength": s}))
        # The head turn previews on a small copy of the face (fast), and renders in full on release.
        self.rotate_panel.previewRequested.connect(
            lambda y: self.request_preview("rotate", {"yaw": y, "preview": True}))
        self.rotate_panel.commitRequested.connect(lambda y: self.commit("rotate", {"yaw": y}))
        self.legend.visibilityChanged.connect(lambda _: self._analyse_selected())
        w = self.worker
        w.finished.connect(self._on_job_finished)
        w.failed.connect(self._on_job_failed)
        w.cancelled.connect(self._on_job_cancelled)
        w.started.connect(self._on_job_started)
        w.progressed.connect(self._on_job_progress)
        w.idle.connect(self._on_worker_idle)
        self._update_ui()

    # -- construction -----------------------------------------------------------------------
    def _add_dock(self, title: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _action(self, menu, text: str, slot, shortcut=None, checkable=False, checked=False) -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        a.setCheckable(checkable)
        if checkable:
            a.setChecked(checked)
            a.toggled.connect(slot)
        else:
            a.triggered.connect(slot)
        menu.addAction(a)
        return a

    def _build_actions(self) -> None:
        mb = self.menuBar()
        f = mb.addMenu("&File")
        self.act_open = self._action(f, "&Open…", self.open_dialog, QKeySequence.StandardKey.Open)
        self.act_save = self._action(f, "Save &As / Export…", self.save_as_dialog, "Ctrl+Shift+S")
        f.addSeparator()
        self._action(f, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        e = mb.addMenu("&Edit")
        self.act_undo = self._action(e, "&Undo", self.undo, QKeySequence.StandardKey.Undo)
        self.act_redo = self._action(e, "&Redo", self.redo, "Ctrl+Shift+Z")
        v = mb.addMenu("&View")
        self._action(v, "Zoom &In", self.canvas.zoom_in, QKeySequence.StandardKey.ZoomIn)
        self._action(v, "Zoom &Out", self.canvas.zoom_out, QKeySequence.StandardKey.ZoomOut)
        self._action(v, "&Fit to Window", self.canvas.fit, "Ctrl+0")
        self._action(v, "Actual &Size", self.canvas.actual_size, "Ctrl+1")
        v.addSeparator()
        self.act_before = self._action(v, "Show &Original (before/after)", self.show_original,
                                       "\\", checkable=True)
        v.addSeparator()
        self.act_boxes = self._action(v, "Face &Boxes", lambda on: self.canvas.set_overlay_visible(boxes=on),
                                      "B", checkable=True, checked=True)
        self.act_landmarks = self._action(v, "&Landmarks", lambda on: self.canvas.set_overlay_visible(landmarks=on),
                                          "L", checkable=True, checked=True)
        self.act_parsing = self._action(v, "&Parsing", lambda on: self.canvas.set_overlay_visible(parsing=on),
                                        "P", checkable=True, checked=True)
        self.act_fill = self._action(e, "&Fill Mask", self.fill_mask, "Ctrl+Return")
        self.act_fill.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self._action(e, "Brush Smaller", lambda: self.inpaint_panel.step_size(False), "[")
        self._action(e, "Brush Larger", lambda: self.inpaint_panel.step_size(True), "]")
        tb = self.addToolBar("Main")
        tb.setObjectName("MainToolbar")
        for a in (self.act_open, self.act_save, self.act_undo, self.act_redo, self.act_before):
            tb.addAction(a)

    def _build_status(self) -> None:
        sb = self.statusBar()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.progress.setRange(0, 100)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_running)
        self.face_label = QLabel("")
        sb.addPermanentWidget(self.face_label)
        sb.addPermanentWidget(self.progress)
        sb.addPermanentWidget(self.cancel_button)
        self.progress.hide()
        self.cancel_button.hide()

    # -- messages (overridable in tests) ----------------------------------------------------
    def ask(self, title: str, text: str) -> bool:
        return QMessageBox.question(self, title, text) == QMessageBox.StandardButton.Yes

    def tell_error(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.open()  # window-modal, does not block the event loop
        self.last_message = box

    # -- files ------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        start = str(self.doc.path.parent) if self.doc and self.doc.path else ""
        path, _ = QFileDialog.getOpenFileName(self, "Open photo", start, OPEN_FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path: str) -> None:
        """Load in the background; the current document stays until the new one is read."""
        if self.doc is not None and self.doc.modified and not self.ask(
                "Unsaved edits", "The current photo has unsaved edits. Open another photo and discard them?"):
            return
        self.statusBar().showMessage(f"Opening {Path(path).name}…")
        self.worker.submit("load", _job_load(path))

    def save_as_dialog(self) -> None:
        if self.doc is None:
            return
        src = self.doc.path
        suggested = str(src.with_name(f"{src.stem}-edited{src.suffix.lower() if src.suffix.lower() in WRITE_FORMATS else '.png'}")) if src else "edited.png"
        path, _ = QFileDialog.getSaveFileName(self, "Save as / Export", suggested, SAVE_FILTER)
        if path:
            self.save_to(path)

    def save_to(self, path: str | Path) -> bool:
        """Write the current image to ``path`` (asks before replacing the opened original)."""
        if self.doc is None:
            return False
        path = Path(path)
        if path.suffix.lower() not in WRITE_FORMATS:
            path = path.with_suffix(".png")
        if self.doc.path is not None and path.exists() and same_file(path, self.doc.path) and not self.ask(
                "Overwrite original?", f"{path.name} is the original photo. Replace it with the edited image?"):
            return False
        self.worker.submit("save", _job_save(path, self.doc.image(), self.doc.photo.alpha))
        return True

    def dragEnterEvent(self, event) -> None:
        if any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            self.open_path(files[0])
            event.acceptProposedAction()

    # -- faces ------------------------------------------------------------------------------
    def _faces(self):
        return self.doc.faces() if self.doc else None

    def _detect_if_needed(self, previous: list | None = None, follow: tuple[float, float] | None = None) -> None:
        """Find the faces of the current state if not known yet; ``previous``: the faces before
        an edit that moved them, looked for again where they were if the detector misses them;
        ``follow``: where the selected face was, to select it again wherever it is listed."""
        if self.doc is not None and self._faces() is None:
            self.worker.submit("detect", _job_detect(self.doc.image(), self.doc.cursor, previous, follow))

    def on_image_clicked(self, x: float, y: float) -> None:
        faces = self._faces()
        if not faces:
            return
        from inference.faces import face_at
        self.select_face(face_at(faces, x, y))

    def select_face(self, index: int | None) -> None:
        self.selected = index
        self._last_preview = None
        self.canvas.clear_preview()
        self.canvas.set_parsing(None)
        self.canvas.set_landmarks(None)
        self._draw_faces()
        self._sync_panel()
        if index is not None:
            self._analyse_selected()
        self._update_ui()

    def _analyse_selected(self) -> None:
        faces = self._faces()
        if self.selected is None or not faces:
            return
        self.worker.submit("analyse", _job_analyse(self.doc, self.doc.cursor, self.selected,
                                                   faces[self.selected], self.legend.visible_classes()),
                           coalesce=True)

    def on_image_hovered(self, x: float, y: float) -> None:
        """Name the parsing class under the cursor (selected face only)."""
        from inference.parsing import CLASS_NAMES
        faces = self._faces()
        text = ""
        if faces and self.selected is not None and faces[self.selected].parsing is not None:
            p = faces[self.selected].parsing
            h, w = p.labels.shape
            u, v = (x - p.x0) * w / p.width, (y - p.y0) * h / p.height
            if 0 <= u < w and 0 <= v < h:
                text = f"Under the cursor: {CLASS_NAMES[p.labels[int(v), int(u)]]}"
        self.face_panel.show_hover(text)

    def on_landmark_moved(self, index: int, dx: float, dy: float) -> None:
        """A landmark dragged by hand: the face's fit bends there and it is parsed again."""
        from inference.faces import with_landmark_moved
        self._replace_selected_face(lambda f: with_landmark_moved(f, index, (dx, dy)))

    def reset_landmarks(self) -> None:
        from inference.faces import face_from_mesh
        self._replace_selected_face(
            lambda f: face_from_mesh(f.extra["original_mesh"], f.score) if "original_mesh" in f.extra else f)

    def _replace_selected_face(self, change) -> None:
        faces = self._faces()
        if not faces or self.selected is None:
            return
        faces = list(faces)
        faces[self.selected] = change(faces[self.selected])
        self.doc.set_faces(faces)
        self._last_preview = None
        self.canvas.clear_preview()
        self._draw_faces()
        self.canvas.set_landmarks(faces[self.selected].landmarks68)
        self._analyse_selected()

    def _draw_faces(self) -> None:
        faces = self._faces() or []
        self.canvas.set_faces([f.box for f in faces], self.selected, tiny=self.tiny_faces)
        if self.selected is not None and self.selected < len(faces):
            f = faces[self.selected]
            self.face_label.setText(f"Face {self.selected}: yaw {f.pose.yaw:+.0f}°, pitch {f.pose.pitch:+.0f}°, "
                                    f"roll {f.pose.roll:+.0f}°" + (" — turned away: fit uncertain" if f.uncertain else ""))
        else:
            self.face_label.setText(f"{len(faces)} face(s)" if faces else "")
        sel = faces[self.selected] if self.selected is not None and self.selected < len(faces) else None
        self.face_panel.show_face(sel, self.selected, bool(sel is not None and sel.extra.get("nudged")))

    # -- edits ------------------------------------------------------------------------------
    def _edit_face(self, name: str):
        """(base state, the face as it was there) for an edit of the selected face: a re-adjusted
        edit starts where it started, with the face it was given (a head turn moves faces)."""
        faces = self._faces()
        if self.doc is None or self.selected is None or not faces:
            return None, None
        base = self.doc.adjusting_base(name, self.selected)
        if base != self.doc.cursor and self.doc.top().face is not None:
            return base, self.doc.top().face
        return base, faces[self.selected]

    def request_preview(self, name: str, params: dict[str, Any]) -> None:
        base, face = self._edit_face(name)
        if face is None:
            return
        self._preview_id = self.worker.submit(
            "preview", _job_patch(self.doc, name, base, face, params), coalesce=True)

    def commit(self, name: str, params: dict[str, Any]) -> None:
        base, face = self._edit_face(name)
        if face is None:
            return
        if base == self.doc.cursor and edits.get(name).is_identity(**params):
            return  # nothing to re-adjust and nothing would change
        self.worker.cancel(kind="preview")
        lp = self._last_preview
        if lp is not None and lp[:3] == (name, base, params):
            self._push(name, base, params, lp[3], face)  # the preview on screen is the full result
        else:
            self._pending_commits += 1
            self.worker.submit("commit", _job_patch(self.doc, name, base, face, params))

    def _push(self, name: str, base: int, params: dict[str, Any], patch, face) -> None:
        self.doc.push(EditStep(name=name, face_index=self.selected, params=dict(params), patch=patch,
                               base_state=base, face=face))
        self._last_preview = None
        self._show_current()
        if edits.get(name).CHANGES_GEOMETRY:  # faces moved: find them again, keep the selection
            self.canvas.set_parsing(None)
            self.canvas.set_landmarks(None)
            self._draw_faces()
            # faces are listed largest first: a turn can reorder them, so the selection follows
            # the turned face by where it was, not by its index
            follow = face.centre if face is not None and self.selected is not None else None
            self._detect_if_needed(previous=self.doc.faces(base), follow=follow)

    def undo(self) -> None:
        """Undo the last mask stroke while there are strokes, else the last edit."""
        if self.mask is not None and self.mask.undo():
            self._refresh_mask()
            self._update_ui()
            return
        if self.doc is not None and not self._pending_commits:
            before = self._faces(), self._selected_centre()
            if self.doc.undo():
                self._after_history_move(*before)

    def redo(self) -> None:
        if self.doc is not None and not self._pending_commits:
            before = self._faces(), self._selected_centre()
            if self.doc.redo():
                self._after_history_move(*before)

    def _selected_centre(self) -> tuple[float, float] | None:
        faces = self._faces()
        if faces and self.selected is not None and self.selected < len(faces):
            return faces[self.selected].centre
        return None

    def _after_history_move(self, faces_before=None, follow: tuple[float, float] | None = None) -> None:
        """``faces_before``, ``follow``: the faces of the state left and where the selected one
        was. Across an edit that moved faces (their lists differ) the selection follows that
        face by where it was: the lists are by size, and a turn can reorder them."""
        self.worker.cancel(kind="preview")
        self._last_preview = None
        self._show_current()
        faces = self._faces()
        if faces is None:
            self.selected = None
            self._detect_if_needed(previous=self.doc.faces(self.doc.cursor - 1) if self.doc.cursor else None,
                                   follow=follow)
        elif faces is not faces_before and follow is not None:
            from inference.faces import face_at
            self.selected = face_at(faces, *follow)
        elif self.selected is not None and self.selected >= len(faces):
            self.selected = None
        self._draw_faces()
        self._sync_panel()

    def _sync_panel(self) -> None:
        """Each slider shows the value of the edit it would re-adjust, else its rest value."""
        top = self.doc.top() if self.doc else None
        # a head already turned can be turned only so far further (its far side is not in the photo)
        _, face = self._edit_face("rotate")
        self.rotate_panel.set_limits(*(rotate.yaw_range(face) if face is not None else (-rotate.MAX_YAW, rotate.MAX_YAW)))
        for panel, name, key in ((self.skin_panel, "skin", "strength"), (self.rotate_panel, "rotate", "yaw")):
            same = top is not None and top.name == name and top.face_index == self.selected
            panel.set_value(top.params[key] if same else 0.0)
            panel.set_face_selected(self.selected is not None)

    # -- inpainting mask -----------------------------------------------------------------------
    def add_stroke(self, tool: str, path) -> None:
        if self.mask is None:
            return
        size, hardness = self.inpaint_panel.brush()
        self.mask.add(Stroke(tool, path, size, hardness))
        self._refresh_mask()
        self._update_ui()

    def clear_mask(self) -> None:
        if self.mask is not None:
            self.mask.clear()
            self._refresh_mask()

    def add_class_to_mask(self, cls: int) -> None:
        faces = self._faces()
        if not faces or self.selected is None:
            self.tell_error("No face selected", "Click a face first: its parsing gives the mask.")
            return
        self.worker.submit("maskclass", _job_class_mask(self.doc, faces[self.selected], cls))

    def _refresh_mask(self) -> None:
        from PySide6.QtGui import QImage
        if self.mask is None or not self.mask.strokes:
            self.canvas.set_mask_overlay(None)
            return
        ip = self.inpaint_panel
        overlay = QImage(self.mask.width, self.mask.height, QImage.Format.Format_ARGB32)
        overlay.fill(ip.colour)
        overlay.setAlphaChannel(self.mask._image)
        self.canvas.set_mask_overlay(overlay, ip.opacity.value() / 100)

    def fill_mask(self) -> None:
        if self.doc is None or self.mask is None:
            return
        mask = self.mask.array()
        if not mask.any():
            self.tell_error("Nothing to fill", "Paint over what should go (Brush, Lasso or a parsing class) first.")
            return
        ip = self.inpaint_panel
        params = {"engine": ip.engine.currentText(), "seed": ip.seed.value()}
        if params["engine"] == "lama":
            params["model"] = ip.model_path
        source = None
        faces = self._faces()
        if ip.skin_only.isChecked() and faces and self.selected is not None:
            from inference.parsing import SKIN
            p = faces[self.selected].parsing
            if p is not None:
                source = np.zeros(mask.shape, bool)
                source[p.y0:p.y0 + p.height, p.x0:p.x0 + p.width] = p.mask(SKIN)
        self._pending_commits += 1
        self.worker.submit("inpaint", _job_inpaint(self.doc, mask, params, source))

    def show_original(self, on: bool) -> None:
        self._show_current()

    def _show_current(self) -> None:
        if self.doc is None:
            return
        before = self.act_before.isChecked()
        self.canvas.set_image(self.doc.original if before else self.doc.image())
        self._update_ui()

    def cancel_running(self) -> None:
        self.worker.cancel(kind=self.worker.running_kind())

    # -- job results ------------------------------------------------------------------------
    def _on_job_started(self, job_id: int, kind: str) -> None:
        if kind in ("load", "detect", "commit", "save", "analyse", "inpaint", "maskclass"):
            self.progress.setRange(0, 0)  # busy until a job reports a fraction
            self.progress.show()
            self.cancel_button.setVisible(kind in ("detect", "commit", "analyse", "inpaint"))

    def _on_job_progress(self, job_id: int, fraction: float, message: str) -> None:
        self.progress.setRange(0, 100)
        self.progress.setValue(int(100 * fraction))
        if message:
            self._progress_message = message
            self.statusBar().showMessage(message)

    def _on_worker_idle(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        if self.statusBar().currentMessage() == self._progress_message:
            self.statusBar().clearMessage()

    def _on_job_failed(self, job_id: int, kind: str, message: str) -> None:
        if kind in ("commit", "inpaint"):
            self._pending_commits -= 1
        titles = {"load": "Cannot open photo", "save": "Cannot save photo", "detect": "Face detection failed",
                  "commit": "Edit failed", "preview": "Preview failed", "analyse": "Face analysis failed",
                  "inpaint": "Fill failed", "maskclass": "Mask from parsing failed"}
        self.statusBar().showMessage(message, 8000)
        self.tell_error(titles.get(kind, "Error"), message)
        self._update_ui()

    def _on_job_cancelled(self, job_id: int, kind: str) -> None:
        if kind in ("commit", "inpaint"):
            self._pending_commits -= 1
            self.statusBar().showMessage("Cancelled: nothing was changed", 5000)
        self._update_ui()

    def _on_job_finished(self, job_id: int, kind: str, result) -> None:
        handler = getattr(self, f"_done_{kind}", None)
        if handler is not None:
            handler(job_id, result)
        self._update_ui()

    def _done_load(self, job_id: int, photo: Photo) -> None:
        self.act_before.setChecked(False)
        self.doc = Document(photo)
        self.selected = None
        self.tiny_faces = []
        self.mask = MaskLayer(photo.rgb.shape[1], photo.rgb.shape[0])
        self._refresh_mask()
        self._last_preview = None
        self.canvas.set_parsing(None)
        self.canvas.set_landmarks(None)
        self.canvas.set_faces([], None)
        self.canvas.set_image(photo.rgb, fit=True)
        note = "" if photo.source_mode in ("RGB", "RGBA") else f" ({photo.source_mode} converted to 8-bit RGB)"
        self.statusBar().showMessage(f"Opened {photo.path.name}, {photo.size[0]}×{photo.size[1]}{note}", 6000)
        self._sync_panel()
        self._detect_if_needed()

    def _done_detect(self, job_id: int, result) -> None:
        from inference.faces import MIN_FACE_PX, face_at
        state, detection, follow = result
        if self.doc is None or state > len(self.doc.steps):
            return
        faces = detection.faces
        self.doc.set_faces(faces, state)
        self.tiny_faces = detection.tiny
        if follow is not None:
            self.selected = index = face_at(faces, *follow)
            if index is not None and state > 0:
                # the edit that moved it re-adjusts while this face is selected (_sync_panel,
                # adjusting_base compare indices into this state's list)
                self.doc.steps[state - 1].face_index = index
        elif self.selected is not None and self.selected >= len(faces):
            self.selected = None
        self._draw_faces()
        self._sync_panel()
        if self.selected is not None:
            self._analyse_selected()
        tiny = (f"; {len(detection.tiny)} smaller than {MIN_FACE_PX} px shown dashed, too small to edit"
                if detection.tiny else "")
        self.statusBar().showMessage((f"{len(faces)} face(s) found; click one to edit it" if faces
                                      else "No face found in this photo") + tiny, 8000)

    def _done_analyse(self, job_id: int, result) -> None:
        state, index, rgba, x0, y0, scale = result
        faces = self._faces()
        if self.doc is None or index != self.selected or not faces:
            return
        self.canvas.set_parsing(rgba, x0, y0, scale)
        self.canvas.set_landmarks(faces[index].landmarks68)

    def _done_preview(self, job_id: int, result) -> None:
        name, base, params, patch, _face = result
        if job_id != self._preview_id or self.doc is None or base != self.doc.adjusting_base(name, self.selected):
            return  # stale: a newer preview or a history move happened since
        self._last_preview = result
        self.canvas.set_preview(patch.pixels, patch.x0, patch.y0, patch.scale)

    def _done_commit(self, job_id: int, result) -> None:
        self._pending_commits -= 1
        name, base, params, patch, face = result
        if self.doc is None or base > self.doc.cursor:
            return
        self._push(name, base, params, patch, face)

    def _done_maskclass(self, job_id: int, result) -> None:
        raster, x0, y0 = result
        if self.mask is not None and raster.any():
            self.mask.add(Stroke("raster", raster=raster, x0=x0, y0=y0))
            self._refresh_mask()

    def _done_inpaint(self, job_id: int, result) -> None:
        self._pending_commits -= 1
        base, params, patch = result
        if self.doc is None or base != self.doc.cursor:
            return
        self.doc.push(EditStep(name="inpaint", face_index=-1, params=dict(params), patch=patch, base_state=base))
        self.mask.clear()
        self._refresh_mask()
        self._show_current()
        self.statusBar().showMessage("Filled", 4000)

    def _done_save(self, job_id: int, path: Path) -> None:
        self.doc.mark_saved(path)
        self.statusBar().showMessage(f"Saved {path}", 6000)

    # -- window state -----------------------------------------------------------------------
    def _update_ui(self) -> None:
        doc = self.doc
        self.act_save.setEnabled(doc is not None)
        strokes = bool(self.mask is not None and self.mask.strokes)
        self.act_undo.setEnabled(strokes or bool(doc and doc.can_undo()))
        self.act_redo.setEnabled(bool(doc and doc.can_redo()))
        top = doc.top() if doc else None
        self.act_undo.setText("&Undo Mask Stroke" if strokes else f"&Undo {top.title}" if top else "&Undo")
        name = doc.path.name if doc and doc.path else ""
        self.setWindowTitle(f"{name}{' *' if doc and doc.modified else ''} — {APP_NAME}" if name else APP_NAME)

    def closeEvent(self, event) -> None:
        if self.doc is not None and self.doc.modified and not self.ask(
                "Unsaved edits", "Quit and discard the unsaved edits?"):
            event.ignore()
            return
        self.worker.shutdown()
        event.accept()


def run_gui(photo: str | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    win = MainWindow()
    win.show()
    if photo:
        QTimer.singleShot(0, lambda: win.open_path(photo))
    return app.exec()
