"""What every edit shares: the patch it returns and the masks it blends through."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from inference.imaging import feathered_mask  # noqa: F401  (moved there; skin imports it from here)
from inference.parsing import Parsing


@dataclass
class Patch:
    """An edited rectangle of a photo: ``pixels`` go at (x0, y0)."""
    pixels: np.ndarray
    x0: int
    y0: int
    info: dict = field(default_factory=dict)   # what the edit measured (holes filled, ...)
    scale: float = 1.0                          # photo pixels per patch pixel (previews are smaller)

    def paste(self, image: np.ndarray) -> np.ndarray:
        """A copy of ``image`` with this patch pasted in."""
        if self.scale != 1.0:
            raise ValueError("a reduced preview patch cannot be pasted into the photo")
        out = image.copy()
        h, w = self.pixels.shape[:2]
        out[self.y0:self.y0 + h, self.x0:self.x0 + w] = self.pixels
        return out


def face_crop(image: np.ndarray, parsing: Parsing) -> np.ndarray:
    """The photo's pixels under a face's parsing crop."""
    h, w = parsing.shape
    return image[parsing.y0:parsing.y0 + h, parsing.x0:parsing.x0 + w]


class EditCache:
    """What an edit may keep between calls of one slider drag (the head turn's surface model,
    the same for every angle): one entry per slot, owned by its caller (the GUI's session keeps
    one cache per edit; a CLI call passes none). An entry holds the very objects it was
    computed for and is used only for those same objects, so a new photo can never pass for an
    old one."""

    def __init__(self) -> None:
        self._slots: dict[str, tuple[tuple, tuple, object]] = {}

    def get(self, objects: tuple, key: tuple, compute, slot: str = "default"):
        """``compute()`` unless the slot's last call had these same ``objects`` (by identity)
        and an equal ``key``."""
        hit = self._slots.get(slot)
        if hit is not None and hit[1] == key and len(objects) == len(hit[0]) and \
                all(a is b for a, b in zip(objects, hit[0])):
            return hit[2]
        self._slots.pop(slot, None)   # drop the old entry before computing the new one
        value = compute()
        self._slots[slot] = (objects, key, value)
        return value

    def clear(self) -> None:
        self._slots.clear()
