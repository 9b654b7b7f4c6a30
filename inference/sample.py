"""The sample photo: scikit-image's public-domain astronaut portrait (Eileen Collins, NASA),
written once to the user's cache folder so the editor can open it like any file."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np


def sample_image() -> np.ndarray:
    """(512, 512, 3) uint8 RGB portrait shipped inside scikit-image."""
    from skimage import data
    return np.ascontiguousarray(data.astronaut())


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    d = Path(base) / "visage"
    d.mkdir(parents=True, exist_ok=True)
    return d


def sample_photo_path() -> Path:
    """Path of the sample as a PNG file (written on first use)."""
    from inference.io import write_image
    p = cache_dir() / "astronaut.png"
    if not p.exists():
        write_image(p, sample_image())
    return p
