"""Skin smoothing panel: one strength slider. Dragging asks for live previews; releasing (or a
keyboard step) commits one undoable edit."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget


class SkinPanel(QWidget):
    previewRequested = Signal(float)
    commitRequested = Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 100)
        self.slider.setPageStep(10)
        self.slider.setObjectName("skinStrength")
        self.value_label = QLabel("0")
        self.value_label.setMinimumWidth(28)
        self.hint = QLabel("Click a face to edit it.")
        self.hint.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(QLabel("Strength"))
        row.addWidget(self.slider, 1)
        row.addWidget(self.value_label)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.hint)
        lay.addStretch(1)
        self._silent = False
        self.slider.valueChanged.connect(self._changed)
        self.slider.sliderReleased.connect(self._released)
        self.set_face_selected(False)

    def strength(self) -> float:
        return self.slider.value() / 100.0

    def set_strength(self, value: float) -> None:
        """Show a value without asking for anything (undo/redo, face change)."""
        self._silent = True
        self.slider.setValue(round(value * 100))
        self.value_label.setText(str(self.slider.value()))
        self._silent = False

    def set_face_selected(self, selected: bool) -> None:
        self.slider.setEnabled(selected)
        self.hint.setVisible(not selected)

    def _changed(self, v: int) -> None:
        self.value_label.setText(str(v))
        if self._silent:
            return
        self.previewRequested.emit(v / 100.0)
        if not self.slider.isSliderDown():  # keyboard, wheel or click on the groove
            self.commitRequested.emit(v / 100.0)

    def _released(self) -> None:
        self.commitRequested.emit(self.strength())
