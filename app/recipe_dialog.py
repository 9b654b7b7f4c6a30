"""File ▸ Export Recipe… (the document's applied edits as a recipe, inference/batch/recipe.py)
and File ▸ Apply Recipe to Folder… (``main.py batch`` on a thread of its own, with a progress
bar and Cancel; Cancel leaves only whole files: the batch's workers drop a photo being written).

What a recipe cannot carry is left out, each with a note: moved landmarks and painted masks
(a fill, a brushed heal) are pixels of this one photo, and so are a panel's settings that
no command takes (the spots kept from a heal: points on this photo).
"""
from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QProgressDialog

from inference import edits
from inference.edits.spec import MASK

AS_EDITED, LARGEST, ALL_FACES = "as edited", "largest", "all"
FACE_CHOICES = {"The same face number as here": AS_EDITED, "The largest face": LARGEST,
                "Every face": ALL_FACES}
RECIPE_FILTER = "Recipes (*.json);;All files (*)"


def _plain(value: Any) -> Any:
    """A parameter's value as JSON has it (tuples as lists, numpy scalars as numbers)."""
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    return value


def _setting_note(param, value: Any) -> str:
    """Why a setting made on this photo is not in the recipe."""
    if param.name == "keep":
        n = len(value)
        spots = "1 spot kept as it is (a point on this photo) does" if n == 1 else \
            f"{n} spots kept as they are (points on this photo) do"
        return f"{spots} not carry over: the recipe heals every blemish it finds"
    return f"{param.label.lower()} set here does not carry over (the command's default is used)"


def recipe_from_steps(steps: list, faces: str = AS_EDITED) -> tuple[list[dict[str, Any]], list[str]]:
    """Recipe steps for a document's applied steps (``doc.steps[:doc.cursor]``) and the notes
    on what was left out. A step that re-adjusts earlier ones (a slider dragged again) replaces
    them, as it does in the history. ``faces``: each step's own face number, "largest" or "all"."""
    out: list[tuple[int, dict[str, Any]]] = []   # (index of the step, recipe step)
    notes: list[str] = []
    for index, step in enumerate(steps):
        # computed from state base_state: it stands for every step from there on
        out = [(i, s) for i, s in out if i < step.base_state]
        if not step.changes_pixels:
            notes.append(f"step {index + 1} ({step.title}): landmarks moved on this photo do not carry over")
            continue
        edit = edits.get(step.name)
        if edit.CLI is None:
            notes.append(f"step {index + 1} ({step.title}): this edit has no command")
            continue
        masks = [p for p in edit.PARAMS if p.kind == MASK and step.params.get(p.name) is not None]
        if masks or any(p.kind == MASK for p in edit.PARAMS if p.name in edit.CLI.positional):
            notes.append(f"step {index + 1} ({step.title}): painted on this photo ({masks[0].label.lower() if masks else 'mask'}), "
                         "which does not carry over to others")
            continue
        data: dict[str, Any] = {"edit": edit.CLI.name}
        for p in edit.PARAMS:
            if p.kind == MASK or not (p.flag is not None or p.name in edit.CLI.positional):
                # not a parameter of the command (a panel-only setting): said when it was set
                value = step.params.get(p.name)
                empty = value is None or (isinstance(value, (list, tuple)) and not value)
                if not empty and not (isinstance(value, (bool, int, float, str)) and value == p.default):
                    notes.append(f"step {index + 1} ({step.title}): {_setting_note(p, value)}")
                continue
            value = step.params.get(p.name)
            if value is not None:   # not set here: the command's default, as the panel's
                data[p.name] = _plain(value)
        if edit.CLI.faces:
            data["face"] = {AS_EDITED: "largest" if step.face_index == 0 else step.face_index,
                            LARGEST: "largest", ALL_FACES: "all"}[faces]
        out.append((index, data))
    return [s for _, s in out], notes


