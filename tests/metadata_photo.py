"""A photo as a camera writes it, for the tests of what saving keeps: EXIF with a camera model,
a capture date, Orientation 6 (pixels stored turned; shown upright) and an embedded thumbnail,
and an ICC profile (sRGB from littlecms, or the same with Display P3's primaries: wide gamut).

    from metadata_photo import camera_jpeg
    shot = camera_jpeg(tmp_path / "shot.jpg", astronaut)   # shot.icc, shot.upright, ...
"""
from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import ExifTags, Image, ImageCms

MODEL = "Visage TestCam X100"
MAKE = "Visage Optics"
TAKEN = "2024:05:06 07:08:09"

_ASCII, _SHORT, _LONG = 2, 3, 4


def _ifd(entries: list[tuple[int, int, int, bytes]], start: int, next_ifd: int) -> bytes:
    """One little-endian TIFF IFD at file offset ``start``: (tag, type, count, value bytes);
    values over 4 bytes go after the IFD."""
    after = start + 2 + 12 * len(entries) + 4
    head, extra = struct.pack("<H", len(entries)), b""
    for tag, typ, count, value in sorted(entries):
        if len(value) <= 4:
            head += struct.pack("<HHI", tag, typ, count) + value.ljust(4, b"\0")
        else:
            head += struct.pack("<HHII", tag, typ, count, after + len(extra))
            extra += value + (b"\0" if len(value) % 2 else b"")
    return head + struct.pack("<I", next_ifd) + extra


def _ascii(tag: int, text: str) -> tuple[int, int, int, bytes]:
    data = text.encode() + b"\0"
    return tag, _ASCII, len(data), data


def exif_with_thumbnail(orientation: int, width: int, height: int, thumbnail: bytes) -> bytes:
    """An APP1 EXIF block as cameras write it: IFD0 (Make, Model, Orientation, the Exif IFD),
    the Exif IFD (DateTimeOriginal, the pixel size) and IFD1 pointing at a JPEG thumbnail."""
    def layout(exif_at: int, ifd1_at: int, thumb_at: int) -> tuple[bytes, bytes, bytes]:
        ifd0 = _ifd([_ascii(0x010F, MAKE), _ascii(0x0110, MODEL),
                     (0x0112, _SHORT, 1, struct.pack("<H", orientation)),
                     (0x8769, _LONG, 1, struct.pack("<I", exif_at))], 8, ifd1_at)
        exif = _ifd([_ascii(0x9003, TAKEN), (0xA002, _LONG, 1, struct.pack("<I", width)),
                     (0xA003, _LONG, 1, struct.pack("<I", height))], exif_at, 0)
        ifd1 = _ifd([(0x0103, _SHORT, 1, struct.pack("<H", 6)),
                     (0x0201, _LONG, 1, struct.pack("<I", thumb_at)),
                     (0x0202, _LONG, 1, struct.pack("<I", len(thumbnail)))], ifd1_at, 0)
        return ifd0, exif, ifd1
    ifd0, exif, ifd1 = layout(0, 0, 0)                  # sizes do not depend on the offsets
    exif_at = 8 + len(ifd0)
    ifd1_at = exif_at + len(exif)
    ifd0, exif, ifd1 = layout(exif_at, ifd1_at, ifd1_at + len(ifd1))
    return b"Exif\x00\x00" + b"II*\x00" + struct.pack("<I", 8) + ifd0 + exif + ifd1 + thumbnail


# Display P3's primaries adapted to D50 (the profile connection space's white), as s15Fixed16
_P3_D50 = {b"rXYZ": (0.5151, 0.2412, -0.0011), b"gXYZ": (0.2920, 0.6922, 0.0419),
           b"bXYZ": (0.1571, 0.0666, 0.7841)}


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def p3_profile() -> bytes:
    """littlecms's sRGB profile with its colorants made Display P3's: a wide-gamut RGB profile."""
    data = bytearray(srgb_profile())
    count = struct.unpack(">I", data[128:132])[0]
    for i in range(count):
        sig, offset, _size = struct.unpack(">4sII", data[132 + 12 * i:144 + 12 * i])
        if sig in _P3_D50:
            xyz = b"".join(struct.pack(">i", round(v * 65536)) for v in _P3_D50[sig])
            data[offset + 8:offset + 20] = xyz
    data[84:100] = bytes(16)      # the profile ID (an MD5) no longer holds: 0 says "not computed"
    return bytes(data)


@dataclass
class Shot:
    path: Path
    upright: np.ndarray     # the pixels as shown (what read_image gives)
    icc: bytes
    quality: int


def camera_jpeg(path: Path, upright: np.ndarray, quality: int = 80, icc: bytes | None = None,
                orientation: int = 6) -> Shot:
    """Write ``upright`` as a camera would with Orientation 6: stored turned a quarter
    counter-clockwise (a viewer turns it clockwise), EXIF with a thumbnail, an ICC profile."""
    icc = srgb_profile() if icc is None else icc
    assert orientation in (1, 6)
    stored = np.ascontiguousarray(np.rot90(upright, 1)) if orientation == 6 else upright
    thumb = io.BytesIO()
    Image.fromarray(stored).resize((stored.shape[1] // 8, stored.shape[0] // 8)).save(thumb, "JPEG", quality=70)
    exif = exif_with_thumbnail(orientation, stored.shape[1], stored.shape[0], thumb.getvalue())
    Image.fromarray(stored).save(path, "JPEG", quality=quality, exif=exif, icc_profile=icc)
    return Shot(path, upright, icc, quality)


def tags_of(path: Path) -> dict:
    """What a saved file says: model, make, date taken, orientation, whether it has a thumbnail,
    its ICC profile."""
    with Image.open(path) as img:
        exif = img.getexif()
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        return {"model": exif.get(0x0110), "make": exif.get(0x010F), "taken": sub.get(0x9003),
                "orientation": exif.get(0x0112), "thumbnail": bool(exif.get_ifd(ExifTags.IFD.IFD1)),
                "size": (sub.get(0xA002), sub.get(0xA003)), "icc": img.info.get("icc_profile"),
                "format": img.format}
