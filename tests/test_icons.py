"""The app's icons (app/icons.py, assets/icons): every one loads and draws at toolbar sizes."""
from __future__ import annotations

import numpy as np
import pytest
import qimage2ndarray
from PySide6.QtGui import QIcon, QImage

from app.icons import ICON_DIR, ICON_NAMES, _rendered_icon, icon, qt_renders_svg


def _alpha(ic: QIcon, size: int) -> np.ndarray:
    pm = ic.pixmap(size, size)
    assert not pm.isNull()
    img = pm.toImage().convertToFormat(QImage.Format.Format_ARGB32)
    assert (img.width(), img.height()) == (size, size)
    return qimage2ndarray.alpha_view(img).copy()


def _rgba(ic: QIcon, size: int) -> np.ndarray:
    img = ic.pixmap(size, size).toImage().convertToFormat(QImage.Format.Format_ARGB32)
    return qimage2ndarray.byte_view(img).copy()


# Both ways of drawing: Qt's SVG plugins (what icon() uses here) and the QSvgRenderer fallback.
LOADERS = {"qicon": icon, "renderer": lambda n: _rendered_icon(ICON_DIR / f"{n}.svg")}


def test_every_icon_has_a_file(qapp):
    assert len(set(ICON_NAMES)) == len(ICON_NAMES)
    assert {p.stem for p in ICON_DIR.glob("*.svg")} == set(ICON_NAMES)


def test_qt_draws_svg_icons(qapp):
    # PySide6-Essentials ships the SVG image-format and icon-engine plugins; icon() relies on
    # them when present (and falls back to QSvgRenderer otherwise, tested below).
    assert qt_renders_svg()


@pytest.mark.parametrize("loader", sorted(LOADERS))
@pytest.mark.parametrize("size", [16, 32])
@pytest.mark.parametrize("name", ICON_NAMES)
def test_icon_draws(qapp, name, size, loader):
    ic = LOADERS[loader](name)
    assert not ic.isNull()
    a = _alpha(ic, size)
    opaque = (a > 127).mean()
    assert 0.08 < opaque < 0.95, f"{name} at {size} px: {opaque:.0%} opaque"
    assert a[0, 0] < 128 and a[-1, -1] < 128          # not a full square: the corners are clear


def test_icons_differ(qapp):
    images = {n: _rgba(icon(n), 32) for n in ICON_NAMES}
    for i, a in enumerate(ICON_NAMES):
        for b in ICON_NAMES[i + 1:]:
            diff = np.abs(images[a].astype(int) - images[b].astype(int)).max(axis=2) > 64
            assert diff.mean() > 0.05, f"{a} and {b} look alike"


def test_the_app_icon_is_in_colour(qapp):
    rgba = _rgba(icon("visage"), 32).astype(int)
    opaque = rgba[..., 3] > 200
    spread = rgba[..., :3].max(axis=2) - rgba[..., :3].min(axis=2)
    assert (spread[opaque] > 60).mean() > 0.3


def test_unknown_icon(qapp):
    with pytest.raises(ValueError, match="unknown icon 'nope'.*undo"):
        icon("nope")
