"""Brow removal on made-up lids (HELEN 165: light blue eyeshadow up to the brow; 14253: purple):
the fill takes its lightness from the skin round the brow, lid included, but not the makeup's
hue, so no blue or purple smear rises into the forehead's skin."""
from __future__ import annotations

import copy

import cv2
import numpy as np
import pytest

from inference import parsing as P
from inference.edits import brows
from inference.faces import detect
from inference.io import read_image


@pytest.mark.parametrize("name, most", [("165", 0.02), ("14253", 0.08)])
def test_removal_fill_keeps_the_skins_hue(shared_data, name, most):
    img = read_image(shared_data / "parsing_helen_mgpe" / "images" / f"{name}.png").rgb
    face = detect(img)[0]
    out = brows.apply(img, copy.deepcopy(face), remove=True)
    filled = np.any(out != img, axis=-1)
    labels = face.parsing_for(img).full(*img.shape[:2])
    ab0 = cv2.cvtColor(img, cv2.COLOR_RGB2LAB)[..., 1:].astype(float)
    ab1 = cv2.cvtColor(out, cv2.COLOR_RGB2LAB)[..., 1:].astype(float)
    near = cv2.dilate(filled.astype(np.uint8), np.ones((41, 41), np.uint8)) > 0
    skin = np.median(ab0[(labels == P.SKIN) & near & ~filled], 0)
    off = np.linalg.norm(ab1[filled] - skin, axis=-1)
    assert filled.sum() > 200
    assert (off > 12).mean() <= most, (name, (off > 12).mean())    # measured 0.000 / 0.04 (0.13 / 0.33 before)
