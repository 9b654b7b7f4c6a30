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


@pytest.mark.parametrize("name", ["a.gif", "a.ppm", "a.pgm"])
def test_gif_and_netpbm_are_read(tmp_path, astronaut, name):
    f = tmp_path / name
    Image.fromarray(astronaut).convert("L" if name.endswith(".pgm") else "RGB").save(f)
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


# --- writing: nothing the user owns is lost ------------------------------------------------

def _only(folder) -> list[str]:
    import os
    return sorted(os.listdir(folder))


def test_check_output_refuses_every_input_through_links(tmp_path):
    import os
    from inference.io import ImageWriteError, check_output
    photo, mask = tmp_path / "p.jpg", tmp_path / "m.png"
    photo.write_bytes(b"photo")
    mask.write_bytes(b"mask")
    (tmp_path / "link.jpg").symlink_to(photo)
    os.link(mask, tmp_path / "hard.png")
    inputs = [("the photo", photo), ("the mask", mask), None]
    for out, what in ((photo, "the photo"), (tmp_path / "link.jpg", "the photo"),
                      (mask, "the mask"), (tmp_path / "hard.png", "the mask"),
                      (tmp_path / "." / "m.png", "the mask")):
        with pytest.raises(ImageWriteError, match=f"is {what}.*--overwrite"):
            check_output(out, inputs, overwrite=False)
        assert check_output(out, inputs, overwrite=True) == out
    with pytest.raises(ImageWriteError, match="an input of this command"):
        check_output(photo, [photo])
    assert check_output(tmp_path / "new.json", inputs) == tmp_path / "new.json"
    with pytest.raises(ImageWriteError, match="does not exist"):
        check_output(tmp_path / "no" / "x.json", inputs, overwrite=True)
    with pytest.raises(ImageWriteError, match="is a folder"):
        check_output(tmp_path, inputs, overwrite=True)


def test_check_output_refuses_a_read_only_target_without_overwrite(tmp_path, astronaut):
    from inference.io import ImageWriteError, check_output, write_image
    out = tmp_path / "keep.png"
    out.write_bytes(b"precious")
    out.chmod(0o444)
    with pytest.raises(ImageWriteError, match="read-only.*--overwrite"):
        check_output(out, [tmp_path / "other.png"])
    check_output(out, [], overwrite=True)
    write_image(out, astronaut)
    assert out.stat().st_mode & 0o777 == 0o444 and read_image(out).rgb.shape == astronaut.shape


def test_write_text_is_atomic_with_one_line_errors(tmp_path, monkeypatch):
    import errno
    import io as pyio
    import os
    from inference.io import ImageWriteError, write_text
    out = tmp_path / "faces.json"
    write_text(out, "[1, 2]")
    assert out.read_text() == "[1, 2]" and _only(tmp_path) == ["faces.json"]
    assert out.stat().st_mode & 0o777 == 0o666 & ~__import__("inference.io.write").io.write._UMASK
    with pytest.raises(ImageWriteError, match="folder .* does not exist"):
        write_text(tmp_path / "missing" / "f.json", "x")
    with pytest.raises(ImageWriteError, match="is a folder"):
        write_text(tmp_path, "x")

    class Full(pyio.FileIO):
        def write(self, b):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(os, "fdopen", lambda fd, mode="r", *a, **k: Full(fd, "wb"))
    with pytest.raises(ImageWriteError, match="No space left on device") as err:
        write_text(out, "[3, 4]" * 10000)
    assert "\n" not in str(err.value)
    assert out.read_text() == "[1, 2]" and _only(tmp_path) == ["faces.json"]   # old content, no temp


