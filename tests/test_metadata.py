"""What saving keeps: EXIF (a camera's model and date; Orientation 1 since pixels are stored
upright; no thumbnail), the ICC profile byte for byte (a wide-gamut one too, pixels not
converted), the source's JPEG quality; --quality; files written without ``like`` unchanged."""
from __future__ import annotations

import io

import numpy as np
import pytest
from conftest import assert_one_line_error, run_cli
from metadata_photo import MODEL, TAKEN, camera_jpeg, p3_profile, srgb_profile, tags_of
from PIL import Image, ImageCms

from inference.io import read_image, write_image
from inference.io.metadata import file_quality, jpeg_quality, saved_exif


@pytest.fixture(scope="module")
def portrait(astronaut) -> np.ndarray:
    """The sample cut to 400 x 512 (upright, taller than wide), so a turn changes its shape."""
    return np.ascontiguousarray(astronaut[:, 40:440])


@pytest.fixture()
def shot(tmp_path, portrait):
    return camera_jpeg(tmp_path / "shot.jpg", portrait, quality=80, icc=p3_profile())


def _close(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b).mean())


@pytest.mark.parametrize("quality", [10, 35, 50, 75, 80, 90, 95, 100])
def test_quality_estimate_is_exact_for_libjpeg_files(tmp_path, astronaut, quality):
    p = tmp_path / "q.jpg"
    Image.fromarray(astronaut).save(p, "JPEG", quality=quality)
    assert file_quality(p) == quality
    assert read_image(p).quality == quality


def test_reading_a_camera_photo(shot, portrait):
    photo = read_image(shot.path)
    assert photo.rgb.shape == portrait.shape                      # turned upright
    assert _close(photo.rgb, portrait) < 4                        # JPEG at 80: a few levels
    assert photo.icc == shot.icc and photo.quality == 80 and photo.format == "JPEG"
    assert tags_of(shot.path)["thumbnail"] and tags_of(shot.path)["orientation"] == 6


@pytest.mark.parametrize("ext", ["jpg", "png", "webp", "tif"])
def test_write_like_keeps_exif_and_icc(tmp_path, shot, ext):
    photo = read_image(shot.path)
    out = write_image(tmp_path / f"out.{ext}", photo.rgb, like=photo)
    tags = tags_of(out)
    assert tags["model"] == MODEL and tags["taken"] == TAKEN
    assert tags["orientation"] == 1 and not tags["thumbnail"]
    assert tags["size"] == (400, 512)                             # the stored size was 512 x 400
    assert tags["icc"] == shot.icc
    back = read_image(out)                                        # no turn applied on reading
    assert back.rgb.shape == photo.rgb.shape
    limit = 0 if ext in ("png", "tif") else 3                     # pixels are not converted
    assert _close(back.rgb, photo.rgb) <= limit
    profile = ImageCms.ImageCmsProfile(io.BytesIO(tags["icc"]))
    assert profile.profile.red_colorant[0][0] == pytest.approx(0.5151, abs=1e-3)   # P3's, not sRGB's 0.436


@pytest.mark.parametrize("ext", ["png", "tif", "webp"])
def test_metadata_survives_a_chain_of_saves(tmp_path, shot, ext):
    """What a saved file keeps reads back from it: a second edit saved like it keeps it too
    (batch chains commands through files)."""
    first = read_image(shot.path)
    middle = read_image(write_image(tmp_path / f"mid.{ext}", first.rgb, like=first))
    assert middle.icc == shot.icc and middle.format == {"tif": "TIFF"}.get(ext, ext.upper())
    tags = tags_of(write_image(tmp_path / "last.jpg", middle.rgb, like=middle))
    assert tags["model"] == MODEL and tags["taken"] == TAKEN and tags["orientation"] == 1
    assert tags["icc"] == shot.icc and tags["size"] == (400, 512)


def test_bmp_has_no_room_for_metadata(tmp_path, shot, monkeypatch):
    from inference.io import write as W
    notes = []
    monkeypatch.setattr(W, "note", notes.append)
    monkeypatch.setattr(W, "_noted", set())
    photo = read_image(shot.path)
    out = write_image(tmp_path / "out.bmp", photo.rgb, like=photo)
    assert tags_of(out)["model"] is None and tags_of(out)["icc"] is None
    assert len(notes) == 1 and "BMP" in notes[0]


def test_quality_from_source_and_given(tmp_path, shot):
    photo = read_image(shot.path)
    kept = write_image(tmp_path / "kept.jpg", photo.rgb, like=photo)
    given = write_image(tmp_path / "given.jpg", photo.rgb, quality=50, like=photo)
    plain = write_image(tmp_path / "plain.jpg", photo.rgb)
    assert file_quality(kept) == 80 and file_quality(given) == 50 and file_quality(plain) == 95
    assert given.stat().st_size < kept.stat().st_size < plain.stat().st_size
    webp_default = write_image(tmp_path / "d.webp", photo.rgb)
    webp_kept = write_image(tmp_path / "k.webp", photo.rgb, like=photo)
    assert webp_kept.stat().st_size < webp_default.stat().st_size  # 80, not 95
    for bad in (0, 101, 7.5, True):
        with pytest.raises(ValueError):
            write_image(tmp_path / "bad.jpg", photo.rgb, quality=bad)


def test_no_like_writes_no_metadata(tmp_path, shot):
    photo = read_image(shot.path)
    out = write_image(tmp_path / "plain.jpg", photo.rgb)
    tags = tags_of(out)
    assert tags["model"] is None and tags["icc"] is None


