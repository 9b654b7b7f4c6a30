"""A one-slider edit panel (skin smoothing strength, head-turn angle): dragging asks for live
previews; releasing (or a keyboard step) commits one undoable edit."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget


class AdjustPanel(QWidget):
    previewRequested = Signal(float)
    commitRequested = Signal(float)

    def __init__(self, label: str, minimum: int, maximum: int, scale: float = 1.0, unit: str = "",
                 name: str = "", parent=None):
        """Slider positions minimum..maximum map to values position * scale."""
        super().__init__(parent)
        self.scale, self.unit = scale, unit
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(minimum, maximum)
        self.slider.setPageStep(max(1, (maximum - minimum) // 10))
        self.slider.setObjectName(name)
        self.value_label = QLabel(self._text(0))
        self.value_label.setMinimumWidth(36)
        self.hint = QLabel("Click a face to edit it.")
        self.hint.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(QLabel(label))
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

    def _text(self, position: int) -> str:
        v = position * self.scale
        return f"{v:+.0f}{self.unit}" if self.unit else str(position)

    def _at(self, position: int) -> float:
        return round(position * self.scale, 6)  # 70 * 0.01 is 0.7, not 0.7000000000000001

    def value(self) -> float:
        return self._at(self.slider.value())

    def set_value(self, value: float) -> None:
        """Show a value without asking for anything (undo/redo, face change)."""
        self._silent = True
        self.slider.setValue(round(value / self.scale))
        self.value_label.setText(self._text(self.slider.value()))
        self._silent = False

    def set_limits(self, minimum: float, maximum: float) -> None:
        """Narrow (or restore) the values the slider reaches, e.g. to what one face takes."""
        self._silent = True
        self.slider.setRange(int(np.ceil(minimum / self.scale - 1e-9)), int(np.floor(maximum / self.scale + 1e-9)))
        self.value_label.setText(self._text(self.slider.value()))
        self._silent = False

    def set_face_selected(self, selected: bool) -> None:
        self.slider.setEnabled(selected)
        self.hint.setVisible(not selected)

    def _changed(self, v: int) -> None:
        self.value_label.setText(self._text(v))
        if self._silent:
            return
        self.previewRequested.emit(self._at(v))
        if not self.slider.isSliderDown():  # keyboard, wheel or click on the groove
            self.commitRequested.emit(self._at(v))

    def _released(self) -> None:
        self.commitRequested.emit(self.value())
