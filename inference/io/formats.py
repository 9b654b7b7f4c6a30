"""What Visage reads and writes, and the errors a user's file can cause: one line each."""
from __future__ import annotations

from PIL import Image

# Refuse before decoding anything above this many pixels (a 20000x20000 PNG would take 1.2 GB as
# RGB plus working copies); 100 MP is well above any camera a face editor sees.
MAX_PIXELS = 100_000_000

# What Image.open may hand a file to: plug-ins that decode in-process and run nothing else.
# Left out on purpose: EPS / PS / PDF (Pillow runs Ghostscript on them: a 74-byte text file
# named .jpg hung for ever), and the other plug-ins nobody opens as a photo (DDS, AVIF,
# ICNS, FITS, ...), whose decoders crashed with tracebacks on damaged files.
READ_FORMATS = ("JPEG", "PNG", "WEBP", "TIFF", "BMP", "GIF", "PPM")
READABLE = "JPEG, PNG, WebP, TIFF, BMP, GIF or PPM"
READ_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp", ".gif", ".ppm", ".pgm")
WRITE_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP",
                 ".tif": "TIFF", ".tiff": "TIFF", ".bmp": "BMP"}
ALPHA_FORMATS = {"PNG", "WEBP", "TIFF"}

# We check sizes ourselves; Pillow's own bomb check would raise a less clear error.
Image.MAX_IMAGE_PIXELS = None



class ImageReadError(ValueError):
    """The file cannot be read as a photo; the message says why, in one line."""


class ImageWriteError(OSError):
    """The photo cannot be written; the message says why, in one line."""

