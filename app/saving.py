"""Saving from the editor: Save (Ctrl+S) writes to the document's file once a Save As gave it
one (before that it is a Save As); Save As asks for a name and, for JPEG / WebP, a quality
(the source's estimated quality, else 95); the original photo is replaced only after an
explicit yes. Unsaved edits, or a painted mask not filled yet, are never lost without asking
Save / Discard / Cancel. The photo's EXIF and ICC profile go with every save (the session's
save job writes ``like=`` the opened photo)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtWidgets import QFileDialog, QGridLayout, QLabel, QMessageBox, QSpinBox

from inference.io import WRITE_FORMATS, same_file

SAVE_FILTERS = {".png": "PNG (*.png)", ".jpg": "JPEG (*.jpg *.jpeg)", ".jpeg": "JPEG (*.jpg *.jpeg)",
                ".webp": "WebP (*.webp)", ".tif": "TIFF (*.tif *.tiff)", ".tiff": "TIFF (*.tif *.tiff)",
                ".bmp": "BMP (*.bmp)"}
SAVE_FILTER = ";;".join(dict.fromkeys(SAVE_FILTERS.values()))
FILTER_SUFFIX = {f: s for s, f in reversed(list(SAVE_FILTERS.items()))}   # first listed wins: .jpg, .tif
QUALITY_SUFFIXES = (".jpg", ".jpeg", ".webp")
DEFAULT_QUALITY = 95
UNSAVED, DISCARD, CANCEL = "save", "discard", "cancel"


def default_quality(photo) -> int:
    """What Save As offers for JPEG / WebP: the source's estimated quality, else 95."""
    return int(photo.quality) if getattr(photo, "quality", None) else DEFAULT_QUALITY


class SaveAsDialog(QFileDialog):
    """Qt's own file dialog (a native one cannot hold extra controls) with a quality box,
    used for JPEG and WebP."""

    def __init__(self, parent, suggested: str, quality: int):
        super().__init__(parent, "Save as / Export", suggested, SAVE_FILTER)
        self.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        self.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        self.quality = QSpinBox()
        self.quality.setRange(1, 100)
        self.quality.setValue(quality)
        self.quality.setToolTip("JPEG and WebP quality (1-100); other formats are lossless")
        lay = self.layout()
        if isinstance(lay, QGridLayout):
            row = lay.rowCount()
            lay.addWidget(QLabel("JPEG / WebP quality:"), row, 0)
            lay.addWidget(self.quality, row, 1)
        suffix = Path(suggested).suffix.lower()
        if suffix in SAVE_FILTERS:
            self.selectNameFilter(SAVE_FILTERS[suffix])
        # a name typed without a suffix takes the chosen filter's; the replace question is
        # asked here, on the name that will really be written (see accept)
        self.setOption(QFileDialog.Option.DontConfirmOverwrite, True)
        self.chosen: str | None = None

    def accept(self) -> None:
        # the filter chosen last (by the user or selectNameFilter) gives a bare name its suffix
        self.setDefaultSuffix(FILTER_SUFFIX.get(self.selectedNameFilter(), ".png").lstrip("."))
        files = self.selectedFiles()
        if not files or Path(files[0]).is_dir():
            super().accept()                       # a folder typed: the dialog goes into it
            return
        final = with_format_suffix(files[0], self.selectedNameFilter())
        if final.exists() and not self.confirm_replace(final):
            return                                 # Cancel: the dialog stays open
        self.chosen = str(final)
        super().accept()

    def confirm_replace(self, path: Path) -> bool:
        return ask_replace(self, path)


def with_format_suffix(path: str | Path, name_filter: str | None = None) -> Path:
    """``path`` as it will be written: a known image suffix kept, else the filter's (PNG when
    none) added after the name ("shot.v2" + JPEG: "shot.v2.jpg"), never replacing its end."""
    path = Path(path)
    if path.suffix.lower() in WRITE_FORMATS:
        return path
    return path.with_name(path.name + FILTER_SUFFIX.get(name_filter or "", ".png"))


def replace_question(path: Path) -> str:
    return f"{path.name} already exists in {path.parent}. Replace it?"


