"""The pinned Qt binding keeps Python alive: PySide6 6.12.0 on CPython 3.11 dropped a
reference to None on every call of a method returning void (QRect.setLeft, QPainter.setPen,
QImage.fill...), so after some thousands of them (a few tens of soft-brush strokes) None was
freed and the editor aborted ("Fatal Python error: none_dealloc"). requirements.txt pins a
release without that bug; this test fails on one that has it."""
from __future__ import annotations

import sys

from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage, QPainter


def test_void_methods_keep_none_alive():
    r = QRect()
    img = QImage(8, 8, QImage.Format.Format_ARGB32)
    before = sys.getrefcount(None)
    for _ in range(2000):
        r.setLeft(1)
        img.fill(QColor(1, 2, 3))
    p = QPainter(img)
    for _ in range(500):
        p.setPen(QColor(4, 5, 6))
    p.end()
    assert sys.getrefcount(None) >= before - 50
