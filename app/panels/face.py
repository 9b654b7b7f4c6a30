"""Face panel: the selected face's pose and fit, and landmark editing (drag a point on the
canvas; the face is parsed again)."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QPushButton, QVBoxLayout, QWidget


class FacePanel(QWidget):
    editLandmarksToggled = Signal(bool)
    resetRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.info = QLabel("No face selected.")
        self.info.setWordWrap(True)
        self.hover = QLabel("")
        self.edit = QCheckBox("Edit landmarks (drag a point)")
        self.edit.toggled.connect(self.editLandmarksToggled)
        self.reset = QPushButton("Reset landmarks")
        self.reset.clicked.connect(self.resetRequested)
        lay = QVBoxLayout(self)
        for w in (self.info, self.hover, self.edit, self.reset):
            lay.addWidget(w)
        lay.addStretch(1)
        self.show_face(None)

    def show_face(self, face, index: int | None = None, nudged: bool = False) -> None:
        self.edit.setEnabled(face is not None)
        self.reset.setEnabled(face is not None and nudged)
        if face is None:
            self.info.setText("No face selected.")
            return
        p = face.pose
        text = (f"Face {index}: {face.width:.0f}×{face.height:.0f} px, score {face.score:.2f}\n"
                f"yaw {p.yaw:+.1f}°  pitch {p.pitch:+.1f}°  roll {p.roll:+.1f}°")
        if face.uncertain:
            text += "\nThe head is turned far away: the fit is uncertain; check the landmarks."
        if nudged:
            text += "\nLandmarks adjusted by hand."
        self.info.setText(text)

    def show_hover(self, text: str) -> None:
        self.hover.setText(text)
