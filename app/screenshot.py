"""Offscreen screenshots of the editor for documentation, at 1280x720 with a face selected and
the History panel open; settings go to a temporary folder (the user's are never touched).

    QT_QPA_PLATFORM=offscreen python -m app.screenshot docs/screenshot.jpg [STRENGTH]
        the sample portrait, skin smoothed, parsing shown
    QT_QPA_PLATFORM=offscreen python -m app.screenshot --history docs/screenshot-history.jpg
        several edits (skin, lip colour, a landmark moved, a head turn) with the last undone"""
from __future__ import annotations

import sys
import tempfile
import time

from PySide6.QtCore import QEvent, QSettings
from PySide6.QtWidgets import QApplication

SIZE = (1280, 720)


def _wait(app: QApplication, cond, timeout: float = 120.0) -> None:
    end = time.time() + timeout
    while not cond():
        if time.time() > end:
            raise TimeoutError("the editor did not get there in time")
        app.processEvents()
        # what app.exec() does between events and processEvents() does not: the objects Qt
        # let go (deleteLater) are deleted, e.g. the tab bar the dock layout first made for the
        # Face / Legend tabs, which stayed in the shot as a strip over the docks
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        time.sleep(0.01)


def _window(app: QApplication):
    from app.main_window import MainWindow
    from inference.sample import sample_photo_path
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    w = MainWindow()
    w.resize(*SIZE)
    w.show()
    w.open_path(str(sample_photo_path()))
    _wait(app, lambda: w.doc is not None and w.doc.faces() is not None)
    w.history_dock.raise_()
    w.select_face(0)
    return w


def _commit(app, w, name: str, values: dict) -> None:
    n = w.doc.cursor
    getattr(w.panels[name], "set_values", lambda v: None)(values)
    w.commit(name, values)
    _wait(app, lambda: w.doc.cursor == n + 1)


def _save(app, w, out: str) -> None:
    _wait(app, lambda: not w.worker.busy())
    app.processEvents()
    w.grab().save(out, quality=90)
    w.doc = None  # nothing to confirm on close
    w.close()


def main(out: str, strength: float = 0.8) -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    w = _window(app)
    _commit(app, w, "skin", {"strength": strength})
    _wait(app, lambda: w.canvas.overlays_visible()["parsing"])
    w.canvas.set_zoom(1.6)
    w.canvas.centerOn(*w.doc.faces()[0].centre)
    _save(app, w, out)


def history(out: str) -> None:
    """A history of four steps, the last undone (greyed), the parsing at half opacity."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    w = _window(app)
    _commit(app, w, "skin", {"strength": 0.7})
    _commit(app, w, "lips", {"color": "#a0304a", "amount": 0.6})
    from inference.faces import with_landmark_moved
    w.session.replace_selected_face(lambda f: with_landmark_moved(f, 8, (0.0, 6.0)), "landmarks", {"point": 8})
    _commit(app, w, "rotate", {"yaw": 12.0})
    _wait(app, lambda: w.doc.faces() is not None)
    w.undo()
    w.legend.opacity.setValue(50)
    _wait(app, lambda: w.canvas.overlays_visible()["parsing"])
    w.canvas.set_zoom(1.6)
    w.canvas.centerOn(*w.doc.faces()[0].centre)
    _save(app, w, out)


if __name__ == "__main__":
    if sys.argv[1] == "--history":
        history(sys.argv[2])
    else:
        main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 0.8)
