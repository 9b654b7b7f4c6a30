"""Edit panels: the generic one built from an edit's PARAMS, and the bespoke ones registered
beside it for edits that need more than plain controls (the inpaint brushes, the brows' points
to drag, the heal markers and brush)."""
from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.panels.brows import BrowsPanel
from app.panels.heal import HealPanel
from app.panels.inpaint import InpaintPanel
from app.panels.params import ParamsPanel

BESPOKE: dict[str, type] = {"inpaint": InpaintPanel, "brows": BrowsPanel, "heal": HealPanel}


def panel_for(edit) -> QWidget:
    """The panel of an edit: its bespoke one if registered, else the generic one."""
    cls = BESPOKE.get(edit.NAME)
    return cls() if cls is not None else ParamsPanel(edit)
