"""The annotated parsing photos in ../shared/data, with their labels mapped onto our 11
classes (255 = not scored: classes we do not produce, such as ears, neck, cloth, hats)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

IGNORE = 255
# CelebAMask-HQ: 0 bg, 1 skin, 2 nose, 3 eyeglasses, 4 l_eye, 5 r_eye, 6 l_brow, 7 r_brow, 8 l_ear,
# 9 r_ear, 10 mouth, 11 u_lip, 12 l_lip, 13 hair, 14 hat, 15 earring, 16 necklace, 17 neck, 18 cloth.
# Its "l_" is the person's left = the image's right.
CELEBA_TO_OURS = np.array([0, 1, 6, IGNORE, 5, 4, 3, 2, IGNORE, IGNORE, 8, 7, 9, 10, IGNORE, IGNORE,
                           IGNORE, IGNORE, IGNORE] + [IGNORE] * 237, dtype=np.uint8)


def parsing_sets(data: Path) -> dict[str, list[tuple[Path, np.ndarray]]]:
    """{dataset: [(photo, labels in our classes)]}; labels may be smaller than the photo."""
    out: dict[str, list[tuple[Path, np.ndarray]]] = {}
    helen = data / "parsing_helen_mgpe"
    for lab in sorted((helen / "labels").glob("*.png")):
        out.setdefault("helen", []).append((helen / "images" / lab.name, np.array(Image.open(lab))))
    celeba = data / "parsing_celebamaskhq" / "maskgan_samples"
    for lab in sorted((celeba / "labels").glob("*.png")):
        raw = np.array(Image.open(lab))
        raw = raw[..., 0] if raw.ndim == 3 else raw
        out.setdefault("celebamaskhq", []).append((celeba / "images" / (lab.stem + ".jpg"), CELEBA_TO_OURS[raw]))
    return out
