"""Reading photos and masks: EXIF orientation, colour modes, a pixel cap, clear errors."""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from inference.io.formats import MAX_PIXELS, READ_FORMATS, READABLE, ImageReadError
from inference.io.metadata import exif_bytes, jpeg_quality, rgb_icc


@dataclass
class Photo:
    """An opened photo: 8-bit RGB pixels, upright, plus its alpha channel if it had one, and
    what a save keeps of its file (``write_image(..., like=photo)``)."""
    rgb: np.ndarray                  # (H, W, 3) uint8
    alpha: np.ndarray | None = None  # (H, W) uint8
    path: Path | None = None
    source_mode: str = "RGB"         # the file's colour mode, e.g. "CMYK", "I;16", "LA"
    exif: bytes | None = None        # the file's EXIF block as stored (its Orientation, thumbnail)
    icc: bytes | None = None         # its ICC profile, when one for RGB pixels
    quality: int | None = None       # a JPEG's estimated quality (1-100); None for other files
    format: str | None = None        # Pillow's name of the file's format: "JPEG", "PNG", ...

    @property
    def size(self) -> tuple[int, int]:
        return self.rgb.shape[1], self.rgb.shape[0]


def _to_uint8(arr: np.ndarray, full_scale: float | None = None) -> np.ndarray:
    """Scale 16-bit / 32-bit integer or float samples to 8 bits (Pillow's convert clips);
    integers by ``full_scale`` when the file says it (16-bit: 65535), else by 65535 or 255,
    whichever their largest value fits under."""
    if arr.dtype == np.uint8:
        return arr
    if arr.dtype == np.bool_:
        return arr.astype(np.uint8) * 255
    if np.issubdtype(arr.dtype, np.floating):
        hi = 1.0 if float(np.nanmax(arr)) <= 1.0 else 255.0
        return np.clip(np.nan_to_num(arr) / hi * 255.0 + 0.5, 0, 255).astype(np.uint8)
    hi = full_scale or (65535.0 if arr.max() > 255 else 255.0)
    return np.clip(arr.astype(np.float64) / hi * 255.0 + 0.5, 0, 255).astype(np.uint8)


def _decode(img: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """Pillow image of any mode -> (RGB uint8, alpha uint8 or None)."""
    mode = img.mode
    if mode in ("RGB", "L", "RGBA", "LA"):
        arr = np.asarray(img)
    elif mode in ("I;16", "I;16B", "I;16L"):
        # a dark 16-bit photo (all samples below 256) is dark, not an 8-bit one
        arr = _to_uint8(np.asarray(img), 65535.0)
    elif mode in ("I", "F"):
        arr = _to_uint8(np.asarray(img))
    elif mode == "P" or mode == "PA":
        img = img.convert("RGBA" if ("transparency" in img.info or mode == "PA") else "RGB")
        arr = np.asarray(img)
    else:  # CMYK (Pillow undoes Adobe's inverted CMYK), YCbCr, LAB, HSV, 1
        arr = np.asarray(img.convert("RGB"))
    alpha = None
    if arr.ndim == 2:
        rgb = np.repeat(arr[..., None], 3, axis=2)
    elif arr.shape[2] == 2:  # LA
        rgb, alpha = np.repeat(arr[..., :1], 3, axis=2), arr[..., 1]
    elif arr.shape[2] == 4:
        rgb, alpha = arr[..., :3], arr[..., 3]
    else:
        rgb = arr[..., :3]
    return np.ascontiguousarray(_to_uint8(rgb)), (None if alpha is None else np.ascontiguousarray(alpha))


# File signatures, to say what a file is when it is not a photo we read.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"GIF87a", "GIF"), (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"), (b"II+\x00", "TIFF"), (b"MM\x00+", "TIFF"), (b"BM", "BMP"),
    (b"%!PS", "PostScript (EPS)"), (b"\xc5\xd0\xd3\xc6", "PostScript (EPS)"), (b"%PDF", "PDF"),
    (b"DDS ", "DDS"), (b"8BPS", "Photoshop (PSD)"), (b"\x00\x00\x00\x0cjP  ", "JPEG 2000"),
    (b"\xffO\xffQ", "JPEG 2000"), (b"qoif", "QOI"), (b"\x00\x00\x01\x00", "ICO"), (b"icns", "ICNS"),
    (b"SIMPLE  =", "FITS"), (b"\x89HDF", "HDF5"), (b"<?xml", "XML / SVG"), (b"<svg", "SVG"),
)
_READABLE_KINDS = {"PNG", "JPEG", "GIF", "TIFF", "BMP", "WebP"}


