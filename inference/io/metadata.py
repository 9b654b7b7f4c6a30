"""What a saved photo keeps of the one it came from: its EXIF (orientation reset, thumbnail
dropped), its ICC colour profile (pixels are never converted: a Display P3 or Adobe RGB photo
stays in its space), and its JPEG quality, estimated from its quantisation tables."""
from __future__ import annotations

import numpy as np
from PIL import ExifTags, Image

ORIENTATION = 0x0112
# Formats whose files carry EXIF and ICC profiles through Pillow (BMP carries neither).
METADATA_FORMATS = ("JPEG", "PNG", "WEBP", "TIFF")

# IFD0 tags that describe how a TIFF stores its pixels, not the photo: a TIFF's getexif() holds
# them beside Make and Model, and in another file they would describe pixels that are not there.
# The thumbnail's pointers (513, 514) go too, as do blocks carried elsewhere (XMP, IPTC,
# Photoshop, the ICC profile itself).
_STRUCTURE_TAGS = frozenset({
    254, 255, 256, 257, 258, 259, 262, 263, 266, 273, 277, 278, 279, 280, 281, 284, 317, 320,
    322, 323, 324, 325, 330, 338, 339, 340, 341, 347, 513, 514, 530, 700, 33723, 34377, 34675,
    37724,
})
_PIXEL_X, _PIXEL_Y = 0xA002, 0xA003     # the Exif IFD's image size, which a rotation swaps
MAKER_NOTE = 0x927C                      # the camera maker's own block, often most of the EXIF
JPEG_EXIF_MAX = 65533                    # bytes: a JPEG's EXIF is one APP1 marker segment


def _exif_of(img: Image.Image) -> Image.Exif | None:
    try:
        exif = img.getexif()
    except Exception:  # noqa: BLE001 - a damaged EXIF block: the photo opens without it
        return None
    return exif if len(exif) else None


def exif_bytes(img: Image.Image) -> bytes | None:
    """The EXIF block of an opened file as stored (JPEG, WebP, PNG: the file's own bytes, with
    its thumbnail; TIFF: its tags re-encoded), or None when it has none or it is unreadable."""
    raw = img.info.get("exif")
    if isinstance(raw, bytes) and raw:
        return raw if raw.startswith(b"Exif\x00\x00") else b"Exif\x00\x00" + raw
    exif = _exif_of(img)
    if exif is None:
        return None
    try:
        return exif.tobytes()
    except Exception:  # noqa: BLE001 - tags Pillow cannot encode back: no EXIF rather than none at all opened
        return None


def rgb_icc(img: Image.Image) -> bytes | None:
    """The file's ICC profile when it describes RGB pixels (a CMYK or grey one does not fit the
    RGB pixels Visage keeps, which Pillow converted without it), else None."""
    icc = img.info.get("icc_profile")
    if not isinstance(icc, bytes) or len(icc) < 128:
        return None
    return icc if icc[16:20] == b"RGB " else None


# The JPEG standard's example tables (Annex K), which libjpeg scales by its quality setting.
_LUMA = np.array([16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
                  14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
                  18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
                  49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99])
_CHROMA = np.full(64, 99)
_CHROMA[[0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 24, 25]] = [17, 18, 24, 47, 18, 21, 26, 66, 24, 26, 56, 47, 66]


def _scaled(table: np.ndarray, quality: int) -> np.ndarray:
    """libjpeg's table for ``quality`` (jpeg_quality_scaling, baseline-clipped)."""
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return np.clip((table * scale + 50) // 100, 1, 255)


def jpeg_quality(img: Image.Image) -> int | None:
    """The quality (1-100) a JPEG was saved at, as the libjpeg setting whose scaled standard
    tables are nearest its own (exact for files libjpeg wrote; the nearest equivalent for a
    camera's own tables). Tables are compared sorted, so their storage order does not matter.
    None when the file has no tables."""
    tables = getattr(img, "quantization", None)
    if not tables:
        return None
    ordered = [np.sort(np.asarray(tables[k], np.int64)) for k in sorted(tables)][:2]
    refs = (_LUMA, _CHROMA)
    best, best_err = None, None
    for q in range(1, 101):   # ties go to the higher quality: never save worse than the source
        err = sum(int(np.abs(np.sort(_scaled(refs[i], q)) - t).sum()) for i, t in enumerate(ordered) if t.size == 64)
        if best_err is None or err <= best_err:
            best, best_err = q, err
    return best


def saved_exif(raw: bytes | None, width: int, height: int, maker_note: bool = True) -> bytes | None:
    """EXIF for a file whose pixels are stored upright at width x height: ``raw``'s tags with
    Orientation 1, no thumbnail (IFD1 is not written), no storage tags, the Exif IFD's pixel
    size made the new one's (and no maker note unless ``maker_note``). None when there is
    nothing to keep or ``raw`` cannot be read."""
    if not raw:
        return None
    src = Image.Exif()
    try:
        src.load(raw)
        out = Image.Exif()
        for tag, value in src.items():
            if tag not in _STRUCTURE_TAGS and tag not in (ExifTags.IFD.Exif, ExifTags.IFD.GPSInfo):
                out[tag] = value
        for ifd in (ExifTags.IFD.Exif, ExifTags.IFD.GPSInfo):
            sub = dict(src.get_ifd(ifd))
            if ifd == ExifTags.IFD.Exif:
                if ExifTags.IFD.Interop in sub:   # its own sub-IFD, as a dict for tobytes
                    sub[ExifTags.IFD.Interop] = dict(src.get_ifd(ExifTags.IFD.Interop))
                if _PIXEL_X in sub or _PIXEL_Y in sub:
                    sub[_PIXEL_X], sub[_PIXEL_Y] = width, height
                if not maker_note:
                    sub.pop(MAKER_NOTE, None)
            if sub:
                out[ifd] = sub
        if not len(out):
            return None
        out[ORIENTATION] = 1
        data = out.tobytes()
        Image.Exif().load(data)   # what we write must read back
        return data
    except Exception:  # noqa: BLE001 - a block Pillow cannot re-encode: the photo is saved without it
        return None


def file_quality(path) -> int | None:
    """The estimated JPEG quality of a file on disk (None for other formats)."""
    with Image.open(path) as img:
        return jpeg_quality(img) if img.format == "JPEG" else None


__all__ = ["METADATA_FORMATS", "exif_bytes", "file_quality", "jpeg_quality", "rgb_icc", "saved_exif"]
