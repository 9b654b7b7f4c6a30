"""Fill a painted area (remove a blemish, a stray hair, a passer-by) with one of the inpainting
engines. Not tied to a face, but a selected face guides the fill: with ``by_class`` (the
default) each hole pixel copies from the parsing class round it (hair from hair, skin from the
same side's skin, background from background: inference.inpaint.sources); with no face
(the CLI, a photo without one) the fill copies from what matches best in colour and texture.
A "take from" source (``source``, or ``skin_only``) overrides the automatic choice. ``seed``
gives the variants to choose from (the same seed, the same fill)."""
from __future__ import annotations

import numpy as np

from inference.edits.base import Patch
from inference.edits.spec import BOOL, CHOICE, FILE, INT, MASK, Command, Param
from inference.inpaint import DEFAULT_ENGINE, ENGINES, inpaint_region

NAME = "inpaint"
TITLE = "Fill"
PARAMS = [
    Param("mask", "Mask", MASK, cli=None, help="an image of the same size; non-zero pixels are filled"),
    Param("engine", "Engine", CHOICE, default=DEFAULT_ENGINE, choices=lambda: list(ENGINES)),
    Param("model", "LaMa weights", FILE,
          help="weights for the lama engine (.safetensors or a torch state dict; convert big-lama.pt "
               "with python -m inference.inpaint.convert_lama)"),
    Param("trust_model", "Trust the model file", BOOL, default=False, gui=False,
          help="run a TorchScript model file as it is: its code runs too, so only one from a source you trust"),
    Param("seed", "Seed", INT, default=0, range=(0, 2**32 - 1), step=1,
          help="random seed (patchmatch); same seed, same result"),
    Param("skin_only", "Fill from the selected face's skin only", BOOL, default=False, cli=None),
    Param("by_class", "Fill each part from its own class (hair, skin, background)", BOOL, default=True, cli=None,
          help="with a selected face: every hole pixel copies from the parsing class round it"),
]
CHANGES_GEOMETRY = False
PREVIEW_IS_RESULT = False
CLI = Command("inpaint", "fill the masked area of a photo", faces=False, positional=("mask",))


def is_identity(**params) -> bool:
    mask = params.get("mask")
    return mask is None or not np.any(mask)


def skin_source(shape: tuple[int, int], face, image: np.ndarray) -> np.ndarray | None:
    """Where a skin-only fill may copy from: the face's skin, photo-sized (None without a face)."""
    if face is None:
        return None
    from inference.parsing import SKIN
    p = face.parsing_for(image)
    source = np.zeros(shape, bool)
    source[p.y0:p.y0 + p.height, p.x0:p.x0 + p.width] = p.mask(SKIN)
    return source


def apply_region(image: np.ndarray, face, *, mask: np.ndarray, preview: bool = False, progress=None,
                 cache=None, engine: str = DEFAULT_ENGINE, seed: int = 0, model: str | None = None,
                 skin_only: bool = False, trust_model: bool = False, by_class: bool = True,
                 source: np.ndarray | None = None) -> Patch:
    """The filled rectangle round ``mask``. ``source`` (or ``skin_only`` with a face) limits
    where the fill may copy from; else, with a face and ``by_class``, each hole pixel copies
    from its surroundings' parsing class."""
    if source is None and skin_only:
        source = skin_source(mask.shape[:2], face, image)
    classes = None
    if source is None and by_class and face is not None and engine == "patchmatch":
        from inference.inpaint.sources import class_groups
        classes = class_groups(image, face)
    if model and trust_model and isinstance(model, str):
        from inference.inpaint import lama
        model = lama.load(model, trust=True)
    pixels, x0, y0 = inpaint_region(image, mask, engine, seed=seed, model=model, source=source,
                                    progress=progress, classes=classes)
    return Patch(pixels, x0, y0)


def apply(image: np.ndarray, face, **params) -> np.ndarray:
    return apply_region(image, face, **params).paste(image)


def variants(image: np.ndarray, face, *, mask: np.ndarray, count: int = 3, seed: int = 0, progress=None,
             **params) -> list[Patch]:
    """``count`` fills of one mask to choose from (the GUI's thumbnails; "Fill again" keeps the
    mask): seeds seed, seed + 1, ... (a different seed draws other sources, so other copies).
    The first is what :func:`apply_region` gives with ``seed``."""
    out = []
    for k in range(count):
        step = None if progress is None else (lambda f, k=k: progress((k + f) / count))
        out.append(apply_region(image, face, mask=mask, seed=(seed + k) % 2**32, progress=step, **params))
    return out
