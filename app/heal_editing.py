"""The main window's healing side (issue 22): blemishes found on the worker and shown as
markers on the canvas (a click on one keeps that spot), and the heal brush, whose finished
stroke is rasterised by the inpaint mask's own renderer (app/mask.py) and healed as one
undoable edit, its mask kept cropped to the stroke (a CroppedMask, not a photo-sized array). Mixed into MainWindow, whose canvas, session and panels it
uses; nothing here computes pixels of the photo."""
from __future__ import annotations

from PySide6.QtCore import QTimer

from app.mask import MaskLayer, Stroke
from inference.edits.base import CroppedMask

HEAL_TOOL = "heal_brush"
STROKE_WAIT_MS = 30       # how often a waiting stroke looks whether the last one is healed


class HealEditing:
    def wire_heal(self) -> None:
        """Connect the Heal panel to the canvas and the session (called once by __init__)."""
        hp = self.heal_panel = self.panels["heal"]
        self._heal_queue: list = []              # finished strokes' (cropped) masks still to heal
        self._heal_waiting = False
        hp.findRequested.connect(self.find_blemishes)
        hp.markersChanged.connect(self.canvas.set_markers)
        hp.toolChanged.connect(self._heal_tool)
        hp.brushChanged.connect(lambda size: self.canvas.tool == HEAL_TOOL and self.canvas.set_brush_size(size))
        self.canvas.markerClicked.connect(hp.remove_marker)
        # an inpaint tool taken up puts the heal brush down (and the other way round)
        self.inpaint_panel.toolChanged.connect(self._inpaint_tool)

    def find_blemishes(self) -> None:
        if not self.session.find_blemishes(self._blemishes_found):
            self.tell_error("No face selected", "Click a face first: its skin is where blemishes are looked for.")

    def _blemishes_found(self, spots) -> None:
        self.heal_panel.set_spots(spots)
        self.statusBar().showMessage(f"{len(spots)} blemish(es) found: click a marker to keep that spot"
                                     if spots else "No blemish found on this face's skin", 6000)

    def _heal_tool(self, tool: str) -> None:
        if tool == HEAL_TOOL:
            self.inpaint_panel.set_tool("select")
            self.canvas.set_tool(HEAL_TOOL)
            self.canvas.set_brush_size(self.heal_panel.brush_size())
        elif self.canvas.tool == HEAL_TOOL:      # only the heal brush's own release
            self.canvas.set_tool("select")

    def _inpaint_tool(self, tool: str) -> None:
        if tool != "select":
            self.heal_panel.brush.setChecked(False)
            self.canvas.set_brush_size(self.inpaint_panel.brush()[0])   # its outline, not the heal brush's

    def step_brush(self, up: bool) -> None:
        """`[` / `]`: the size of the brush in hand (the heal brush's, else the inpaint mask's)."""
        (self.heal_panel if self.canvas.tool == HEAL_TOOL else self.inpaint_panel).step_size(up)

    def add_stroke(self, tool: str, path) -> None:
        """A stroke finished on the canvas: the heal brush's is healed at once; the others
        paint the inpaint mask (MaskEditing)."""
        if tool != HEAL_TOOL:
            super().add_stroke(tool, path)
            return
        if self.doc is None:
            return
        if self.session.selected_face() is None:
            self.tell_error("No face selected", "Click a face first: the brush heals from its skin.")
            return
        h, w = self.doc.image().shape[:2]
        layer = MaskLayer(w, h)                  # the same renderer as the inpaint brush's
        layer.add(Stroke("brush", path, self.heal_panel.brush_size(), 1.0))
        self._heal_queue.append(CroppedMask.of(layer.array()))   # the history keeps the box only
        self._heal_next_stroke()

    def _heal_next_stroke(self) -> None:
        """Strokes are healed one after the other: a stroke finished while the last one still
        heals waits for it (the session drops a mask edit whose base has moved on)."""
        if not self._heal_queue or self._heal_waiting:
            return
        if self.session.pending_commits:
            self._heal_waiting = True
            QTimer.singleShot(STROKE_WAIT_MS, self._heal_wait_over)
            return
        self.heal_panel.stroke_done(self._heal_queue.pop(0))
        if self._heal_queue:
            self._heal_next_stroke()

    def _heal_wait_over(self) -> None:
        self._heal_waiting = False
        self._heal_next_stroke()
