"""Hostile input to the library (issue 18): files that hang or crash decoders, outputs that
would destroy what the user owns, interrupted writes. The crafted files are made here."""
from __future__ import annotations

import io
import random
import time

import numpy as np
import pytest
from PIL import Image

from inference.io import ImageReadError, read_image

EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n{ } loop\n"


def _mutations(data: bytes, n: int, seed: int, head: int = 200) -> list[bytes]:
    """n damaged copies of data: cut short, or a few bytes of its first ``head`` changed."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        d = bytearray(data)
        if i % 2:
            d = d[:rng.randrange(len(d))]
        else:
            for _ in range(rng.randint(1, 10)):
                d[rng.randrange(min(len(d), head))] = rng.randrange(256)
        out.append(bytes(d))
    return out


def test_eps_named_jpg_is_refused_at_once_without_ghostscript(tmp_path, monkeypatch):
    """Pillow hands EPS to Ghostscript, and this 74-byte file loops for ever in it."""
    from PIL import EpsImagePlugin
    called = []
    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", lambda *a, **k: called.append(a) or time.sleep(30))
    f = tmp_path / "photo.jpg"
    f.write_bytes(EPS)
    assert len(EPS) <= 80
    t = time.monotonic()
    with pytest.raises(ImageReadError, match="not a photo.*PostScript"):
        read_image(f)
    assert time.monotonic() - t < 5 and not called


@pytest.mark.parametrize("fmt", ["AVIF", "DDS"])
def test_damaged_foreign_formats_named_jpg_are_one_line_errors(tmp_path, fmt):
    """Corrupt AVIF / DDS files raised RuntimeError / OverflowError / MemoryError (tracebacks)."""
    pixels = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, fmt)
    for i, data in enumerate(_mutations(buf.getvalue(), 60, seed=0)):
        f = tmp_path / f"{i}.jpg"
        f.write_bytes(data)
        with pytest.raises(ImageReadError) as err:
            read_image(f)
        assert "\n" not in str(err.value)
    f = tmp_path / "whole.jpg"
    f.write_bytes(buf.getvalue())       # even undamaged: not a format Visage reads
    with pytest.raises(ImageReadError, match=f"not a photo.*{fmt}"):
        read_image(f)


def test_gif_is_read(tmp_path, astronaut):
    f = tmp_path / "a.gif"
    Image.fromarray(astronaut).save(f)
    assert read_image(f).rgb.shape == astronaut.shape


def test_a_fifo_is_refused_not_read_for_ever(tmp_path):
    import os
    f = tmp_path / "pipe.jpg"
    os.mkfifo(f)
    with pytest.raises(ImageReadError, match="not a regular file"):
        read_image(f)


def test_no_copy_of_an_upright_photo(tmp_path, astronaut, monkeypatch):
    """exif_transpose copies the whole photo even when there is nothing to turn (300 MB
    more at the pixel cap): only called when the orientation asks for a turn."""
    from PIL import ImageOps
    calls = []
    real = ImageOps.exif_transpose
    monkeypatch.setattr(ImageOps, "exif_transpose", lambda im, **k: calls.append(1) or real(im, **k))
    f = tmp_path / "a.jpg"
    Image.fromarray(astronaut).save(f)
    read_image(f)
    assert not calls


def test_16bit_masks_with_low_values_are_not_empty(tmp_path):
    """A mask painted at 100 of 65535 rounds to 0 in 8 bits; it was called empty."""
    import cv2
    from inference.io import read_mask
    grey = np.zeros((40, 50), np.uint16)
    grey[10:20, 5:15] = 100
    f = tmp_path / "m16.png"
    Image.fromarray(grey).save(f)
    assert np.array_equal(read_mask(f), grey > 0)
    colour = np.zeros((40, 50, 3), np.uint16)
    colour[10:20, 5:15, 1] = 100
    g = tmp_path / "m16rgb.png"
    assert cv2.imwrite(str(g), colour)
    assert np.array_equal(read_mask(g), colour.max(axis=2) > 0)
    h = tmp_path / "mf.tif"
    Image.fromarray((grey > 0).astype(np.float32) * 1e-4).save(h)
    assert np.array_equal(read_mask(h), grey > 0)


def test_float32_rgb_tiff_is_read_not_called_not_a_tiff(tmp_path, astronaut):
    import cv2
    from inference.io import read_mask
    rgb = astronaut.astype(np.float32) / 255
    f = tmp_path / "hdr.tif"
    assert cv2.imwrite(str(f), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    p = read_image(f)
    assert p.rgb.shape == astronaut.shape and np.abs(p.rgb.astype(int) - astronaut).max() <= 1
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 0.5, np.float32)])
    assert cv2.imwrite(str(f), cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    p = read_image(f)
    assert np.abs(p.rgb.astype(int) - astronaut).max() <= 1 and abs(int(p.alpha.mean()) - 128) <= 1
    m = np.zeros((30, 20, 3), np.float32)
    m[5:9, 3:7, 2] = 1e-3
    assert cv2.imwrite(str(f), m)
    assert read_mask(f).sum() == 16
    # sample layouts no decoder here reads are named, not called "not a TIFF"
    g = tmp_path / "int32.tif"
    assert cv2.imwrite(str(g), np.zeros((8, 8, 3), np.int32))
    with pytest.raises(ImageReadError, match="a TIFF of 3 x 32-bit signed integer samples"):
        read_image(g)
