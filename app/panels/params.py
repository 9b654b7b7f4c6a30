"""The generic edit panel, built from an edit's PARAMS: a slider (with its unit) per number, a
checkbox per yes/no, a list per choice, a colour button, a photo picker with a thumbnail.

Dragging a slider asks for live previews; releasing it (or a keyboard step, or any other
control's change) commits one undoable edit with every parameter's current value.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import (QCheckBox, QColorDialog, QComboBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QPushButton, QSlider, QVBoxLayout, QWidget)

from inference.edits import spec
from inference.edits.spec import Param

THUMB = 64


class _Slider(QWidget):
    """A number as slider positions: value = position x step."""
    changed = Signal(bool)   # final (not mid-drag)

    def __init__(self, p: Param):
        super().__init__()
        self.p, self.step = p, float(p.step or (1 if p.kind == spec.INT else 0.01))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName(p.name)
        self.label = QLabel()
        self.label.setMinimumWidth(36)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.slider, 1)
        row.addWidget(self.label)
        self._silent = False
        self.set_limits(*p.range)
        self.slider.setPageStep(max(1, (self.slider.maximum() - self.slider.minimum()) // 10))
        self.set_value(p.rest)
        self.slider.valueChanged.connect(self._moved)
        self.slider.sliderReleased.connect(lambda: self.changed.emit(True))

    def _text(self, position: int) -> str:
        return f"{position * self.step:+.0f}{self.p.unit}" if self.p.unit else str(position)

    def value(self) -> float | int:
        v = round(self.slider.value() * self.step, 6)  # 70 * 0.01 is 0.7, not 0.7000000000000001
        return int(v) if self.p.kind == spec.INT else v

    def set_value(self, value: float) -> None:
        self._silent = True
        self.slider.setValue(round(float(value) / self.step))
        self.label.setText(self._text(self.slider.value()))
        self._silent = False

    def set_limits(self, lo: float, hi: float) -> None:
        self._silent = True
        self.slider.setRange(int(np.ceil(lo / self.step - 1e-9)), int(np.floor(hi / self.step + 1e-9)))
        self.label.setText(self._text(self.slider.value()))
        self._silent = False

    def _moved(self, v: int) -> None:
        self.label.setText(self._text(v))
        if not self._silent:
            self.changed.emit(not self.slider.isSliderDown())  # keyboard, wheel, groove: final


class _Checks(QWidget):
    """Any of several choices: a checkbox each (at least one stays on)."""
    changed = Signal(tuple)

    def __init__(self, p: Param):
        super().__init__()
        self.p = p
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.boxes = {o: QCheckBox(o) for o in p.options()}
        for o, b in self.boxes.items():
            b.setObjectName(f"{p.name}_{o}")
            row.addWidget(b)
            b.toggled.connect(self._toggled)
        self._silent = False
        self.set_value(p.rest)

    def value(self) -> tuple:
        return tuple(o for o, b in self.boxes.items() if b.isChecked())

    def set_value(self, value) -> None:
        self._silent = True
        for o, b in self.boxes.items():
            b.setChecked(o in (value or ()))
        self._silent = False

    def _toggled(self, on: bool) -> None:
        if self._silent:
            return
        if not self.value():          # the last one stays on: an empty set would change nothing
            self.set_value(self.p.rest)
        self.changed.emit(self.value())


class _FileButton(QPushButton):
    """A file parameter's button: click to choose, or drop a file from the desktop on it."""
    dropped = Signal(str)

    def __init__(self, text: str):
        super().__init__(text)
        self.setAcceptDrops(True)

    @staticmethod
    def _local_file(event) -> str | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if len(urls) != 1 or not urls[0].isLocalFile():
            return None
        return urls[0].toLocalFile() or None

    def dragEnterEvent(self, event) -> None:
        if self.isEnabled() and self._local_file(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        path = self._local_file(event)
        if path:
            event.acceptProposedAction()
            self.dropped.emit(path)


class ParamsPanel(QWidget):
    """Controls for one edit's parameters. Signals carry the whole parameter dict."""
    previewRequested = Signal(dict)
    commitRequested = Signal(dict)
    DOCK = "right"

    def __init__(self, edit, parent=None):
        super().__init__(parent)
        self.edit = edit
        self.params = [p for p in edit.PARAMS if p.gui]
        self.sliders: dict[str, QSlider] = {}
        self._controls: dict[str, Any] = {}
        self._rows: dict[str, QWidget] = {}
        self._values: dict[str, Any] = {p.name: p.rest for p in self.params}
        self._silent = False
        form = QFormLayout()
        for p in self.params:
            form.addRow(p.label + (f" ({p.unit})" if p.unit and p.kind not in (spec.FLOAT, spec.INT) else ""),
                        self._control(p))
        self.hint = QLabel("Click a face to edit it.")
        self.hint.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.hint)
        lay.addStretch(1)
        self.set_face_selected(False)

    # -- controls -------------------------------------------------------------------------
    def _control(self, p: Param) -> QWidget:
        if p.kind in (spec.FLOAT, spec.INT):
            w = _Slider(p)
            w.changed.connect(lambda final, p=p, w=w: self._set(p.name, w.value(), final))
            self.sliders[p.name] = w.slider
        elif p.kind == spec.BOOL:
            w = QCheckBox()
            w.setChecked(bool(p.rest))
            w.toggled.connect(lambda on, p=p: self._set(p.name, on, True))
        elif p.kind == spec.CHOICE:
            w = QComboBox()
            w.addItems(p.options())
            w.setCurrentText(str(p.rest))
            w.currentTextChanged.connect(lambda t, p=p: self._set(p.name, t, True))
        elif p.kind == spec.CHOICES:
            w = _Checks(p)
            w.changed.connect(lambda v, p=p: self._set(p.name, v, True))
        elif p.kind == spec.COLOUR:
            w = QPushButton(p.rest or "Colour…")
            w.clicked.connect(lambda _=False, p=p: self._pick_colour(p))
            row = self._colour_row(p, w)
        elif p.kind in (spec.PHOTO, spec.FILE):
            w = _FileButton("Choose…")
            w.setIconSize(QSize(THUMB, THUMB))
            w.clicked.connect(lambda _=False, p=p: self._pick_file(p))
            w.dropped.connect(lambda path, p=p: self._set(p.name, path, True))
        else:
            raise ValueError(f"{p.name}: a {p.kind} parameter needs a panel of its own")
        w.setObjectName(f"{self.edit.NAME}_{p.name}")
        w.setToolTip(p.help)
        self._controls[p.name] = w
        return row if p.kind == spec.COLOUR else w

    def _colour_row(self, p: Param, button: QPushButton) -> QWidget:
        """The colour button and under it a swatch per preset, and a clear button when the
        colour is optional (on one line they made the brows' and lips' panels wider than their
        docks: the last swatches were cut off)."""
        row = QWidget()
        col = QVBoxLayout(row)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(3)
        col.addWidget(button)
        lay = QHBoxLayout()
        lay.setSpacing(3)
        col.addLayout(lay)
        for hexa in p.options():
            b = QPushButton()
            b.setFixedSize(20, 20)
            b.setToolTip(hexa)
            b.setObjectName(f"{self.edit.NAME}_{p.name}_{hexa.lstrip('#')}")
            b.setStyleSheet(f"background-color: {hexa}; border: 1px solid #888;")
            b.clicked.connect(lambda _=False, p=p, h=hexa: self._set(p.name, h, True))
            lay.addWidget(b)
        if p.default is None:
            clear = QPushButton("×")
            clear.setFixedSize(20, 20)
            clear.setToolTip("no colour change")
            clear.clicked.connect(lambda _=False, p=p: self._set(p.name, None, True))
            lay.addWidget(clear)
        lay.addStretch(1)
        self._rows[p.name] = row
        return row

    def _pick_colour(self, p: Param) -> None:
        c = QColorDialog.getColor(QColor(self._values.get(p.name) or "#000000"), self, p.label)
        if c.isValid():
            self._set(p.name, c.name(), True)

    def _pick_file(self, p: Param) -> None:
        filt = "Photos (*.jpg *.jpeg *.png *.webp *.tif *.tiff *.bmp)" if p.kind == spec.PHOTO else "All files (*)"
        path, _ = QFileDialog.getOpenFileName(self, p.label, "", filt)
        if path:
            self._set(p.name, path, True)

    def _show(self, name: str, value: Any) -> None:
        w = self._controls[name]
        p = next(q for q in self.params if q.name == name)
        if isinstance(w, (_Slider, _Checks)):
            w.set_value(value)
        elif isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QComboBox):
            w.setCurrentText(str(value))
        elif p.kind == spec.COLOUR:
            w.setText(value or "Colour…")
            w.setStyleSheet(f"background-color: {value};" if value else "")
        elif p.kind in (spec.PHOTO, spec.FILE):
            name_only = str(value).rsplit("/", 1)[-1] if value else "Choose…"
            w.setText(name_only)
            if p.kind == spec.PHOTO and value:
                pm = QPixmap(str(value))
                if not pm.isNull():
                    from PySide6.QtGui import QIcon
                    w.setIcon(QIcon(pm.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.SmoothTransformation)))

    # -- state ----------------------------------------------------------------------------
    def _set(self, name: str, value: Any, final: bool) -> None:
        self._values[name] = value
        if self._silent:
            return
        if not isinstance(self._controls[name], _Slider):
            self._silent = True
            self._show(name, value)
            self._silent = False
        self.previewRequested.emit(self.values())
        if final:
            self.commitRequested.emit(self.values())

    def values(self) -> dict[str, Any]:
        out = dict(self._values)
        for name, w in self._controls.items():
            if isinstance(w, _Slider):
                out[name] = w.value()   # what the slider shows, also once its range clamped it
        return out

    def value(self, name: str | None = None) -> Any:
        """One parameter's value (the only one when the panel has one)."""
        return self.values()[name or self.params[0].name]

    def set_values(self, values: dict[str, Any]) -> None:
        """Show values without asking for anything (undo/redo, face change)."""
        self._silent = True
        for p in self.params:
            if p.name in values:
                self._values[p.name] = values[p.name]
                self._show(p.name, values[p.name])
        self._silent = False

    def set_limits(self, narrowed: dict[str, tuple[float, float]]) -> None:
        """Narrow (or restore) what the sliders reach, e.g. to what one face takes."""
        for p in self.params:
            w = self._controls[p.name]
            if isinstance(w, _Slider):
                w.set_limits(*narrowed.get(p.name, p.range))

    def set_face_selected(self, selected: bool) -> None:
        for name, w in self._controls.items():
            self._rows.get(name, w).setEnabled(selected)
        self.hint.setVisible(not selected)
