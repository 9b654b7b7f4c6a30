"""The app's own icons: hand-drawn 24x24 SVGs in assets/icons, loaded as QIcons.

``icon("undo")`` gives a QIcon that Qt renders sharp at any size. Qt draws SVG icons through
its SVG icon-engine / image-format plugins; where an install lacks them (a QIcon from an SVG
would come out empty), the SVG is drawn with QtSvg's renderer into pixmaps of the usual sizes
instead. Needs a QGuiApplication (as any QIcon that is drawn does)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPainter, QPixmap

ICON_DIR = Path(__file__).resolve().parents[1] / "assets" / "icons"

ICON_NAMES: tuple[str, ...] = (
    "open", "save", "undo", "redo", "brush", "eraser", "lasso", "before-after", "fill", "visage",
)

# The sizes the fallback draws (toolbars, menus, the window icon; x2 for high-DPI screens).
_FALLBACK_SIZES = (16, 20, 24, 32, 48, 64, 128, 256)


def icon(name: str) -> QIcon:
    """The icon NAME (one of ICON_NAMES) from ICON_DIR/NAME.svg."""
    if name not in ICON_NAMES:
        raise ValueError(f"unknown icon {name!r}; the icons are: {', '.join(ICON_NAMES)}")
    path = ICON_DIR / f"{name}.svg"
    if not path.is_file():
        raise FileNotFoundError(f"icon {name!r}: {path} is missing")
    if qt_renders_svg():
        return QIcon(str(path))
    return _rendered_icon(path)


@lru_cache(maxsize=1)
def qt_renders_svg() -> bool:
    """Whether a QIcon made from an SVG file actually draws (Qt's SVG plugins are present)."""
    pm = QIcon(str(ICON_DIR / "visage.svg")).pixmap(24, 24)
    if pm.isNull():
        return False
    img = pm.toImage().convertToFormat(QImage.Format.Format_ARGB32)
    return any(img.pixel(x, y) >> 24 for y in range(img.height()) for x in range(img.width()))


def _rendered_icon(path: Path) -> QIcon:
    """The SVG drawn by QSvgRenderer into pixmaps of _FALLBACK_SIZES, as one QIcon."""
    from PySide6.QtSvg import QSvgRenderer
    renderer = QSvgRenderer(str(path))
    if not renderer.isValid():
        raise ValueError(f"{path} is not an SVG that Qt can read")
    out = QIcon()
    for s in _FALLBACK_SIZES:
        img = QImage(QSize(s, s), QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(Qt.GlobalColor.transparent)
        p = QPainter(img)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        renderer.render(p)
        p.end()
        out.addPixmap(QPixmap.fromImage(img))
    return out