def export_recipe(window, path: str | Path, faces: str = AS_EDITED) -> list[str] | None:
    """Write the window's document's recipe to ``path``; returns the notes (None: nothing
    written, the reason told)."""
    from inference.batch.recipe import RecipeError, parse_steps
    from inference.io import ImageWriteError, write_text
    doc = window.doc
    steps, notes = recipe_from_steps(doc.steps[:doc.cursor] if doc is not None else [], faces)
    if not steps:
        window.tell_error("Nothing to export", "No edit of this photo can go in a recipe."
                          + ("\n" + "\n".join(notes) if notes else ""))
        return None
    try:
        parse_steps(steps, Path(path).resolve().parent)   # what the batch will read back
        write_text(path, json.dumps(steps, indent=1) + "\n")
    except (RecipeError, ImageWriteError) as exc:
        window.tell_error("Cannot export the recipe", str(exc))
        return None
    window.message(f"Recipe of {len(steps)} step(s) written to {Path(path).name}"
                   + (f"; {len(notes)} left out" if notes else ""), 8000)
    if notes:
        window.tell_error("Some edits are not in the recipe", "\n".join(notes))
    return notes


def export_recipe_dialog(window) -> None:
    doc = window.doc
    if doc is None or doc.cursor == 0:
        window.tell_error("Nothing to export", "Edit a photo first: its edits make the recipe.")
        return
    choice, ok = QInputDialog.getItem(window, "Export Recipe", "Apply each edit to:", list(FACE_CHOICES), 0, False)
    if not ok:
        return
    start = doc.file_path.with_suffix(".recipe.json") if doc.file_path else Path("recipe.json")
    path, _ = QFileDialog.getSaveFileName(window, "Export Recipe", str(start), RECIPE_FILTER)
    if path:
        export_recipe(window, path, FACE_CHOICES[choice])