def ask_replace(parent, path: Path) -> bool:
    """Replace / Cancel (the default) before writing over an existing file."""
    b = QMessageBox.StandardButton
    box = QMessageBox(QMessageBox.Icon.Warning, "Replace file?", replace_question(path), b.Cancel, parent)
    replace = box.addButton("Replace", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(b.Cancel)
    box.exec()
    return box.clickedButton() is replace


def ask_save_path(parent, suggested: str, quality: int) -> tuple[str, int] | None:
    """The name to write (with its format's suffix; an existing file confirmed) and the
    quality, or None on Cancel."""
    dialog = SaveAsDialog(parent, suggested, quality)
    if dialog.exec() != QFileDialog.DialogCode.Accepted or dialog.chosen is None:
        return None
    return dialog.chosen, dialog.quality.value()


def ask_unsaved(parent, text: str) -> str:
    """Save / Discard / Cancel: UNSAVED, DISCARD or CANCEL."""
    b = QMessageBox.StandardButton
    answer = QMessageBox.warning(parent, "Unsaved changes", text, b.Save | b.Discard | b.Cancel, b.Save)
    return {b.Save: UNSAVED, b.Discard: DISCARD}.get(answer, CANCEL)


class Saver:
    """The window's saving. ``win`` gives doc, session, ask(), ask_save_path(), ask_unsaved(),
    has_unsaved(), unsaved_text() and saved() (told after each save)."""

    def __init__(self, win):
        self.win = win
        self.quality: int | None = None   # what Save As chose for this document (Ctrl+S keeps it)

    def reset(self) -> None:
        self.quality = None

    def save(self, then: Callable[[], None] | None = None) -> None:
        doc = self.win.doc
        if doc is None:
            return
        if doc.saved_path is not None:
            self.save_to(doc.saved_path, self.quality, then)
        else:
            self.save_as(then)

    def suggested_name(self) -> str:
        doc = self.win.doc
        if doc.saved_path is not None:
            return str(doc.saved_path)
        src = doc.path
        if src is None:
            return "edited.png"
        ext = src.suffix.lower() if src.suffix.lower() in WRITE_FORMATS else ".png"
        return str(src.with_name(f"{src.stem}-edited{ext}"))

    def save_as(self, then: Callable[[], None] | None = None) -> None:
        doc = self.win.doc
        if doc is None:
            return
        answer = self.win.ask_save_path(self.suggested_name(), self.quality or default_quality(doc.photo))
        if answer is None:
            return
        path, quality = answer
        if Path(path).suffix.lower() in QUALITY_SUFFIXES:
            self.quality = quality
        self.save_to(path, quality, then)

    def save_to(self, path: str | Path, quality: int | None = None,
                then: Callable[[], None] | None = None) -> bool:
        """Write the current image to ``path`` (asks before replacing the opened original);
        ``quality`` is used for JPEG / WebP only (None: the source's own, else 95)."""
        doc = self.win.doc
        if doc is None:
            return False
        asked = Path(path)
        path = with_format_suffix(asked)
        if path != asked and path.exists() and not self.win.ask("Replace file?", replace_question(path)):
            return False                           # a name given without a suffix: never over a file silently
        replacing_original = doc.path is not None and path.exists() and same_file(path, doc.path)
        said_yes_before = doc.saved_path is not None and path.exists() and same_file(path, doc.saved_path)
        if replacing_original and not said_yes_before and not self.win.ask(
                "Overwrite original?", f"{path.name} is the original photo. Replace it with the edited image?"):
            return False
        q = quality if path.suffix.lower() in QUALITY_SUFFIXES else None
        mask = self.win.mask
        revision = mask.revision if mask is not None else None   # the mask as it was asked to be kept

        def done(p) -> None:
            self.win.saved(p, revision)
            if then is not None:
                then()
        self.win.session.save(path, q, on_done=done)
        return True

    def settle_unsaved(self, then: Callable[[], None]) -> bool:
        """Before unsaved work would be lost: True to go on now (nothing unsaved, or Discard);
        False on Cancel, or on Save, which saves first and calls ``then`` once saved."""
        if not self.win.has_unsaved():
            return True
        answer = self.win.ask_unsaved(self.win.unsaved_text())
        if answer == DISCARD:
            return True
        if answer == UNSAVED:
            self.save(then)
        return False
