"""What the editor keeps between runs, in QSettings: recent files, the window's geometry and
its dock layout. One INI file per user (QSettings' user scope); tests point that scope at a
temporary folder (QSettings.setPath) so a run never reads or writes the user's own."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

ORGANISATION = "Visage"
APPLICATION = "Visage"
MAX_RECENT = 10
# bump when the docks change so that an old layout is not restored onto different docks
LAYOUT_VERSION = 2      # 2: related edits share a dock (app/dock_groups.py)


def store() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION)


def _as_list(value) -> list[str]:
    # an INI file gives a one-element list back as a plain string
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value]


def recent_files() -> list[str]:
    """Recently opened or saved photos, newest first, those that still exist."""
    return [p for p in _as_list(store().value("recent")) if Path(p).is_file()]


def add_recent(path: str | Path) -> None:
    path = str(Path(path).resolve())
    s = store()
    files = [p for p in _as_list(s.value("recent")) if p != path]
    s.setValue("recent", [path, *files][:MAX_RECENT])


def clear_recent() -> None:
    store().remove("recent")


def save_window(window) -> None:
    s = store()
    s.setValue("window/geometry", window.saveGeometry())
    s.setValue("window/state", window.saveState(LAYOUT_VERSION))


def restore_window(window) -> bool:
    """The geometry and dock layout of the last run; False if none was kept."""
    s = store()
    geometry, state = s.value("window/geometry"), s.value("window/state")
    if not isinstance(geometry, QByteArray) or not isinstance(state, QByteArray):
        return False
    window.restoreGeometry(geometry)
    return window.restoreState(state, LAYOUT_VERSION)
