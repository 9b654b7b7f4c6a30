"""Offscreen screenshot of the editor for documentation: sample photo, face selected,
skin smoothed.    QT_QPA_PLATFORM=offscreen python -m app.screenshot docs/screenshot.jpg [STRENGTH]"""
from __future__ import annotations

import sys
import time

from PySide6.QtWidgets import QApplication


def _wait(app: QApplication, cond, timeout: float = 60.0) -> None:
    end = time.time() + timeout
    while not cond():
        if time.time() > end:
            raise TimeoutError("the editor did not get there in time")
        app.processEvents()
        time.sleep(0.01)


def main(out: str, strength: float = 0.8) -> None:
    from app.main_window import MainWindow
    from inference.sample import sample_photo_path
    app = QApplication.instance() or QApplication(sys.argv[:1])
    w = MainWindow()
    w.resize(1280, 860)
    w.show()
    w.open_path(str(sample_photo_path()))
    _wait(app, lambda: w.doc is not None and w.doc.faces() is not None)
    w.select_face(0)
    w.skin_panel.set_values({"strength": strength})
    w.commit("skin", {"strength": strength})
    _wait(app, lambda: w.doc.cursor == 1 and w.canvas.overlays_visible()["parsing"])
    w.canvas.set_zoom(2.0)
    f = w.doc.faces()[0]
    w.canvas.centerOn(*f.centre)
    app.processEvents()
    w.grab().save(out)
    w.doc.mark_saved(out)  # nothing to confirm on close
    w.close()


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 0.8)
