"""Long lashes under a brow (CelebAMask-HQ 0.jpg: mascara'd lashes reaching up to the brows)
are the eye's: removing, arching or lifting the brow leaves them and the skin between them as
they are, and a tint does not stain them. Before, the fill took the skin between the strands it kept (black blocks at the lash
line) and an arch stretched their tips up into the brow; one brow's lashes were looked for at
both eyes."""
from __future__ import annotations

import copy

import numpy as np
import pytest

from inference.edits import brows
from inference.edits.brows import region
from inference.faces import detect
from inference.io import read_image


@pytest.fixture(scope="module")
def lashes_photo(shared_data):
    img = read_image(shared_data / "parsing_celebamaskhq" / "maskgan_samples" / "images" / "0.jpg").rgb
    face = detect(img)[0]
    reg = region.find(img, face, ("left", "right"))
    h, w = reg.labels.shape
    zone = np.zeros(img.shape[:2], bool)
    for b in reg.brows.values():
        zone[reg.y0:reg.y0 + h, reg.x0:reg.x0 + w] |= b.lashes
    return img, face, reg, zone


def test_the_lashes_zone_is_its_own_eyes_strands_and_the_skin_between(lashes_photo, monkeypatch):
    img, face, reg, zone = lashes_photo
    assert zone.sum() > 0.02 * face.size ** 2                    # measured 0.04
    monkeypatch.setattr(region, "LASH_GAPS", 0.0)
    strands = region.find(img, face, ("left", "right"))
    only = sum(int(b.lashes.sum()) for b in strands.brows.values())
    assert zone.sum() >= 1.15 * only, (int(zone.sum()), only)
    for side, b in reg.brows.items():      # each brow's lashes lie under it, at its own eye
        xs = np.nonzero(b.lashes)[1]
        bx = np.nonzero(b.mask)[1]
        assert bx.min() - 2 * b.thickness <= np.median(xs) <= bx.max() + 2 * b.thickness, side


@pytest.mark.parametrize("params", [dict(remove=True), dict(arch=1.0), dict(lift=1.0), dict(color="#b08d5e")])
def test_brow_edits_leave_the_long_lashes(lashes_photo, params):
    img, face, _, zone = lashes_photo
    out = brows.apply(img, copy.deepcopy(face), **params)
    change = np.abs(out.astype(np.int16) - img).max(-1)
    assert (change[zone] <= 10).mean() >= 0.99, params           # measured 1.000 (0.96 before)
    assert change[~zone].max() > 40                               # (the brow itself did change)
