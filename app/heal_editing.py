"""The main window's healing side (issue 22): blemishes found on the worker and shown as
markers on the canvas (a click on one keeps that spot), and the heal brush, whose finished
stroke is rasterised by the inpaint mask's own renderer (app/mask.py) and healed as one
undoable edit, its mask kept cropped to the stroke (a CroppedMask, not a photo-sized array). Mixed into MainWindow, whose canvas, session and panels it
uses; nothing here computes pixels of the photo."""
from __future__ import annotations

import numpy as np
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
        # markers belong to the history state and face they were found on: (doc, top step,
        # face index) -> what the panel showed there, so that undo / redo / another face
        # selected show them only where they are true
        self._heal_marker_state: tuple | None = None
        self._heal_markers: dict[tuple[int, int, int | None], tuple] = {}
        hp.commitRequested.connect(self._heal_committing)
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
        if spots:
            self.heal_panel.set_spots(spots)
        else:
            self.heal_panel.nothing_found()
        self._heal_marker_state = self._heal_state()
        self.statusBar().showMessage(f"{len(spots)} blemish(es) found: click a marker to keep that spot"
                                     if spots else "No blemish found on this face's skin", 6000)

    # -- markers across the history ---------------------------------------------------------
    def _heal_state(self) -> tuple | None:
        """The history state shown and its face: the document, the step that made it (None: the
        original) and the selected face's index."""
        doc = self.doc
        if doc is None:
            return None
        return doc, doc.steps[doc.cursor - 1] if doc.cursor else None, self.session.selected

    @staticmethod
    def _state_key(state: tuple) -> tuple[int, int, int | None]:
        return id(state[0]), id(state[1]), state[2]

    def _heal_committing(self, values: dict) -> None:
        """"Heal spots" pressed: the markers it heals are those of this state (undo shows them
        again); the panel clears its own right after."""
        hp = self.heal_panel
        if "mask" not in values and (hp.markers() or hp.kept()) and self._heal_marker_state is not None:
            self._remember_markers(self._heal_marker_state, hp.markers(), hp.kept())

    def _remember_markers(self, state: tuple, spots, kept) -> None:
        self._heal_markers[self._state_key(state)] = (state, list(spots), list(kept))

    def heal_follow_history(self) -> None:
        """The history moved (an edit, undo, redo, another photo): the markers shown are those
        found on this very state, or those of the state just before a brush stroke less the
        spots it touched; otherwise none (Find blemishes looks again)."""
        hp, now, was = self.heal_panel, self._heal_state(), self._heal_marker_state
        if now is None or was is None or now[0] is not was[0]:
            self._heal_markers.clear()
        else:
            steps = now[0].steps                 # forget states the history no longer has
            self._heal_markers = {k: v for k, v in self._heal_markers.items()
                                  if v[0][1] is None or any(s is v[0][1] for s in steps)}
        if now is not None and was is not None and now[0] is was[0] and now[1] is was[1] and now[2] == was[2]:
            return
        carried = None
        face = self.session.selected_face() is not None   # markers are a selected face's spots
        if was is not None and now is not None and now[0] is was[0] and (hp.markers() or hp.kept()):
            self._remember_markers(was, hp.markers(), hp.kept())
            carried = self._past_stroke(was, now, hp.markers())
        if carried is not None and face:
            hp.restore_markers(carried, hp.kept())
        elif face and now is not None and self._state_key(now) in self._heal_markers:
            _, spots, kept = self._heal_markers[self._state_key(now)]
            hp.restore_markers(spots, kept)
        elif hp.markers() or hp.kept():
            hp.set_spots([])
        # with no markers, "Heal spots" heals whatever it finds, but not again on the state an
        # automatic heal of this very face just made (undo / redo onto it, or the heal landing)
        last = now[1] if now is not None else None
        hp.set_idle(not (hp.markers() or hp.kept()) and last is not None and last.name == "heal"
                    and "mask" not in last.params and last.face_index == now[2])
        self._heal_marker_state = now

    @staticmethod
    def _past_stroke(was: tuple, now: tuple, spots) -> list | None:
        """The markers still true after ``now``'s step when it is one heal-brush stroke made on
        ``was``: those whose circle it does not touch; None for any other step."""
        doc, step, face = now
        if face != was[2] or step is None or step.name != "heal" or step.params.get("mask") is None:
            return None
        at = next((i for i, s in enumerate(doc.steps) if s is step), None)
        if at is None or step.base_state != at or (doc.steps[at - 1] if at else None) is not was[1]:
            return None
        stroke = step.params["mask"]
        if not isinstance(stroke, CroppedMask):
            return None
        sh, sw = stroke.pixels.shape             # the stroke's box: no photo-sized array here
        keep = []
        for x, y, r, kind in spots:
            x0, y0 = max(stroke.x0, int(x - r - 1)), max(stroke.y0, int(y - r - 1))
            x1, y1 = min(stroke.x0 + sw, int(x + r + 2)), min(stroke.y0 + sh, int(y + r + 2))
            if x1 > x0 and y1 > y0:
                yy, xx = np.mgrid[y0:y1, x0:x1]
                box = stroke.pixels[y0 - stroke.y0:y1 - stroke.y0, x0 - stroke.x0:x1 - stroke.x0]
                if box[np.hypot(xx - x, yy - y) <= r].any():
                    continue                     # brushed over: that spot is healed now
            keep.append((x, y, r, kind))
        return keep

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
