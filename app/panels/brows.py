"""The Brows panel: the generic controls of the brows edit, plus dragging the brows' control
points (landmarks 17-26) on the photo. A drag becomes the edit's own parameters (the peak's
rise is arch, an inner end's is lift, an outer end's is tail), so it is one undoable edit like
a slider's, re-adjustable by the sliders, and the same edit the CLI makes."""
from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox

from app.panels.params import ParamsPanel
from inference.edits import brows
from inference.edits.brows import region, shape

# landmark -> (parameter, the share of its unit that moving this point by it means)
POINTS: dict[int, tuple[str, float]] = {}
for _side, _ids in region.LANDMARKS.items():
    inner, a, peak, b, outer = _ids
    POINTS.update({inner: ("lift", shape.LIFT), a: ("arch", 0.75 * shape.ARCH), peak: ("arch", shape.ARCH),
                   b: ("arch", 0.75 * shape.ARCH), outer: ("tail", shape.TAIL)})


def values_after_drag(values: dict[str, Any], face, index: int, dx: float, dy: float) -> dict[str, Any] | None:
    """The brows edit's parameters once landmark ``index`` is dragged by (dx, dy) px: its rise
    along the face's up, in units of the parameter it drives. None for a point that drives none."""
    if index not in POINTS:
        return None
    name, unit = POINTS[index]
    side = "left" if index in region.LANDMARKS["left"] else "right"
    ids = region.LANDMARKS[side]
    lm = face.landmarks68
    length = float(np.linalg.norm(lm[ids[-1]] - lm[ids[0]]))
    rise = float(np.dot((dx, dy), region.face_up(lm)))
    out = dict(values)
    out[name] = float(np.clip(round(values.get(name, 0.0) + rise / max(unit * length, 1e-6), 2), -1, 1))
    if values.get("side", "both") not in ("both", side):
        out["side"] = "both"
    return out


class BrowsPanel(ParamsPanel):
    dragPointsToggled = Signal(bool)

    def __init__(self, parent=None):
        super().__init__(brows, parent)
        self.drag_points = QCheckBox("Drag brow points on the photo")
        self.drag_points.setObjectName("brows_drag_points")
        self.drag_points.toggled.connect(self.dragPointsToggled)
        self.layout().insertWidget(1, self.drag_points)

    def set_face_selected(self, selected: bool) -> None:
        super().set_face_selected(selected)
        if hasattr(self, "drag_points"):
            self.drag_points.setEnabled(selected)
            if not selected:
                self.drag_points.setChecked(False)
