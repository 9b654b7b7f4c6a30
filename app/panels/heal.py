"""Heal panel: blemishes found on the skin shown as markers the user can remove (a beauty mark
to keep) before healing the rest, and a heal brush whose every stroke is one undoable edit.

The panel computes no pixels. "Find blemishes" asks for the spots (``findRequested``: the main
window runs :func:`inference.edits.heal.find_blemishes` on its worker and hands them back with
:meth:`HealPanel.set_spots`); "Heal spots" commits ``{"keep": [points of removed markers]}``; a
finished brush stroke, rasterised by the main window, comes in through
:meth:`HealPanel.stroke_done` and is committed as ``{"mask": CroppedMask}`` (the stroke's box:
the history keeps it with the step).
"""
from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFormLayout, QHBoxLayout, QLabel, QListWidget, QPushButton, QSlider,
                               QVBoxLayout, QWidget)

from inference.edits.base import CroppedMask


class HealPanel(QWidget):
    DOCK = "right"
    TITLE = "Heal blemishes"
    previewRequested = Signal(dict)      # never emitted: healing has no live preview
    commitRequested = Signal(dict)
    findRequested = Signal()
    markersChanged = Signal(list)        # [(x, y, radius, kind)] still to heal: the canvas overlay
    toolChanged = Signal(str)            # "select" or "heal_brush"
    brushChanged = Signal(float)         # brush diameter (photo px)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._spots: list[tuple[float, float, float, str]] = []
        self._kept: list[tuple[float, float]] = []
        self._idle = False       # a search found nothing, or its spots were just healed: Heal waits for Find
        lay = QVBoxLayout(self)
        self.find = QPushButton("Find blemishes")
        self.find.setObjectName("heal_find")
        self.find.clicked.connect(self.findRequested)
        lay.addWidget(self.find)
        self.list = QListWidget()
        self.list.setObjectName("heal_markers")
        lay.addWidget(self.list)
        row = QHBoxLayout()
        self.remove = QPushButton("Keep this one")
        self.remove.setObjectName("heal_remove")
        self.remove.setToolTip("remove the selected marker: that spot is left as it is")
        self.remove.clicked.connect(self._remove_selected)
        self.heal = QPushButton("Heal spots")
        self.heal.setObjectName("heal_apply")
        self.heal.clicked.connect(self.heal_spots)
        row.addWidget(self.remove)
        row.addWidget(self.heal)
        lay.addLayout(row)

        form = QFormLayout()
        self.brush = QPushButton("Heal brush")
        self.brush.setObjectName("heal_brush")
        self.brush.setCheckable(True)
        self.brush.toggled.connect(lambda on: self.toolChanged.emit("heal_brush" if on else "select"))
        form.addRow(self.brush)
        size_row = QHBoxLayout()
        self.size = QSlider(Qt.Orientation.Horizontal)
        self.size.setObjectName("heal_size")
        self.size.setRange(2, 300)
        self.size.setValue(24)
        self.size_label = QLabel("24 px")
        self.size.valueChanged.connect(self._size_changed)
        size_row.addWidget(self.size, 1)
        size_row.addWidget(self.size_label)
        form.addRow("Size [ ]", size_row)
        lay.addLayout(form)
        self.hint = QLabel("Click a face to edit it.")
        self.hint.setWordWrap(True)
        lay.addWidget(self.hint)
        lay.addStretch(1)
        self.set_face_selected(False)

    # -- markers ------------------------------------------------------------------------------
    def set_spots(self, spots) -> None:
        """The blemishes found: ``Spot`` objects or (x, y, radius, kind) tuples."""
        self._spots = [(float(s.x), float(s.y), float(s.radius), s.kind) if hasattr(s, "x") else
                       (float(s[0]), float(s[1]), float(s[2]), str(s[3])) for s in spots]
        self._kept = []
        self._idle = False
        self._show()

    def set_idle(self, idle: bool) -> None:
        """Whether "Heal spots" waits for the next search (the state shown is one a heal made)."""
        if idle != self._idle:
            self._idle = idle
            self._show()

    def nothing_found(self) -> None:
        """A search found no blemish: nothing for "Heal spots" to do until the next one."""
        self.set_spots([])
        self.set_idle(True)

    def restore_markers(self, spots, kept) -> None:
        """Markers as they were on a history state come back to (spots still to heal, kept points)."""
        self.set_spots(spots)
        self._kept = [(float(x), float(y)) for x, y in kept]
        self._show()

    def markers(self) -> list[tuple[float, float, float, str]]:
        """The spots still to heal (drawn over the photo)."""
        return list(self._spots)

    def kept(self) -> list[tuple[float, float]]:
        """Points of the markers removed: the edit's ``keep``."""
        return list(self._kept)

    def remove_marker(self, index: int) -> None:
        """Keep spot ``index`` as it is (a click on its marker, or "Keep this one")."""
        if not 0 <= index < len(self._spots):
            return
        x, y, _, _ = self._spots.pop(index)
        self._kept.append((x, y))
        self._show()

    def _remove_selected(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self._spots):
            self.remove_marker(row)

    def _show(self) -> None:
        self.list.clear()
        for x, y, r, kind in self._spots:
            self.list.addItem(f"{kind} spot at {x:.0f}, {y:.0f} ({2 * r:.0f} px)")
        self.heal.setEnabled(self.find.isEnabled() and self._can_heal())
        self.remove.setEnabled(bool(self._spots))
        self.markersChanged.emit(self.markers())

    def _can_heal(self) -> bool:
        """Spots marked, or no search yet (the edit then heals every blemish it finds)."""
        return bool(self._spots) or not (self._kept or self._idle)

    def heal_spots(self) -> None:
        """Heal what was found, less the markers removed: one undoable edit (before any search,
        every blemish the edit finds)."""
        if self._kept and not self._spots:
            return                          # every marker removed: nothing to heal
        self.commitRequested.emit(self.values())
        self._spots, self._kept, self._idle = [], [], True
        self._show()

    # -- the brush ----------------------------------------------------------------------------
    def brush_size(self) -> float:
        return float(self.size.value())

    def step_size(self, up: bool) -> None:
        v = self.size.value()
        step = max(1, v // 8)
        self.size.setValue(v + step if up else max(2, v - step))

    def _size_changed(self, v: int) -> None:
        self.size_label.setText(f"{v} px")
        self.brushChanged.emit(float(v))

    def stroke_done(self, mask: CroppedMask | np.ndarray) -> None:
        """A finished stroke of the heal brush (cropped, or a photo-sized mask): healed as one edit."""
        if mask is None:
            return
        if not isinstance(mask, CroppedMask):
            mask = CroppedMask.of(mask)
        if mask.any():
            self.commitRequested.emit({"mask": mask})

    # -- what the main window calls on every panel ---------------------------------------------
    def values(self) -> dict[str, Any]:
        return {"keep": self.kept()}

    def set_values(self, values: dict) -> None:
        pass   # each heal is a new step: nothing to show from the last one

    def set_limits(self, limits: dict) -> None:
        pass

    def set_face_selected(self, selected: bool) -> None:
        if not selected and (self._spots or self._kept or self._idle):
            self.set_spots([])              # another photo or no face: its markers go
        if not selected and self.brush.isChecked():
            self.brush.setChecked(False)
        for w in (self.find, self.brush, self.size):
            w.setEnabled(selected)
        self.heal.setEnabled(selected and self._can_heal())
        self.remove.setEnabled(selected and bool(self._spots))
        self.hint.setVisible(not selected)
