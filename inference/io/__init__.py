"""Reading and writing photos: EXIF orientation, colour modes, a pixel cap, clear errors,
atomic writes.

Every failure a user can cause (a missing, empty, truncated, mislabelled or enormous file) is
an :class:`ImageReadError` / :class:`ImageWriteError` with a one-line message; nothing else
escapes for bad input. ``formats`` says what is read and written, ``read`` reads, ``write``
writes.
"""
from __future__ import annotations

from inference.io.formats import (ALPHA_FORMATS, MAX_PIXELS, READ_FORMATS, READ_SUFFIXES, READABLE,  # noqa: F401
                                  WRITE_FORMATS, ImageReadError, ImageWriteError)
from inference.io.read import Photo, read_image, read_mask  # noqa: F401
from inference.io.write import (MAX_SIDE, check_output, check_size, remove_stale_temps, same_file,  # noqa: F401
                                write_bytes, write_image, write_image_gray, write_text)