def test_tiff_storage_tags_stay_behind(tmp_path, portrait):
    """A TIFF's getexif() holds its strips and sample layout beside Make and Model: only the
    latter may reach another file."""
    exif = Image.Exif()
    exif[0x0110], exif[0x0112] = MODEL, 1
    src = tmp_path / "scan.tif"
    Image.fromarray(portrait).save(src, "TIFF", exif=exif.tobytes(), icc_profile=srgb_profile())
    photo = read_image(src)
    assert photo.icc == srgb_profile()
    out = write_image(tmp_path / "scan.jpg", photo.rgb, like=photo)
    with Image.open(out) as img:
        tags = img.getexif()
        assert tags[0x0110] == MODEL and img.info["icc_profile"] == srgb_profile()
        assert not {256, 257, 258, 273, 279} & set(tags)


def test_a_cmyk_profile_is_not_kept(tmp_path, portrait):
    """A CMYK photo's pixels are converted to RGB: its CMYK profile would misdescribe them."""
    cmyk_icc = bytearray(srgb_profile())
    cmyk_icc[16:20] = b"CMYK"
    src = tmp_path / "print.jpg"
    Image.fromarray(portrait).convert("CMYK").save(src, "JPEG", icc_profile=bytes(cmyk_icc))
    assert read_image(src).icc is None


def test_exif_too_large_for_a_jpeg(tmp_path, portrait, monkeypatch):
    """A JPEG's EXIF is one 64 KB marker: a huge maker note is left out (the rest kept), a
    block still too large is dropped; a note says which, and the photo is written."""
    from inference.io import write as W
    notes = []
    monkeypatch.setattr(W, "note", notes.append)
    monkeypatch.setattr(W, "_noted", set())
    for big_in_ifd0, kept in ((False, True), (True, False)):
        exif = Image.Exif()
        exif[0x0110] = MODEL
        exif.get_ifd(0x8769)[0x927C] = b"\x01" * 70000                      # the maker note
        if big_in_ifd0:
            exif[0x010E] = "x" * 70000                                   # an image description
        src = tmp_path / f"big{big_in_ifd0}.png"
        Image.fromarray(portrait).save(src, "PNG", exif=exif.tobytes())
        photo = read_image(src)
        out = write_image(tmp_path / f"big{big_in_ifd0}.jpg", photo.rgb, like=photo)
        with Image.open(out) as img:
            tags = img.getexif()
            assert (tags.get(0x0110) == MODEL) == kept
            assert 0x927C not in tags.get_ifd(0x8769)
        assert len(notes) == 1 and "EXIF is too large" in notes.pop()


def test_saved_exif_of_nothing_or_garbage():
    assert saved_exif(None, 10, 10) is None
    assert saved_exif(b"Exif\x00\x00not a tiff header at all", 10, 10) is None


def test_estimate_of_a_file_without_tables():
    assert jpeg_quality(Image.new("RGB", (8, 8))) is None


# -- the CLI ------------------------------------------------------------------------------------

def test_cli_smooth_keeps_metadata_and_quality(tmp_path, shot, portrait):
    out = tmp_path / "smooth.jpg"
    res = run_cli("smooth", shot.path, out, "--strength", "0.8")
    assert res.returncode == 0, res.stderr
    tags = tags_of(out)
    assert tags["model"] == MODEL and tags["taken"] == TAKEN
    assert tags["orientation"] == 1 and not tags["thumbnail"] and tags["icc"] == shot.icc
    back = read_image(out)
    assert back.rgb.shape == portrait.shape                       # upright, as stored
    assert _close(back.rgb, portrait) < 6                         # only the skin moved
    assert abs(file_quality(out) - 80) <= 3


def test_cli_quality_option(tmp_path, shot):
    low, high = tmp_path / "low.jpg", tmp_path / "high.jpg"
    assert run_cli("smooth", shot.path, low, "--quality", "40").returncode == 0
    assert run_cli("smooth", shot.path, high, "--quality", "97").returncode == 0
    assert file_quality(low) == 40 and file_quality(high) == 97
    assert low.stat().st_size * 2 < high.stat().st_size
    assert tags_of(low)["model"] == MODEL


def test_cli_inpaint_to_png_and_webp_keeps_metadata(tmp_path, shot, portrait):
    mask = np.zeros(portrait.shape[:2], np.uint8)
    mask[400:440, 20:80] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    for name, extra in (("filled.png", ()), ("filled.webp", ("--quality", "60"))):
        out = tmp_path / name
        res = run_cli("inpaint", shot.path, tmp_path / "mask.png", out, "--engine", "telea", *extra)
        assert res.returncode == 0, res.stderr
        tags = tags_of(out)
        assert tags["model"] == MODEL and tags["orientation"] == 1 and tags["icc"] == shot.icc
        back = read_image(out).rgb
        assert back.shape == portrait.shape
        assert _close(back[mask == 0], read_image(shot.path).rgb[mask == 0]) <= (0 if name.endswith("png") else 4)


@pytest.mark.parametrize("value", ["0", "101", "high", "9.5"])
def test_cli_bad_quality_is_one_line(tmp_path, sample_path, value):
    res = run_cli("smooth", sample_path, tmp_path / "o.jpg", "--quality", value)
    assert_one_line_error(res, "--quality")
    assert not (tmp_path / "o.jpg").exists()
