"""History panel: the original and every applied edit in order, each with its parameters in
short; the edits that undo took back (and redo would give again) greyed. Clicking a row shows
that state: the session moves the history's cursor there, as undo / redo do step by step, so
an edit made after it drops the greyed rows."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QListWidget, QListWidgetItem

from inference import edits
from inference.edits import spec

MAX_PARAMS = 3            # a row names at most this many parameters
UNDONE_COLOR = QColor(140, 140, 140)


def _value_text(p: spec.Param, v: Any) -> str:
    if p.kind == spec.FLOAT:
        return f"{v:+.0f}{p.unit}" if p.unit else f"{v:.2f}"
    if p.kind == spec.INT:
        return f"{v}{p.unit}"
    if p.kind in (spec.PHOTO, spec.FILE):
        return str(v).replace("\\", "/").rsplit("/", 1)[-1]
    if p.kind == spec.CHOICES:
        return ",".join(v)
    return str(v)


def step_text(step, several_faces: bool = False) -> str:
    """A history row: the step's title and the parameters that differ from rest, in short
    ("Skin smoothing: strength 0.80", "Head turn: yaw +15°"), and the face it was made on when
    the photo has ``several_faces`` (or it was not face 0)."""
    if not step.changes_pixels:
        point = step.params.get("point")
        return step.title + (f" {point}" if point is not None else "")
    parts = []
    for p in edits.get(step.name).PARAMS:
        if p.kind == spec.MASK or p.name not in step.params:
            continue
        v = step.params[p.name]
        if v == p.rest or (isinstance(v, (list, tuple)) and not v):
            continue
        if isinstance(v, (list, tuple)) and p.kind == spec.FILE:     # points (the heal's spots kept)
            parts.append(f"{p.label.lower()} {len(v)}")
        elif p.kind == spec.BOOL:
            parts.append(p.label.lower())
        elif v is not None:
            parts.append(f"{p.label.lower()} {_value_text(p, v)}")
    more = len(parts) > MAX_PARAMS
    text = step.title + (": " + ", ".join(parts[:MAX_PARAMS]) + (", …" if more else "") if parts else "")
    return text + (f" (face {step.face_index})" if step.face_index > 0 or (several_faces and step.face_index == 0)
                   else "")


class HistoryPanel(QListWidget):
    DOCK = "right"
    TITLE = "History"
    stateChosen = Signal(int)     # the history state to show (0: the original)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("history")
        self.itemClicked.connect(lambda item: self.stateChosen.emit(self.row(item)))
        self.itemActivated.connect(lambda item: self.stateChosen.emit(self.row(item)))

    def show_history(self, doc) -> None:
        """The rows of ``doc``'s history (None: empty), the current state selected."""
        self.blockSignals(True)
        self.clear()
        if doc is not None:
            several = len(doc.faces(0) or []) > 1
            rows = ["Original"] + [step_text(s, several) for s in doc.steps]
            for i, text in enumerate(rows):
                item = QListWidgetItem(text)
                if i > doc.cursor:                # undone: redo would give it back
                    item.setForeground(QBrush(UNDONE_COLOR))
                    font = QFont(item.font())
                    font.setItalic(True)
                    item.setFont(font)
                item.setToolTip(text)
                self.addItem(item)
            self.setCurrentRow(doc.cursor)
            self.scrollToItem(self.currentItem())
        self.blockSignals(False)

    def rows(self) -> list[str]:
        return [self.item(i).text() for i in range(self.count())]

    def undone_rows(self) -> list[int]:
        return [i for i in range(self.count()) if self.item(i).foreground().color() == UNDONE_COLOR]
