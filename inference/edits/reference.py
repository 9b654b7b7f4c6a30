"""A reference photo's face, for the edits that take one (a brow, makeup): read, faces found,
the one asked for picked; one-line errors for the CLI and the GUI."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from inference.edits.spec import EditError


class ReferenceError(EditError):
    """The reference photo cannot give what is asked (unreadable, no face, no such face)."""


def reference_face(path: str, index: int) -> tuple[np.ndarray, object]:
    """(RGB image, face ``index`` in the `faces` order) of the photo at ``path``."""
    from inference.faces import detect
    from inference.io import read_image
    if not Path(path).exists():
        raise ReferenceError(f"{path}: no such reference photo")
    img = read_image(path).rgb
    faces = detect(img)
    if not faces:
        raise ReferenceError(f"{path}: no face found in the reference photo")
    if not 0 <= index < len(faces):
        raise ReferenceError(f"{path}: the reference photo has {len(faces)} face(s); "
                             f"face {index} does not exist")
    return img, faces[index]