def test_a_file_too_large_for_the_limit_leaves_the_old_one(tmp_path):
    """A real short write (RLIMIT_FSIZE: EFBIG, as a full disk gives ENOSPC) in a child."""
    import subprocess
    import sys
    from conftest import ROOT
    out = tmp_path / "faces.json"
    out.write_text("old")
    code = ("import resource, sys; sys.path.insert(0, %r); from inference.io import write_text, ImageWriteError\n"
            "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
            "try:\n    write_text(%r, 'x' * 100000)\nexcept ImageWriteError as e:\n    print(e)\n") % (str(ROOT), str(out))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "cannot write (File too large)" in res.stdout, res.stdout + res.stderr
    assert out.read_text() == "old" and _only(tmp_path) == ["faces.json"]


def test_a_read_only_folder_is_a_one_line_error(tmp_path, astronaut, monkeypatch):
    """mkstemp sat outside the try: EACCES escaped as a traceback. (Root ignores folder
    permissions, so the refusal is simulated; the real one is below for other users.)"""
    import errno
    import os
    from inference.io import ImageWriteError, write_image, write_text
    real = os.open

    def refuse(path, flags, *a, **k):
        if str(path).startswith(str(tmp_path)) and flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path, flags, *a, **k)
    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(ImageWriteError, match="cannot write \\(Permission denied\\)"):
        write_image(tmp_path / "o.png", astronaut)
    with pytest.raises(ImageWriteError, match="Permission denied"):
        write_text(tmp_path / "o.json", "x")
    assert _only(tmp_path) == []


@pytest.mark.skipif(__import__("os").geteuid() == 0, reason="root writes into read-only folders")
def test_a_really_read_only_folder(tmp_path, astronaut):
    from inference.io import ImageWriteError, write_image
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(ImageWriteError, match="Permission denied"):
            write_image(ro / "o.png", astronaut)
    finally:
        ro.chmod(0o755)


def test_replaced_file_loses_setuid_setgid_sticky(tmp_path, astronaut):
    from inference.io import write_image
    for bits in (0o4755, 0o2755, 0o1755, 0o6775):
        f = tmp_path / f"{bits:o}.png"
        f.write_bytes(b"old")
        f.chmod(bits)
        assert f.stat().st_mode & 0o7000
        write_image(f, astronaut)
        assert f.stat().st_mode & 0o7777 == bits & 0o777


def test_the_folder_is_fsynced_after_the_rename(tmp_path, astronaut, monkeypatch):
    import os
    import stat
    from inference.io import write_image
    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(stat.S_ISDIR(os.fstat(fd).st_mode)) or real(fd))
    write_image(tmp_path / "a.png", astronaut)
    assert synced == [False, True]     # the file, then its folder


def test_format_limits_are_named_before_encoding(tmp_path):
    from inference.io import ImageWriteError, write_image
    wide = np.zeros((1, 16384, 3), np.uint8)
    with pytest.raises(ImageWriteError, match="WebP images are at most 16383 pixels.*PNG"):
        write_image(tmp_path / "w.webp", wide)
    with pytest.raises(ImageWriteError, match="JPEG images are at most 65500 pixels.*PNG"):
        write_image(tmp_path / "w.jpg", np.zeros((65536, 1, 3), np.uint8))
    write_image(tmp_path / "w.png", wide)
    write_image(tmp_path / "ok.webp", wide[:, :16383])
    assert _only(tmp_path) == ["ok.webp", "w.png"]


def test_dropping_alpha_is_said_once(tmp_path, astronaut, capsys, monkeypatch):
    from inference.io import write as vio
    monkeypatch.setattr(vio, "_noted", set())
    alpha = np.full(astronaut.shape[:2], 255, np.uint8)
    vio.write_image(tmp_path / "opaque.jpg", astronaut, alpha)       # nothing lost: no note
    assert capsys.readouterr().err == ""
    alpha[:10] = 0
    for name in ("a.jpg", "b.jpg", "c.jpeg"):
        vio.write_image(tmp_path / name, astronaut, alpha)
    vio.write_image(tmp_path / "d.bmp", astronaut, alpha)
    vio.write_image(tmp_path / "e.png", astronaut, alpha)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and err[0].startswith("visage: note: JPEG has no transparency") and "BMP" in err[1]
    assert all("PNG" in line for line in err)


