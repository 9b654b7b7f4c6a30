"""The failures a user's photo or recipe can cause (reported in one line), as the CLI has them."""
from __future__ import annotations

import functools


@functools.cache
def USER_ERRORS() -> tuple[type[BaseException], ...]:  # noqa: N802  (a constant, built late)
    """The exception classes whose message is the reason itself (imported late: they live in
    modules that load the models' libraries)."""
    from inference.batch.recipe import RecipeError
    from inference.edits.rotate import RotateError
    from inference.edits.spec import EditError
    from inference.faces import NoFaceError
    from inference.inpaint import InpaintError
    from inference.io import ImageReadError, ImageWriteError
    return (RecipeError, EditError, ImageReadError, ImageWriteError, NoFaceError, InpaintError, RotateError)
