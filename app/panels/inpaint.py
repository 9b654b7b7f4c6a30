"""Inpaint panel: mask tools (brush, eraser, lasso, a parsing class), mask display, engine
choice, the Fill button (Ctrl+Enter) and, after a Fill, its choices: three thumbnails to pick
from and "Fill again" (app/fill_choices.py computes them)."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QColorDialog, QComboBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QProgressBar, QPushButton, QSlider, QSpinBox, QToolButton,
                               QVBoxLayout, QWidget)

from inference.inpaint import ENGINES
from inference.parsing import CLASS_NAMES

TOOLS = ("select", "brush", "eraser", "lasso")


class InpaintPanel(QWidget):
    DOCK = "left"
    TITLE = "Inpaint"
    toolChanged = Signal(str)
    brushChanged = Signal(float, float)      # size (px), hardness (0..1)
    overlayChanged = Signal(QColor, float)   # colour, opacity
    addClassRequested = Signal(int)
    clearRequested = Signal()
    fillRequested = Signal()
    choicePicked = Signal(int)               # a Fill's variant, by index
    fillAgainRequested = Signal()
    choicesCancelRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.tool_buttons: dict[str, QPushButton] = {}
        self._group = QButtonGroup(self)
        for t in TOOLS:
            b = QPushButton(t.capitalize())
            if t != "select":
                from app.icons import icon
                b.setIcon(icon(t))
            b.setCheckable(True)
            b.setObjectName(f"tool_{t}")
            self._group.addButton(b)
            self.tool_buttons[t] = b
            row.addWidget(b)
            b.toggled.connect(lambda on, t=t: on and self.toolChanged.emit(t))
        self.tool_buttons["select"].setChecked(True)
        lay.addLayout(row)

        form = QFormLayout()
        self.size = QSlider(Qt.Orientation.Horizontal)
        self.size.setRange(1, 400)
        self.size.setValue(30)
        self.size_label = QLabel("30 px")
        self.hardness = QSlider(Qt.Orientation.Horizontal)
        self.hardness.setRange(0, 100)
        self.hardness.setValue(100)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(10, 100)
        self.opacity.setValue(50)
        self.colour = QColor(255, 40, 80)
        self.colour_button = QPushButton("Mask colour…")
        self.colour_button.clicked.connect(self._pick_colour)
        size_row = QHBoxLayout()
        size_row.addWidget(self.size, 1)
        size_row.addWidget(self.size_label)
        form.addRow("Size ([ ])", size_row)
        form.addRow("Hardness", self.hardness)
        form.addRow("Mask opacity", self.opacity)
        form.addRow("", self.colour_button)
        lay.addLayout(form)
        for s in (self.size, self.hardness):
            s.valueChanged.connect(self._brush)
        self.opacity.valueChanged.connect(lambda _: self.overlayChanged.emit(self.colour, self.opacity.value() / 100))

        cls_row = QHBoxLayout()
        self.class_combo = QComboBox()
        for i, n in enumerate(CLASS_NAMES[1:], start=1):
            self.class_combo.addItem(n, i)
        self.add_class = QPushButton("Add to mask")
        self.add_class.clicked.connect(lambda: self.addClassRequested.emit(self.class_combo.currentData()))
        cls_row.addWidget(self.class_combo, 1)
        cls_row.addWidget(self.add_class)
        lay.addWidget(QLabel("Mask from the selected face's parsing:"))
        lay.addLayout(cls_row)
        self.clear = QPushButton("Clear mask")
        self.clear.clicked.connect(self.clearRequested)
        lay.addWidget(self.clear)

        eng = QFormLayout()
        self.engine = QComboBox()
        for name in ENGINES:
            self.engine.addItem(name)
        self.model_button = QPushButton("Model file…")
        self.model_button.clicked.connect(self._pick_model)
        self.model_path: str | None = None
        self.trust_model = False
        self.seed = QSpinBox()
        self.seed.setRange(0, 1_000_000)
        self.skin_only = QCheckBox("Fill from the selected face's skin only")
        eng.addRow("Engine", self.engine)
        eng.addRow("LaMa weights", self.model_button)
        eng.addRow("Seed", self.seed)
        lay.addLayout(eng)
        lay.addWidget(self.skin_only)
        self.fill = QPushButton("Fill (Ctrl+Enter)")
        self.fill.clicked.connect(self.fillRequested)
        lay.addWidget(self.fill)
        self._build_choices(lay)
        lay.addStretch(1)
        self.engine.currentTextChanged.connect(lambda e: self.model_button.setEnabled(e == "lama"))
        self.model_button.setEnabled(False)

    def values(self) -> dict:
        """The fill's parameters (inference.edits.inpaint.PARAMS) as the panel sets them."""
        v = {"engine": self.engine.currentText(), "seed": self.seed.value(),
             "skin_only": self.skin_only.isChecked()}
        if v["engine"] == "lama":
            v["model"] = self.model_path
            v["trust_model"] = self.trust_model
        return v

    # -- the Fill's choices ---------------------------------------------------------------------
    def _build_choices(self, lay: QVBoxLayout) -> None:
        from app.fill_choices import COUNT, THUMB_PX
        self.choices_label = QLabel("Choices (click one to use it):")
        lay.addWidget(self.choices_label)
        row = QHBoxLayout()
        self.choice_buttons: list[QToolButton] = []
        self._choice_group = QButtonGroup(self)
        for i in range(COUNT):
            b = QToolButton()
            b.setObjectName(f"choice_{i}")
            b.setCheckable(True)
            b.setIconSize(QSize(THUMB_PX, THUMB_PX))
            b.setToolTip(f"Variant {i + 1}")
            b.clicked.connect(lambda _=False, i=i: self.choicePicked.emit(i))
            self._choice_group.addButton(b)
            self.choice_buttons.append(b)
            row.addWidget(b)
        row.addStretch(1)
        lay.addLayout(row)
        busy = QHBoxLayout()
        self.choices_progress = QProgressBar()
        self.choices_progress.setRange(0, 100)
        self.choices_cancel = QPushButton("Cancel")
        self.choices_cancel.clicked.connect(self.choicesCancelRequested)
        busy.addWidget(self.choices_progress, 1)
        busy.addWidget(self.choices_cancel)
        lay.addLayout(busy)
        self.fill_again = QPushButton("Fill again")
        self.fill_again.setToolTip("Fill the same mask with the next seeds: three new choices")
        self.fill_again.clicked.connect(self.fillAgainRequested)
        lay.addWidget(self.fill_again)
        self.show_choices([], -1)
        self.set_choices_busy(False)
        self.set_fill_again_enabled(False)

    def show_choices(self, thumbs: list, chosen: int) -> None:
        """The thumbnails (RGB arrays; None: still being filled; none: the row hidden)."""
        self.choices_label.setVisible(bool(thumbs))
        for i, b in enumerate(self.choice_buttons):
            t = thumbs[i] if i < len(thumbs) else None
            b.setVisible(bool(thumbs))
            b.setEnabled(t is not None)
            if t is None:
                b.setIcon(QIcon())
                b.setText("…")
            else:
                h, w = t.shape[:2]
                img = QImage(t.tobytes(), w, h, 3 * w, QImage.Format.Format_RGB888).copy()
                b.setIcon(QIcon(QPixmap.fromImage(img)))
                b.setText("")
        self.set_chosen(chosen)

    def set_chosen(self, index: int) -> None:
        self._choice_group.setExclusive(False)
        for i, b in enumerate(self.choice_buttons):
            b.setChecked(i == index)
        self._choice_group.setExclusive(True)

    def choice_count(self) -> int:
        """How many choices are ready to pick."""
        return sum(not b.isHidden() and b.isEnabled() for b in self.choice_buttons)

    def set_choices_busy(self, busy: bool) -> None:
        self.choices_progress.setValue(0)
        self.choices_progress.setVisible(busy)
        self.choices_cancel.setVisible(busy)

    def set_choices_progress(self, fraction: float) -> None:
        self.choices_progress.setValue(int(100 * fraction))

    def set_fill_again_enabled(self, on: bool) -> None:
        self.fill_again.setEnabled(on)

    def tool(self) -> str:
        return next(t for t, b in self.tool_buttons.items() if b.isChecked())

    def set_tool(self, tool: str) -> None:
        self.tool_buttons[tool].setChecked(True)

    def brush(self) -> tuple[float, float]:
        return float(self.size.value()), self.hardness.value() / 100

    def step_size(self, up: bool) -> None:
        v = self.size.value()
        step = max(1, v // 8)
        self.size.setValue(v + step if up else max(1, v - step))

    def _brush(self) -> None:
        self.size_label.setText(f"{self.size.value()} px")
        self.brushChanged.emit(*self.brush())

    def _pick_colour(self) -> None:
        c = QColorDialog.getColor(self.colour, self, "Mask colour")
        if c.isValid():
            self.colour = c
            self.overlayChanged.emit(self.colour, self.opacity.value() / 100)

    def _pick_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "LaMa weights", "",
                                              "Weights (*.safetensors *.pt *.pth *.ckpt);;All (*)")
        if path:
            self.set_model(path)

    def set_model(self, path: str) -> bool:
        """Use these weights. A TorchScript file is code as well as weights: it is used only
        once the user, asked by name, says its source is trusted."""
        from inference.inpaint import lama
        trust = False
        if lama.is_torchscript(path):
            name = path.rsplit("/", 1)[-1]
            if not self.confirm("Run this model's code?",
                                f"{name} is a TorchScript file: loading and running it runs code written into "
                                f"the file, which can read or change your files. Use it only if you trust where "
                                f"it came from. Safer: convert it once with\n\n"
                                f"python -m inference.inpaint.convert_lama {name} "
                                f"{name.rsplit('.', 1)[0]}.safetensors\n\nRun {name} anyway?"):
                return False
            trust = True
        self.model_path, self.trust_model = path, trust
        self.model_button.setText(path.rsplit("/", 1)[-1] + (" (trusted code)" if trust else ""))
        return True

    def confirm(self, title: str, text: str) -> bool:  # overridable in tests
        from PySide6.QtWidgets import QMessageBox
        return QMessageBox.question(self, title, text) == QMessageBox.StandardButton.Yes
