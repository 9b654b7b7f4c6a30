"""Main window: menus, canvas, docks and status bar, wired to the session (app/session.py).

Data flows one way: a user action goes to the session, which runs jobs on the worker
(inference code only); their results come back through the session, which tells this window
what to show (it is the session's View). Nothing here computes pixels.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QApplication, QDockWidget, QFileDialog, QFrame, QLabel, QMainWindow,
                               QMessageBox, QScrollArea, QSlider, QTabWidget)

from app import menus, saving, settings
from app.canvas import Canvas
from app.document import Document
from app.dock_groups import GROUPS, GroupPanel
from app.job_status import JobStatus
from app.mask import MaskLayer
from app.heal_editing import HealEditing
from app.mask_editing import MaskEditing
from app.panels import panel_for
from app.panels.face import FacePanel
from app.panels.history import HistoryPanel
from app.panels.legend import LegendPanel
from app.session import Session
from app.worker import Worker
from inference import edits
from inference.io import READ_SUFFIXES, Photo

APP_NAME = "Visage"
OPEN_FILTER = "Photos (" + " ".join(f"*{s}" for s in READ_SUFFIXES) + ");;All files (*)"
DOCK_WIDTH = 340
DOCK_MAX_MIN_WIDTH = 380
FACE_LINES = 32           # px: the face's pose lines, filled in once a face is found


class MainWindow(HealEditing, MaskEditing, QMainWindow):
    def __init__(self):
        super().__init__()
        self.resize(1200, 800)
        from app.icons import icon
        self.setWindowIcon(icon("visage"))
        self.worker = Worker(self)
        self.session = Session(self.worker.submit, cancel=lambda kind: self.worker.cancel(kind=kind), view=self)
        self.last_message: QMessageBox | None = None
        self.mask: MaskLayer | None = None
        self.mask_saved_revision = 0          # the mask's revision when the photo was last saved
        self.saver = saving.Saver(self)

        self.canvas = Canvas(self)
        self.setCentralWidget(self.canvas)
        self.face_panel = FacePanel()
        self.legend = LegendPanel()
        self.face_dock = self._add_dock("Face", self.face_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.panels: dict[str, Any] = {}
        self.docks: dict[str, QDockWidget] = {}
        first: dict[str, QDockWidget] = {}
        groups: dict[str, tuple[GroupPanel, QDockWidget]] = {}
        for name, edit in edits.EDITS.items():
            panel = self.panels[name] = panel_for(edit)
            title = getattr(panel, "TITLE", edit.TITLE)
            if name in GROUPS and GROUPS[name] in groups:      # a dock shared with related edits
                group, dock = groups[GROUPS[name]]
                group.add(title, panel)
                self.docks[name] = dock
            else:
                shown = panel
                if name in GROUPS:
                    shown = GroupPanel(GROUPS[name])
                    shown.add(title, panel)
                area = Qt.DockWidgetArea.LeftDockWidgetArea if panel.DOCK == "left" else Qt.DockWidgetArea.RightDockWidgetArea
                dock = self.docks[name] = self._add_dock(getattr(shown, "TITLE", title), shown, area)
                if name in GROUPS:
                    groups[GROUPS[name]] = (shown, dock)
                if panel.DOCK in first:      # the edits of one side share it as tabs
                    self.tabifyDockWidget(first[panel.DOCK], dock)
                else:
                    first[panel.DOCK] = dock
            if hasattr(panel, "previewRequested"):
                panel.previewRequested.connect(lambda v, n=name: self.session.preview(n, v))
                panel.commitRequested.connect(lambda v, n=name: self.session.commit(n, v))
                for slider in panel.findChildren(QSlider):   # the parsing steps aside while one drags
                    slider.sliderPressed.connect(lambda: self.canvas.set_dragging(True))
                    slider.sliderReleased.connect(lambda: self.canvas.set_dragging(False))
        self.inpaint_panel = self.panels["inpaint"]
        if "right" in first:
            first["right"].raise_()
        # many edits: their tabs run down the window's edge, and the docks keep to a panel's width
        self.setTabPosition(Qt.DockWidgetArea.RightDockWidgetArea, QTabWidget.TabPosition.East)
        shared = list(dict.fromkeys(self.docks.values()))
        self.resizeDocks(shared + [self.face_dock], [DOCK_WIDTH] * (len(shared) + 1),
                         Qt.Orientation.Horizontal)
        self.tabifyDockWidget(self.face_dock, self._add_dock("Legend", self.legend,
                                                             Qt.DockWidgetArea.RightDockWidgetArea))
        self.history_panel = HistoryPanel()   # under the left panels: always in view, as in GIMP
        self.history_dock = self._add_dock("History", self.history_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        if "left" in first:
            self.splitDockWidget(first["left"], self.history_dock, Qt.Orientation.Vertical)
        self.face_dock.raise_()
        if "right" in first:   # the face's few lines above, whole; the edits below get the height
            face_h = self.face_panel.sizeHint().height()
            self.face_dock.widget().setMinimumHeight(face_h + FACE_LINES)
            self.resizeDocks([self.face_dock, first["right"]], [face_h, 6 * face_h], Qt.Orientation.Vertical)
        menus.build(self)
        self._build_status()
        from app.recipe_dialog import add_recipe_actions
        add_recipe_actions(self)   # File: Export Recipe, Apply Recipe to Folder (issue 26)
        self.setAcceptDrops(True)

        self.canvas.imageClicked.connect(self.on_image_clicked)
        self.canvas.imageHovered.connect(self.on_image_hovered)
        self.canvas.landmarkMoved.connect(self.on_landmark_moved)
        self.face_panel.editLandmarksToggled.connect(self.canvas.set_edit_landmarks)
        self.panels["brows"].dragPointsToggled.connect(self._drag_brow_points)
        self.face_panel.resetRequested.connect(self.reset_landmarks)
        ip = self.inpaint_panel
        ip.toolChanged.connect(self.canvas.set_tool)
        ip.brushChanged.connect(lambda size, _h: self.canvas.set_brush_size(size))
        ip.overlayChanged.connect(lambda *_: self._refresh_mask())
        ip.addClassRequested.connect(self.add_class_to_mask)
        ip.clearRequested.connect(self.clear_mask)
        ip.fillRequested.connect(self.fill_mask)
        self.setup_fill_choices()   # the Fill's variants to pick from (issue 25)
        self.canvas.strokeFinished.connect(self.add_stroke)
        self.wire_heal()
        self.legend.visibilityChanged.connect(lambda _: self._analyse_selected())
        self.legend.opacityChanged.connect(self.canvas.set_parsing_opacity)
        self.history_panel.stateChosen.connect(self.go_to_state)
        self.canvas.zoomChanged.connect(lambda z: self.zoom_label.setText(f"{100 * z:.0f} %"))
        self.values_changed()
        self.history_changed()
        settings.restore_window(self)

    # -- what the session holds ---------------------------------------------------------------
    @property
    def doc(self) -> Document | None:
        return self.session.doc

    @doc.setter
    def doc(self, doc: Document | None) -> None:
        self.session.doc = doc

    @property
    def selected(self) -> int | None:
        return self.session.selected

    @property
    def skin_panel(self):
        return self.panels["skin"]

    @property
    def rotate_panel(self):
        return self.panels["rotate"]

    # -- construction -----------------------------------------------------------------------
    def _add_dock(self, title: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        # scrolled, so that a tall panel never makes the window taller than a 720-line screen
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        # as wide as the panel needs, up to a cap (a wider one scrolls sideways: the canvas first)
        need = widget.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width()
        scroll.setMinimumWidth(min(need, DOCK_MAX_MIN_WIDTH))
        scroll.setWidget(widget)
        dock.setWidget(scroll)
        self.addDockWidget(area, dock)
        return dock

    def all_docks(self) -> list[QDockWidget]:
        return self.findChildren(QDockWidget)

    def _build_status(self) -> None:
        self.face_label = QLabel("")
        self.statusBar().addPermanentWidget(self.face_label)
        self.zoom_label = QLabel("")
        self.zoom_label.setToolTip("Zoom (Ctrl+0 fit, Ctrl+1 actual size)")
        self.statusBar().addPermanentWidget(self.zoom_label)
        # the window's own tell_error is looked up late: tests replace it on the instance
        self.job_status = JobStatus(self.statusBar(), self.worker, lambda t, m: self.tell_error(t, m),
                                    self._update_ui)

    # -- messages (overridable in tests) ----------------------------------------------------
    def ask(self, title: str, text: str) -> bool:
        return QMessageBox.question(self, title, text) == QMessageBox.StandardButton.Yes

    def ask_unsaved(self, text: str) -> str:
        """saving.UNSAVED (save first), DISCARD or CANCEL."""
        return saving.ask_unsaved(self, text)

    def ask_save_path(self, suggested: str, quality: int) -> tuple[str, int] | None:
        return saving.ask_save_path(self, suggested, quality)

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
        if not self.saver.settle_unsaved(then=lambda: self.open_path(path)):
            return
        from app import jobs
        self.statusBar().showMessage(f"Opening {Path(path).name}…")
        self.worker.submit("load", jobs.load(path), on_done=self._loaded)

    def _loaded(self, photo: Photo) -> None:
        self.act_before.setChecked(False)
        self.mask = MaskLayer(photo.rgb.shape[1], photo.rgb.shape[0])
        self._refresh_mask()
        self.canvas.set_faces([], None)
        self.canvas.set_image(photo.rgb, fit=True)
        self.saver.reset()
        self.mask_saved_revision = self.mask.revision
        settings.add_recent(photo.path)
        note = "" if photo.source_mode in ("RGB", "RGBA") else f" ({photo.source_mode} converted to 8-bit RGB)"
        self.statusBar().showMessage(f"Opened {photo.path.name}, {photo.size[0]}×{photo.size[1]}{note}", 6000)
        self.session.open(photo)

    def save(self, then=None) -> None:
        self.saver.save(then)

    def save_as_dialog(self) -> None:
        self.saver.save_as()

    def save_to(self, path: str | Path, quality: int | None = None) -> bool:
        """Write the current image to ``path`` (asks before replacing the opened original)."""
        return self.saver.save_to(path, quality)

    def saved(self, path: Path, mask_revision: int | None = None) -> None:
        """A save went through: the painted mask, as it was when the save was asked for,
        counts as kept with it."""
        if self.mask is not None and mask_revision is not None:
            self.mask_saved_revision = mask_revision
        settings.add_recent(path)
        self._update_ui()

    def has_unsaved(self) -> bool:
        """Edits not saved, or a painted mask not filled yet (saving keeps the photo; the mask
        is then let go)."""
        if self.doc is None:
            return False
        painted = self.mask is not None and bool(self.mask.strokes) and self.mask.revision != self.mask_saved_revision
        return self.doc.modified or painted or self.session.pending_commits > 0

    def unsaved_text(self) -> str:
        name = self.doc.file_path.name if self.doc.file_path else "The photo"
        what = ("unsaved edits" if self.doc.modified or self.session.pending_commits
                else "a painted mask that has not been filled")
        return f"{name} has {what}. Save the photo before going on?"

    def dragEnterEvent(self, event) -> None:
        if any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            self.open_path(files[0])
            event.acceptProposedAction()

    # -- faces ------------------------------------------------------------------------------
    def on_image_clicked(self, x: float, y: float) -> None:
        faces = self.session.faces()
        if not faces:
            return
        from inference.faces import face_at
        self.select_face(face_at(faces, x, y))

    def select_face(self, index: int | None) -> None:
        self.session.select(index)

    def _analyse_selected(self) -> None:
        self.session.visible = self.legend.visible_classes()
        self.session.analyse_selected()

    def on_image_hovered(self, x: float, y: float) -> None:
        """Name the parsing class under the cursor (selected face only)."""
        from inference.body_extent import label_at
        from inference.parsing import CLASS_NAMES
        face = self.session.selected_face()
        text = ""
        if face is not None and face.parsing is not None:
            cls = label_at(face.parsing, x, y)   # the crop's class, or the clothes' past it
            if cls is not None:
                text = f"Under the cursor: {CLASS_NAMES[cls]}"
        self.face_panel.show_hover(text)

    def on_landmark_moved(self, index: int, dx: float, dy: float) -> None:
        """A landmark dragged by hand: with the Brows panel's point dragging on, a brow point
        reshapes the brow (one undoable brows edit); otherwise the face's fit bends there and it
        is parsed again."""
        panel = self.panels["brows"]
        face = self.session.selected_face()
        if panel.drag_points.isChecked() and face is not None:
            from app.panels.brows import values_after_drag
            _, base_face = self.session.edit_face("brows")
            values = values_after_drag(panel.values(), base_face or face, index, dx, dy)
            if values is not None:
                panel.set_values(values)
                self.session.commit("brows", values)
            self.canvas.set_landmarks(face.landmarks68)   # the points snap back; the brow moves
            return
        from inference.faces import with_landmark_moved
        self._replace_selected_face(lambda f: with_landmark_moved(f, index, (dx, dy)), "landmarks",
                                    {"point": index})

    def _drag_brow_points(self, on: bool) -> None:
        if on and self.face_panel.edit.isChecked():
            self.face_panel.edit.setChecked(False)
        self.canvas.set_edit_landmarks(on or self.face_panel.edit.isChecked())

    def reset_landmarks(self) -> None:
        from inference.faces import with_landmarks_reset
        self._replace_selected_face(with_landmarks_reset, "reset-landmarks")

    def _replace_selected_face(self, change, name: str, params: dict | None = None) -> None:
        """One undoable step that changes the selected face, not the pixels."""
        self.session.replace_selected_face(change, name, params)
        face = self.session.selected_face()
        if face is not None:
            self.canvas.set_landmarks(face.landmarks68)
            self._analyse_selected()

    # -- the session's view ---------------------------------------------------------------------
    def image_changed(self) -> None:
        self._show_current()

    def preview_ready(self, patch) -> None:
        self.canvas.set_preview(patch.pixels, patch.x0, patch.y0, patch.scale)

    def preview_cleared(self) -> None:
        self.canvas.clear_preview()

    def analysis_ready(self, r) -> None:
        self.canvas.set_parsing(r.overlay, r.x0, r.y0, r.scale)
        self.canvas.set_landmarks(self.session.faces()[r.index].landmarks68)

    def analysis_cleared(self) -> None:
        self.canvas.set_parsing(None)
        self.canvas.set_landmarks(None)

    def faces_changed(self) -> None:
        faces = self.session.faces() or []
        sel = self.session.selected_face()
        self.canvas.set_faces([f.box for f in faces], self.selected, tiny=self.session.tiny_faces)
        if sel is not None:
            self.face_label.setText(f"Face {self.selected}: yaw {sel.pose.yaw:+.0f}°, pitch {sel.pose.pitch:+.0f}°, "
                                    f"roll {sel.pose.roll:+.0f}°" + (" — turned away: fit uncertain" if sel.uncertain else ""))
        else:
            self.face_label.setText(f"{len(faces)} face(s)" if faces else "")
        self.face_panel.show_face(sel, self.selected, bool(sel is not None and sel.extra.get("nudged")))
        self.heal_follow_history()      # the heal markers are the selected face's
        if sel is None:
            self.face_panel.show_hover("")   # no class under the cursor of a face not selected

    def values_changed(self) -> None:
        """Each panel shows the values of the edit it would re-adjust, else its rest values, and
        reaches only what the selected face takes."""
        for name, panel in self.panels.items():
            if not hasattr(panel, "set_values"):
                continue
            panel.set_limits(self.session.limits(name))
            panel.set_values(self.session.values(name))
            panel.set_face_selected(self.selected is not None)

    def history_changed(self) -> None:
        self.history_panel.show_history(self.doc)
        self.fill_choices.sync()
        self.heal_follow_history()
        self._update_ui()

    def message(self, text: str, ms: int = 0) -> None:
        self.statusBar().showMessage(text, ms)

    # -- edits ------------------------------------------------------------------------------
    def commit(self, name: str, params: dict[str, Any]) -> None:
        self.session.commit(name, params)

    def undo(self) -> None:
        """Undo the last mask stroke while there are strokes, else the last edit."""
        if self.mask is not None and self.mask.undo():
            self._refresh_mask()
            self._update_ui()
            return
        self.session.undo()

    def redo(self) -> None:
        self.session.redo()

    def go_to_state(self, state: int) -> None:
        """A History row clicked: show that state (as undo / redo would)."""
        if not self.session.go_to(state):
            self.history_panel.show_history(self.doc)   # refused (a commit running): rows as they are

    def show_original(self, on: bool) -> None:
        self._show_current()

    def _show_current(self) -> None:
        if self.doc is None:
            return
        before = self.act_before.isChecked()
        self.canvas.set_image(self.doc.original if before else self.doc.image())
        self._update_ui()

    def cancel_running(self) -> None:
        self.job_status.cancel_running()

    # -- window state -----------------------------------------------------------------------
    def _update_ui(self) -> None:
        doc = self.doc
        self.act_save.setEnabled(doc is not None)
        self.act_save_file.setEnabled(doc is not None)
        strokes = bool(self.mask is not None and self.mask.strokes)
        self.act_undo.setEnabled(strokes or bool(doc and doc.can_undo()))
        self.act_redo.setEnabled(bool(doc and doc.can_redo()))
        top = doc.top() if doc else None
        self.act_undo.setText("&Undo Mask Stroke" if strokes else f"&Undo {top.title}" if top else "&Undo")
        nxt = doc.steps[doc.cursor] if doc and doc.can_redo() else None
        self.act_redo.setText(f"&Redo {nxt.title}" if nxt else "&Redo")
        for act in (self.act_fill, self.act_before):      # nothing to fill or compare without a photo
            act.setEnabled(doc is not None)
        name = doc.file_path.name if doc and doc.file_path else ""
        # Qt draws the modified mark where [*] is (a "*", or the platform's own way)
        self.setWindowTitle(f"{name}[*] — {APP_NAME}" if name else APP_NAME)
        self.setWindowModified(self.has_unsaved())

    def closeEvent(self, event) -> None:
        if not self.saver.settle_unsaved(then=self.close):
            event.ignore()
            return
        settings.save_window(self)
        self.worker.shutdown()
        event.accept()


def run_gui(photo: str | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(settings.ORGANISATION)
    win = MainWindow()
    win.show()
    if photo:
        QTimer.singleShot(0, lambda: win.open_path(photo))
    return app.exec()
