"""Edits that share one dock: related edits (the skin's, the makeup's) sit in one dock under
headings, one above the other, so they are worked on side by side, and the right edge keeps
few enough tabs that their titles read in full on a 1280 px screen."""
from __future__ import annotations

from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

# edit name -> the dock it shares (edits not listed get a dock of their own, titled as the edit)
GROUPS: dict[str, str] = {
    "skin": "Skin", "retouch": "Skin",
    "makeup": "Makeup", "lips": "Makeup", "eyeshadow": "Makeup", "blush": "Makeup",
    "eyeliner": "Makeup", "lashes": "Makeup",
}


class GroupPanel(QWidget):
    """Several edit panels stacked, each under its edit's title; ``DOCK`` is the first one's."""

    def __init__(self, title: str):
        super().__init__()
        self.TITLE = title
        self.DOCK = "right"
        self.members: list[QWidget] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addStretch(1)

    def add(self, title: str, panel: QWidget) -> None:
        at = self._layout.count() - 1          # before the stretch
        if self.members:
            line = QFrame()
            line.setFrameShape(QFrame.Shape.HLine)
            line.setFrameShadow(QFrame.Shadow.Sunken)
            self._layout.insertWidget(at, line)
            at += 1
        heading = QLabel(f"<b>{title}</b>")
        heading.setContentsMargins(6, 4, 0, 0)
        self._layout.insertWidget(at, heading)
        self._layout.insertWidget(at + 1, panel)
        self.DOCK = getattr(self.members[0], "DOCK", "right") if self.members else getattr(panel, "DOCK", "right")
        self.members.append(panel)
