"""The window's menus, actions and toolbar: File (Open, Open Recent, Save, Save As), Edit,
View (zoom, overlays, Panels: every dock, closed ones come back from here), Help (Keyboard
Shortcuts). The actions call the window's slots; nothing here holds state of its own."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

from app import settings


def action(win, menu, text: str, slot, shortcut=None, checkable=False, checked=False,
           icon: str | None = None) -> QAction:
    a = QAction(text, win)
    if icon is not None:
        from app.icons import icon as load_icon
        a.setIcon(load_icon(icon))
    if shortcut is not None:
        a.setShortcut(QKeySequence(shortcut))
    a.setCheckable(checkable)
    if checkable:
        a.setChecked(checked)
        a.toggled.connect(slot)
    else:
        a.triggered.connect(slot)
    menu.addAction(a)
    return a


def build(win) -> None:
    """Menus and toolbar of ``win`` (a MainWindow); the actions become its act_* attributes."""
    mb = win.menuBar()
    f = mb.addMenu("&File")
    win.act_open = action(win, f, "&Open…", win.open_dialog, QKeySequence.StandardKey.Open, icon="open")
    win.recent_menu = f.addMenu("Open &Recent")
    win.recent_menu.aboutToShow.connect(lambda: fill_recent(win))
    fill_recent(win)
    f.addSeparator()
    win.act_save_file = action(win, f, "&Save", lambda: win.save(), QKeySequence.StandardKey.Save, icon="save")
    win.act_save = action(win, f, "Save &As / Export…", win.save_as_dialog, "Ctrl+Shift+S")
    f.addSeparator()
    action(win, f, "&Quit", win.close, QKeySequence.StandardKey.Quit)
    e = mb.addMenu("&Edit")
    win.act_undo = action(win, e, "&Undo", win.undo, QKeySequence.StandardKey.Undo, icon="undo")
    win.act_redo = action(win, e, "&Redo", win.redo, "Ctrl+Shift+Z", icon="redo")
    v = mb.addMenu("&View")
    c = win.canvas
    action(win, v, "Zoom &In", c.zoom_in, QKeySequence.StandardKey.ZoomIn)
    action(win, v, "Zoom &Out", c.zoom_out, QKeySequence.StandardKey.ZoomOut)
    action(win, v, "&Fit to Window", c.fit, "Ctrl+0")
    action(win, v, "Actual &Size", c.actual_size, "Ctrl+1")
    v.addSeparator()
    win.act_before = action(win, v, "Show &Original (before/after)", win.show_original,
                            "\\", checkable=True, icon="before-after")
    v.addSeparator()
    win.act_boxes = action(win, v, "Face &Boxes", lambda on: c.set_overlay_visible(boxes=on),
                           "B", checkable=True, checked=True)
    win.act_landmarks = action(win, v, "&Landmarks", lambda on: c.set_overlay_visible(landmarks=on),
                               "L", checkable=True, checked=True)
    win.act_parsing = action(win, v, "&Parsing", lambda on: c.set_overlay_visible(parsing=on),
                             "P", checkable=True, checked=True)
    v.addSeparator()
    win.panels_menu = v.addMenu("Pa&nels")
    for dock in sorted(win.all_docks(), key=lambda d: d.windowTitle()):
        win.panels_menu.addAction(dock.toggleViewAction())
    win.act_fill = action(win, e, "&Fill Mask", win.fill_mask, "Ctrl+Return", icon="fill")
    win.act_fill.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
    action(win, e, "Brush Smaller", lambda: win.step_brush(False), "[")
    action(win, e, "Brush Larger", lambda: win.step_brush(True), "]")
    h = mb.addMenu("&Help")
    action(win, h, "&Keyboard Shortcuts", lambda: show_shortcuts(win), "F1")
    tb = win.addToolBar("Main")
    tb.setObjectName("MainToolbar")
    for a in (win.act_open, win.act_save_file, win.act_undo, win.act_redo, win.act_before, win.act_fill):
        tb.addAction(a)


def fill_recent(win) -> None:
    menu: QMenu = win.recent_menu
    menu.clear()
    files = settings.recent_files()
    for i, path in enumerate(files):
        a = menu.addAction(f"&{i + 1} {Path(path).name}" if i < 9 else Path(path).name)
        a.setToolTip(path)
        a.setData(path)
        a.triggered.connect(lambda _=False, p=path: win.open_path(p))
    if files:
        menu.addSeparator()
        menu.addAction("Clear List", settings.clear_recent)
    menu.setEnabled(bool(files))


# the canvas's own keys, which are not menu actions
CANVAS_KEYS = [("Mouse wheel", "Zoom"), ("Space + drag, middle button", "Pan"),
               ("Click a face", "Select it (click elsewhere: deselect)")]


def shortcuts(win) -> list[tuple[str, str]]:
    """(keys, what) for every menu action with a shortcut, then the canvas's own."""
    rows = []
    for menu in win.menuBar().findChildren(QMenu):
        for a in menu.actions():
            keys = ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in a.shortcuts())
            if keys and not a.menu():
                rows.append((keys, a.text().replace("&", "").rstrip("…")))
    return list(dict.fromkeys(rows)) + CANVAS_KEYS


def show_shortcuts(win) -> None:
    text = "".join(f"<tr><td><b>{k}</b></td><td>&nbsp;&nbsp;{w}</td></tr>" for k, w in shortcuts(win))
    box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts", f"<table>{text}</table>",
                      QMessageBox.StandardButton.Close, win)
    box.open()
    win.last_message = box
