"""Parsing legend: a colour swatch and a visibility toggle per class, and the overlay's opacity."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QSlider, QWidget

from inference.parsing import CLASS_COLORS, CLASS_NAMES


class LegendPanel(QWidget):
    visibilityChanged = Signal(object)  # set of visible class ids
    opacityChanged = Signal(float)      # the parsing overlay's opacity, 0..1

    def __init__(self, parent=None):
        super().__init__(parent)
        grid = QGridLayout(self)
        # the opacity first and the classes in two columns: the legend shares the Face dock,
        # a few lines tall, where one column of 13 classes hid the slider below the fold
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(100)
        self.opacity.setToolTip("How strongly the parsing colours cover the photo")
        self.opacity.valueChanged.connect(lambda v: self.opacityChanged.emit(v / 100))
        grid.addWidget(QLabel("Overlay opacity"), 0, 0, 1, 2)
        grid.addWidget(self.opacity, 0, 2, 1, 2)
        self.boxes: dict[int, QCheckBox] = {}
        classes = list(range(1, len(CLASS_NAMES)))
        half = (len(classes) + 1) // 2
        for i, cls in enumerate(classes):
            swatch = QPixmap(14, 14)
            swatch.fill(QColor(*CLASS_COLORS[cls].tolist()))
            icon = QLabel()
            icon.setPixmap(swatch)
            box = QCheckBox(CLASS_NAMES[cls])
            box.setChecked(True)
            box.toggled.connect(self._emit)
            row, col = 1 + i % half, 2 * (i // half)
            grid.addWidget(icon, row, col)
            grid.addWidget(box, row, col + 1)
            self.boxes[cls] = box
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        grid.setRowStretch(1 + half, 1)

    def visible_classes(self) -> set[int]:
        return {c for c, b in self.boxes.items() if b.isChecked()}

    def _emit(self) -> None:
        self.visibilityChanged.emit(self.visible_classes())
