"""What every edit shares: the patch it returns and the masks it blends through."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from inference.imaging import feathered_mask, nonzero_box  # noqa: F401  (feathered_mask: skin imports it from here)
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


@dataclass(eq=False)
class CroppedMask:
    """A painted mask kept small (a brush stroke on a 24 MP photo is a few KB, not 24 MB): its
    non-zero pixels' bounding box at (x0, y0) of a photo ``shape`` (height, width) high/wide.
    ``full()`` gives back the photo-sized bool mask exactly."""
    pixels: np.ndarray                 # bool (h, w): the box
    x0: int
    y0: int
    shape: tuple[int, int]             # the photo's (height, width)

    @classmethod
    def of(cls, mask: np.ndarray) -> "CroppedMask":
        """The non-zero pixels of ``mask`` (photo-sized; colour masks by their largest channel)."""
        m = np.asarray(mask)
        if m.ndim == 3:
            m = m.max(-1)
        m = m > 0
        box = nonzero_box(m)
        if box is None:
            return cls(np.zeros((0, 0), bool), 0, 0, (int(m.shape[0]), int(m.shape[1])))
        y0, y1, x0, x1 = box
        return cls(m[y0:y1, x0:x1].copy(), x0, y0, (int(m.shape[0]), int(m.shape[1])))

    def any(self) -> bool:
        return bool(self.pixels.any())

    @property
    def nbytes(self) -> int:
        return int(self.pixels.nbytes)

    def full(self) -> np.ndarray:
        out = np.zeros(self.shape, bool)
        h, w = self.pixels.shape
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
