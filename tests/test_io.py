"""Reading photos in every mode we meet, refusing bad files clearly, writing atomically."""
from __future__ import annotations

import os
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from inference.io import ImageReadError, ImageWriteError, MAX_PIXELS, read_image, write_image


def _png_header_only(path, width, height):
    """A PNG whose header claims width x height (no real pixel data): enough to test the cap
    without allocating gigabytes."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                     + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b""))


def test_reads_rgb_png(sample_path, astronaut):
    p = read_image(sample_path)
    assert p.rgb.dtype == np.uint8 and p.rgb.shape == (512, 512, 3)
    assert np.array_equal(p.rgb, astronaut)
    assert p.alpha is None


def test_zero_byte_file(tmp_path):
    f = tmp_path / "empty.jpg"
    f.write_bytes(b"")
    with pytest.raises(ImageReadError, match="empty"):
        read_image(f)


def test_truncated_jpeg(tmp_path, astronaut):
    f = tmp_path / "cut.jpg"
    Image.fromarray(astronaut).save(f, quality=90)
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageReadError, match="truncated|decode"):
        read_image(f)


def test_text_file_named_jpg(tmp_path):
    f = tmp_path / "notes.jpg"
    f.write_text("this is not a photo\n" * 20)
    with pytest.raises(ImageReadError, match="not a photo"):
        read_image(f)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ImageReadError, match="no such file"):
        read_image(tmp_path / "nope.png")
    with pytest.raises(ImageReadError, match="folder"):
        read_image(tmp_path)


def test_huge_png_is_refused_before_decoding(tmp_path):
    f = tmp_path / "huge.png"
    _png_header_only(f, 20000, 20000)
    assert 20000 * 20000 > MAX_PIXELS
    with pytest.raises(ImageReadError, match="400 megapixels.*limit"):
        read_image(f)


def test_16bit_grey_png_is_scaled_not_clipped(tmp_path):
    ramp = np.tile(np.linspace(0, 65535, 256).astype(np.uint16), (32, 1))
    f = tmp_path / "grey16.png"
    Image.fromarray(ramp).save(f)
    p = read_image(f)
    assert p.rgb.shape == (32, 256, 3)
    expect = np.round(ramp / 257.0)
    assert np.abs(p.rgb[..., 0].astype(int) - expect).max() <= 1
    assert p.rgb[..., 0].max() == 255 and p.rgb[..., 0].min() == 0  # full range, no clipping at 255


def test_dark_16bit_photo_stays_dark(tmp_path, astronaut):
    # the portrait 8 stops under-exposed in a 16-bit file: every sample below 256 of 65535
    dark = astronaut.mean(axis=2).astype(np.uint16)
    f = tmp_path / "dark16.png"
    Image.fromarray(dark).save(f)
    assert Image.open(f).mode.startswith("I;16")
    p = read_image(f)
    assert p.rgb.max() <= 1   # 255 / 65535 of full scale, not taken for 8-bit values


def test_16bit_rgb_png(tmp_path, astronaut):
    deep = astronaut.astype(np.uint16) * 257
    f = tmp_path / "rgb16.png"
    assert cv2.imwrite(str(f), cv2.cvtColor(deep, cv2.COLOR_RGB2BGR))
    p = read_image(f)
    assert np.abs(p.rgb.astype(int) - astronaut.astype(int)).max() <= 1


def test_grayscale_becomes_three_equal_channels(tmp_path, astronaut):
    grey = cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY)
    f = tmp_path / "grey.png"
    Image.fromarray(grey).save(f)
    p = read_image(f)
    assert p.rgb.shape == (512, 512, 3)
    assert np.array_equal(p.rgb[..., 0], grey) and np.array_equal(p.rgb[..., 2], grey)


def test_rgba_alpha_is_kept_through_read_and_write(tmp_path, astronaut):
    alpha = np.tile(np.linspace(0, 255, 512).astype(np.uint8), (512, 1))
    f = tmp_path / "rgba.png"
    Image.fromarray(np.dstack([astronaut, alpha]), "RGBA").save(f)
    p = read_image(f)
    assert np.array_equal(p.alpha, alpha) and np.array_equal(p.rgb, astronaut)
    out = write_image(tmp_path / "again.png", p.rgb, p.alpha)
    q = read_image(out)
    assert np.array_equal(q.alpha, alpha)


def test_cmyk_jpeg(tmp_path, astronaut):
    f = tmp_path / "cmyk.jpg"
    Image.fromarray(astronaut).convert("CMYK").save(f, quality=95)
    assert Image.open(f).mode == "CMYK"
    p = read_image(f)
    assert p.source_mode == "CMYK" and p.rgb.shape == (512, 512, 3)
    assert np.abs(p.rgb.astype(float) - astronaut).mean() < 6


def test_exif_orientation_is_applied(tmp_path, astronaut):
    upright = astronaut[:, 100:400]                     # 512 tall, 300 wide
    stored = np.ascontiguousarray(np.rot90(upright, 1))  # what a sideways camera writes
    img = Image.fromarray(stored)
    exif = img.getexif()
    exif[0x0112] = 6                                     # "rotate 90 CW to display"
    f = tmp_path / "rotated.jpg"
    img.save(f, exif=exif, quality=95)
    p = read_image(f)
    assert p.rgb.shape == upright.shape
    assert np.abs(p.rgb.astype(float) - upright).mean() < 4


def test_palette_and_other_formats(tmp_path, astronaut):
    for name, kwargs in (("p.png", {}), ("x.webp", {"quality": 95}), ("x.tiff", {}), ("x.bmp", {})):
        f = tmp_path / name
        im = Image.fromarray(astronaut)
        (im.convert("P", palette=Image.Palette.ADAPTIVE) if name == "p.png" else im).save(f, **kwargs)
        p = read_image(f)
        assert p.rgb.shape == (512, 512, 3)
        assert np.abs(p.rgb.astype(float) - astronaut).mean() < 12, name


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path, astronaut):
    target = tmp_path / "out.jpg"
    target.write_bytes(b"old contents")
    write_image(target, astronaut)
    assert read_image(target).rgb.shape == astronaut.shape
    assert [q.name for q in tmp_path.iterdir()] == ["out.jpg"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_saved_photo_has_a_normal_files_permissions(tmp_path, astronaut):
    """Written through a private temporary file (0600), a new photo still gets what any new
    file gets (0666 less the umask), and a replaced one keeps its own permissions."""
    from inference.io import write as io
    new = tmp_path / "new.png"
    write_image(new, astronaut)
    assert new.stat().st_mode & 0o777 == 0o666 & ~io._UMASK
    old = tmp_path / "old.jpg"
    old.write_bytes(b"old contents")
    old.chmod(0o640)
    write_image(old, astronaut)
    assert old.stat().st_mode & 0o777 == 0o640


def test_write_errors_are_clear(tmp_path, astronaut):
    with pytest.raises(ImageWriteError, match="unknown file type"):
        write_image(tmp_path / "out.xyz", astronaut)
    with pytest.raises(ImageWriteError, match="does not exist"):
        write_image(tmp_path / "missing" / "out.png", astronaut)