def _kind(head: bytes) -> str | None:
    """What a file's first bytes say it is (None: nothing we recognise)."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return "AVIF" if brand in (b"avif", b"avis") else "HEIF / HEIC" \
            if brand in (b"heic", b"heix", b"hevc", b"mif1", b"msf1") else "MP4 / QuickTime"
    for sig, kind in _SIGNATURES:
        if head.startswith(sig):
            return kind
    return None


def _unreadable(p: Path) -> ImageReadError:
    """The error for a file no plug-in of READ_FORMATS identified, saying what it is."""
    try:
        with open(p, "rb") as f:
            head = f.read(32)
    except OSError:
        head = b""
    kind = _kind(head)
    if kind in _READABLE_KINDS:
        return ImageReadError(f"{p}: cannot decode the image (a damaged or unsupported {kind} file)")
    if kind:
        return ImageReadError(f"{p}: not a photo Visage can read (the file is {kind}; Visage reads {READABLE})")
    return ImageReadError(f"{p}: not a photo Visage can read ({READABLE})")


def _upright(img: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says (the same image when it says nothing,
    not a copy: a 100 MP photo is 300 MB); a damaged EXIF block is ignored."""
    try:
        orientation = img.getexif().get(0x0112, 1)
        return ImageOps.exif_transpose(img) if orientation in range(2, 9) else img
    except Exception:  # noqa: BLE001 - broken metadata: show the pixels as stored
        return img


_TIFF_SAMPLES = {1: "unsigned integer", 2: "signed integer", 3: "floating-point", 4: "untyped"}
# Pillow's Image.Transpose for each EXIF orientation, as numpy steps (for OpenCV-decoded pixels)
_ORIENT = {2: lambda a: a[:, ::-1], 3: lambda a: a[::-1, ::-1], 4: lambda a: a[::-1],
           5: lambda a: a.swapaxes(0, 1), 6: lambda a: np.rot90(a, -1),
           7: lambda a: np.rot90(a, 2).swapaxes(0, 1), 8: lambda a: np.rot90(a, 1)}


def _tiff_tags(p: Path) -> dict:
    from PIL import TiffImagePlugin
    with open(p, "rb") as f:
        ifd = TiffImagePlugin.ImageFileDirectory_v2(f.read(8))
        f.seek(ifd.next)
        ifd.load(f)
    return dict(ifd)


def _first(v, default=None):
    return v[0] if isinstance(v, tuple) and v else default if v is None else v


def _float_tiff(p: Path, max_pixels: int) -> np.ndarray | None:
    """A TIFF that Pillow does not identify: float RGB(A) samples (what HDR tools write) are
    decoded by OpenCV, as float32 (H, W[, C]) RGB(A) upright; any other sample layout is an
    ImageReadError saying what it is. None when the file is no TIFF."""
    try:
        with open(p, "rb") as f:
            if _kind(f.read(8)) != "TIFF":
                return None
        tags = _tiff_tags(p)
        w, h = int(_first(tags[256])), int(_first(tags[257]))
        bits, spp = tags.get(258, (1,)), int(_first(tags.get(277), 1))
        sample = int(_first(tags.get(339), 1))
        orientation = int(_first(tags.get(274), 1))
    except ImageReadError:
        raise
    except Exception:  # noqa: BLE001 - a header Pillow and we cannot parse
        raise ImageReadError(f"{p}: cannot decode the image (a damaged or unsupported TIFF file)") from None
    bits = int(_first(bits, 1))
    kind = f"{spp} x {bits}-bit {_TIFF_SAMPLES.get(sample, 'unknown')} samples"
    if sample != 3 or bits not in (16, 32, 64) or spp not in (1, 3, 4):
        raise ImageReadError(f"{p}: a TIFF of {kind} per pixel, which Visage cannot read; "
                             "save it with 8- or 16-bit samples")
    if w * h > max_pixels:
        raise ImageReadError(f"{p}: {w}x{h} is {w * h / 1e6:.0f} megapixels, above the limit of "
                             f"{max_pixels / 1e6:.0f}; downscale it first")
    import cv2
    arr = cv2.imdecode(np.fromfile(p, np.uint8), cv2.IMREAD_UNCHANGED)
    if arr is None or arr.shape[:2] != (h, w):
        raise ImageReadError(f"{p}: cannot decode the image (a TIFF of {kind} that OpenCV could not read)")
    arr = arr.astype(np.float32)
    if arr.ndim == 3:
        arr = arr[..., [2, 1, 0, 3][:arr.shape[2]]]   # OpenCV's BGR(A)
    return np.ascontiguousarray(_ORIENT.get(orientation, lambda a: a)(arr))


def _deep_colour(img: Image.Image) -> bool:
    """True when Pillow will reduce the file's 16-bit colour samples to 8 bits (RGB;16 PNGs)."""
    return any(";16" in str(getattr(t, "args", "")) for t in getattr(img, "tile", []) or [])