class _BatchThread(QThread):
    planned = Signal(int)
    photo_done = Signal(str, str, str)       # relative name, status, reason
    ended = Signal(object, str)              # counts (None on error), error message

    def __init__(self, recipe: str, in_dir: str, out_dir: str, jobs: int | None):
        super().__init__()
        self.args = (recipe, in_dir, out_dir, jobs)
        self.stop = threading.Event()

    def run(self) -> None:  # noqa: D401 (Qt override)
        from inference.batch.cli import run
        recipe, in_dir, out_dir, jobs = self.args
        try:
            counts = run(recipe, in_dir, out_dir, jobs=jobs, on_plan=lambda items: self.planned.emit(len(items)),
                         on_result=lambda it, r: self.photo_done.emit(it.rel, r["status"], r["reason"] or ""),
                         should_stop=self.stop.is_set)
        except Exception as exc:  # noqa: BLE001  (a bad recipe or folder, told in one line)
            self.ended.emit(None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            return
        self.ended.emit(counts, "")


class BatchRun(QObject):
    """A batch running in the background: a progress dialog (not modal: editing goes on) with
    Cancel. ``done``, ``failed`` and ``total`` follow it; ``finished`` is set at the end."""

    def __init__(self, window, recipe: str, in_dir: str, out_dir: str, jobs: int | None = None):
        super().__init__(window)
        self.window, self.out_dir = window, Path(out_dir)
        self.total, self.done, self.failed, self.reasons = 0, 0, 0, []
        self.counts: dict[str, int] | None = None
        self.cancelled = False
        self.finished = False
        self.dialog = QProgressDialog("Looking for photos…", "Cancel", 0, 0, window)
        self.dialog.setWindowTitle("Apply Recipe to Folder")
        self.dialog.setWindowModality(Qt.WindowModality.NonModal)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.setMinimumDuration(0)
        self.dialog.canceled.connect(self.cancel)
        self.thread = _BatchThread(recipe, in_dir, out_dir, jobs)
        self.thread.planned.connect(self._planned)
        self.thread.photo_done.connect(self._photo_done)
        self.thread.ended.connect(self._ended)
        app = QApplication.instance()
        if app is not None:   # quitting mid-batch: stop it (whole files only) before Qt goes
            app.aboutToQuit.connect(self.stop_and_wait)
        self.dialog.show()
        self.thread.start()

    def stop_and_wait(self) -> None:
        self.cancel()
        self.thread.wait()

    def cancel(self) -> None:
        """Stop after the photos being written (or drop them: no partial file either way)."""
        if not self.finished:
            self.cancelled = True
            self.thread.stop.set()
            self.dialog.setLabelText("Cancelling…")

    def _planned(self, total: int) -> None:
        self.total = total
        self.dialog.setRange(0, max(total, 1))
        self.dialog.setValue(0)
        self.dialog.setLabelText(f"0 of {total} photos")

    def _photo_done(self, rel: str, status: str, reason: str) -> None:
        self.done += 1
        if status != "done":
            self.failed += 1
            self.reasons.append(f"{rel}: {reason}")
        if not self.cancelled:
            self.dialog.setValue(self.done)
            self.dialog.setLabelText(f"{self.done} of {self.total} photos: {rel}")

    def _ended(self, counts, error: str) -> None:
        self.thread.wait()
        self.finished, self.counts = True, counts
        self.dialog.close()
        if counts is None:
            self.window.tell_error("Cannot apply the recipe", error)
            return
        report = self.out_dir / "batch-report.json"
        what = "Cancelled: " if self.cancelled else ""
        self.window.message(f"{what}{counts['done']} photo(s) done, {counts['skipped']} up to date, "
                            f"{counts['failed']} failed; report: {report}", 0)
        if counts["failed"]:
            shown = self.reasons[:8] + ([f"… and {len(self.reasons) - 8} more"] if len(self.reasons) > 8 else [])
            self.window.tell_error("Some photos failed", "\n".join(shown) + f"\n\nReport: {report}")


def apply_recipe(window, recipe: str | Path, in_dir: str | Path, out_dir: str | Path,
                 jobs: int | None = None) -> BatchRun | None:
    """Start the batch; None (the reason told) when the folders are refused as the command
    refuses them (the output folder is the photos' folder or holds it)."""
    from inference.batch.cli import check_folders
    from inference.cli import UserError
    try:
        check_folders(in_dir, out_dir)
    except UserError as exc:
        window.tell_error("Choose another folder", str(exc))
        return None
    run = BatchRun(window, str(recipe), str(in_dir), str(out_dir), jobs)
    window.batch_runs = [r for r in getattr(window, "batch_runs", []) if not r.finished] + [run]
    return run


def apply_recipe_dialog(window) -> None:
    recipe, _ = QFileDialog.getOpenFileName(window, "Recipe to apply", "", RECIPE_FILTER)
    if not recipe:
        return
    in_dir = QFileDialog.getExistingDirectory(window, "Folder of photos to edit")
    if not in_dir:
        return
    out_dir = QFileDialog.getExistingDirectory(window, "Folder for the edited photos")
    if out_dir:
        apply_recipe(window, recipe, in_dir, out_dir)


def add_recipe_actions(window) -> None:
    """The two File menu entries, above its Quit (main_window's one hook)."""
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.menu() and "File" in a.text())
    acts = file_menu.actions()
    quit_at = next((i for i, a in enumerate(acts) if "Quit" in a.text()), len(acts))
    before = acts[quit_at - 1] if quit_at and acts[quit_at - 1].isSeparator() else (acts[quit_at] if quit_at < len(acts) else None)
    window.act_export_recipe = QAction("Export &Recipe…", window)
    window.act_export_recipe.triggered.connect(lambda: export_recipe_dialog(window))
    window.act_apply_recipe = QAction("Apply Recipe to &Folder…", window)
    window.act_apply_recipe.triggered.connect(lambda: apply_recipe_dialog(window))
    if before is None:
        file_menu.addSeparator()
        file_menu.addActions([window.act_export_recipe, window.act_apply_recipe])
    else:
        file_menu.insertSeparator(before)
        file_menu.insertActions(before, [window.act_export_recipe, window.act_apply_recipe])