_SLOW_WRITE = """
import sys, time
sys.path.insert(0, {root!r})
import numpy as np
from PIL import Image
from inference.io import write_image
real = Image.Image.save
def slow(self, fp, *a, **k):
    real(self, fp, *a, **k)
    print("writing", flush=True)
    time.sleep(60)
Image.Image.save = slow
write_image({out!r}, np.zeros((64, 64, 3), np.uint8))
"""


def _killed_mid_write(folder, sig):
    import subprocess
    import sys
    from conftest import ROOT
    out = folder / "photo.png"
    out.write_bytes(b"the user's photo")
    child = subprocess.Popen([sys.executable, "-c", _SLOW_WRITE.format(root=str(ROOT), out=str(out))],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "writing", child.stderr.read()
        assert len(_only(folder)) == 2                    # the photo and our temporary file
        child.send_signal(sig)
        child.wait(timeout=20)
    finally:
        child.kill()
        child.wait()
    assert out.read_bytes() == b"the user's photo"
    return child.returncode


def test_sigterm_mid_write_removes_the_temporary_file(tmp_path):
    import signal
    assert _killed_mid_write(tmp_path, signal.SIGTERM) == -signal.SIGTERM   # still ends as SIGTERM does
    assert _only(tmp_path) == ["photo.png"]


def test_temporary_files_of_a_killed_write_are_removed_by_the_next(tmp_path, astronaut):
    import os
    import signal
    from inference.io import write_image
    assert _killed_mid_write(tmp_path, signal.SIGKILL) == -signal.SIGKILL
    left = [n for n in _only(tmp_path) if n != "photo.png"]
    assert len(left) == 1 and ".visage-" in left[0]          # SIGKILL cannot be caught
    mine = tmp_path / f".x.png.visage-{os.getppid()}-{'0' * 12}.tmp"   # a live process's: kept
    mine.write_bytes(b"")
    theirs = tmp_path / ".notes.tmp"                          # not ours: kept
    theirs.write_bytes(b"")
    write_image(tmp_path / "other.png", astronaut)
    assert _only(tmp_path) == sorted([".notes.tmp", mine.name, "other.png", "photo.png"])


# --- faces: strips and photos at the pixel cap ---------------------------------------------

@pytest.mark.parametrize("shape", [(3, 50000, 3), (50000, 3, 3), (1, 1, 3)])
def test_strips_have_no_face_and_no_traceback(shape):
    """cv2.resize was asked for a 0-pixel side (3 * 1280/50000 rounds to 0) and raised."""
    from inference import faces as F
    t = time.monotonic()
    d = F.detect_all(np.zeros(shape, np.uint8))
    assert d.faces == [] and d.tiny == []
    assert time.monotonic() - t < 5


def test_big_photos_are_searched_on_a_reduced_copy(astronaut, astronaut_faces, monkeypatch):
    """The tile search's cost follows the pixels searched (a 100 MP photo: ~20 s for no face);
    above DETECT_MAX_PIXELS boxes are found on a smaller copy, the mesh on the photo itself."""
    import cv2
    from inference import faces as F
    big = cv2.resize(astronaut, (1024, 1024), interpolation=cv2.INTER_CUBIC)
    seen = []
    real = F._detect_boxes
    monkeypatch.setattr(F, "_detect_boxes", lambda im: seen.append(im.shape[0] * im.shape[1]) or real(im))
    monkeypatch.setattr(F, "DETECT_MAX_PIXELS", 600 * 600)
    found = F.detect(big)
    assert seen and max(seen) <= 600 * 600
    assert len(found) == 1
    want = astronaut_faces[0].landmarks68 * 2
    assert np.abs(found[0].landmarks68 - want).mean() < 3     # meshed at full size, in its pixels
