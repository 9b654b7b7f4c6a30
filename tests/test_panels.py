"""The generic edit panel (app/panels/params.py) built from a PARAMS list of every kind:
what it shows, what it asks for while dragging and on release, and that showing values asks
for nothing."""
from __future__ import annotations

import types

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QPushButton

from inference.edits import spec
from inference.edits.spec import Param

pytest.importorskip("pytestqt")

EDIT = types.SimpleNamespace(NAME="demo", TITLE="Demo", PARAMS=[
    Param("amount", "Amount", spec.FLOAT, default=0.6, neutral=0.0, range=(0.0, 1.0), step=0.01),
    Param("arch", "Arch", spec.FLOAT, default=0.0, range=(-1.0, 1.0), step=0.01),
    Param("angle", "Angle", spec.FLOAT, default=0.0, range=(-30.0, 30.0), step=1.0, unit="°"),
    Param("count", "Count", spec.INT, default=3, range=(1, 9), step=1),
    Param("both", "Both sides", spec.BOOL, default=True),
    Param("side", "Side", spec.CHOICE, default="both", choices=("both", "left", "right")),
    Param("color", "Colour", spec.COLOUR, default="#3b2a20"),
    Param("reference", "Reference", spec.PHOTO),
    Param("hidden", "Hidden", spec.FLOAT, default=0.5, range=(0, 1), gui=False),
])


@pytest.fixture()
def panel(qtbot):
    from app.panels.params import ParamsPanel
    p = ParamsPanel(EDIT)
    qtbot.addWidget(p)
    p.asked = []
    p.previewRequested.connect(lambda v: p.asked.append(("preview", v)))
    p.commitRequested.connect(lambda v: p.asked.append(("commit", v)))
    p.set_face_selected(True)
    return p


def test_controls_for_every_kind(panel):
    assert set(panel.sliders) == {"amount", "arch", "angle", "count"}
    assert "hidden" not in panel.values()
    assert panel.values() == {"amount": 0.0, "arch": 0.0, "angle": 0.0, "count": 3, "both": True,
                              "side": "both", "color": "#3b2a20", "reference": None}
    assert isinstance(panel._controls["both"], QCheckBox)
    assert isinstance(panel._controls["side"], QComboBox) and panel._controls["side"].count() == 3
    assert isinstance(panel._controls["color"], QPushButton)
    s = panel.sliders["angle"]
    assert (s.minimum(), s.maximum()) == (-30, 30)
    s.setValue(12)
    assert panel._controls["angle"].label.text() == "+12°"


def test_drag_previews_release_commits(panel):
    s = panel.sliders["amount"]
    s.setSliderDown(True)
    for v in (20, 45, 70):
        s.setValue(v)
    assert [k for k, _ in panel.asked] == ["preview"] * 3 and panel.asked[-1][1]["amount"] == 0.7
    s.setSliderDown(False)               # the release
    assert panel.asked[-1] == ("commit", panel.values()) and panel.values()["amount"] == 0.7
    assert [k for k, _ in panel.asked].count("commit") == 1
    panel.asked.clear()
    s.setValue(71)                       # a keyboard step: preview and commit at once
    assert [k for k, _ in panel.asked] == ["preview", "commit"]
    panel.asked.clear()
    panel._controls["both"].setChecked(False)
    panel._controls["side"].setCurrentText("left")
    assert [k for k, _ in panel.asked] == ["preview", "commit"] * 2
    assert panel.values()["both"] is False and panel.values()["side"] == "left"


def test_showing_values_asks_for_nothing_and_limits_narrow(panel, sample_path):
    panel.set_values({"amount": 0.4, "count": 7, "side": "right", "color": "#aa0000",
                      "reference": str(sample_path)})
    assert not panel.asked
    assert panel.values()["amount"] == 0.4 and panel.sliders["count"].value() == 7
    assert panel._controls["color"].text() == "#aa0000"
    ref = panel._controls["reference"]
    assert ref.text() == sample_path.name and not ref.icon().isNull()   # the thumbnail
    panel.set_limits({"angle": (-10.0, 25.0)})
    s = panel.sliders["angle"]
    assert (s.minimum(), s.maximum()) == (-10, 25) and not panel.asked
    panel.set_limits({})
    assert (s.minimum(), s.maximum()) == (-30, 30)
    panel.set_face_selected(False)
    assert not s.isEnabled() and panel.hint.isVisibleTo(panel)


def test_a_torchscript_model_needs_the_users_trust(qtbot, tmp_path):
    import torch

    from app.panels.inpaint import InpaintPanel
    ip = InpaintPanel()
    qtbot.addWidget(ip)

    class Same(torch.nn.Module):
        def forward(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            return image
    f = tmp_path / "big-lama.pt"
    torch.jit.script(Same()).save(str(f))
    asked = []
    ip.confirm = lambda title, text: asked.append(text) or False
    ip.engine.setCurrentText("lama")
    assert not ip.set_model(str(f)) and ip.model_path is None
    assert "big-lama.pt" in asked[0] and "convert_lama" in asked[0]
    ip.confirm = lambda title, text: True
    assert ip.set_model(str(f)) and ip.values()["trust_model"] is True and ip.values()["model"] == str(f)