def _load(path: str | os.PathLike, max_pixels: int, convert, convert_array):
    """Open a photo with READ_FORMATS only, refuse it above ``max_pixels`` before decoding,
    decode it and return ``convert(upright image, image as stored, deep)`` (deep: 16-bit colour
    samples that Pillow reduces to 8 bits), or ``convert_array(float pixels)`` for the float
    TIFFs only OpenCV decodes. Every failure is an ImageReadError with one line: whatever a
    damaged file makes a decoder raise is the file's fault."""
    p = Path(path)
    if not p.exists():
        raise ImageReadError(f"{p}: no such file")
    if p.is_dir():
        raise ImageReadError(f"{p}: is a folder, not a photo")
    try:
        if not p.is_file():   # a FIFO or a device would be read for ever
            raise ImageReadError(f"{p}: not a regular file")
        if p.stat().st_size == 0:
            raise ImageReadError(f"{p}: the file is empty")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                img = Image.open(p, formats=READ_FORMATS)
            except UnidentifiedImageError:
                arr = _float_tiff(p, max_pixels)
                if arr is None:
                    raise
                return convert_array(arr)
            with img:
                w, h = img.size
                if w * h > max_pixels:
                    raise ImageReadError(
                        f"{p}: {w}x{h} is {w * h / 1e6:.0f} megapixels, above the limit of "
                        f"{max_pixels / 1e6:.0f}; downscale it first")
                if w == 0 or h == 0:
                    raise ImageReadError(f"{p}: the image has no pixels")
                ImageFile.LOAD_TRUNCATED_IMAGES = False
                deep = _deep_colour(img)
                img.load()
                return convert(_upright(img), img, deep)
    except ImageReadError:
        raise
    except UnidentifiedImageError:
        raise _unreadable(p) from None
    except MemoryError:
        raise ImageReadError(f"{p}: not enough memory to open this image") from None
    except Exception as exc:  # noqa: BLE001 - OSError, SyntaxError, struct.error, IndexError, ...
        reason = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "truncated" in reason.lower():
            reason = "the file is truncated"
        raise ImageReadError(f"{p}: cannot decode the image ({reason[:160]})") from None


def _split_alpha(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    if arr.ndim == 2:
        return np.repeat(arr[..., None], 3, axis=2), None
    if arr.shape[2] == 4:
        return arr[..., :3], arr[..., 3]
    return arr[..., :3], None


def read_image(path: str | os.PathLike, max_pixels: int = MAX_PIXELS) -> Photo:
    """Open a photo upright (EXIF orientation applied), as 8-bit RGB (+ alpha)."""
    def convert(upright: Image.Image, original: Image.Image, _deep: bool) -> Photo:
        rgb, alpha = _decode(upright)
        return Photo(rgb=rgb, alpha=alpha, path=Path(path), source_mode=original.mode,
                     exif=exif_bytes(original), icc=rgb_icc(original), format=original.format,
                     quality=jpeg_quality(original) if original.format == "JPEG" else None)

    def convert_array(arr: np.ndarray) -> Photo:
        rgb, alpha = _split_alpha(arr)
        return Photo(rgb=np.ascontiguousarray(_to_uint8(rgb)), path=Path(path), source_mode="F", format="TIFF",
                     alpha=None if alpha is None else np.ascontiguousarray(_to_uint8(alpha)))
    return _load(path, max_pixels, convert, convert_array)


def _mask_of(rgb: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    on = rgb.max(axis=2) > 0 if rgb.ndim == 3 else rgb > 0
    if alpha is not None and not on.any():
        on = alpha > 0
    return on


def read_mask(path: str | os.PathLike, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """A mask image as a boolean (H, W) map: a pixel is set when any colour channel is
    non-zero in the file's own samples (a 16-bit or float mask's low values count, though
    they round to 0 in 8 bits); a mask drawn only in the alpha channel (black strokes on a
    transparent layer) is read from its alpha."""
    p = Path(path)

    def convert(upright: Image.Image, original: Image.Image, deep: bool) -> np.ndarray:
        if upright.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
            return np.nan_to_num(np.asarray(upright), nan=0.0) != 0
        if deep and upright is original:   # 16-bit colour, which Pillow has cut to 8 bits
            import cv2
            raw = cv2.imdecode(np.fromfile(p, np.uint8), cv2.IMREAD_UNCHANGED)
            if raw is not None and raw.shape[:2] == (original.height, original.width):
                return _mask_of(*_split_alpha(raw))
        return _mask_of(*_decode(upright))

    def convert_array(arr: np.ndarray) -> np.ndarray:
        return _mask_of(*_split_alpha(np.nan_to_num(arr, nan=0.0)))
    return _load(path, max_pixels, convert, convert_array)

