"""Issue 18 end to end: the CLI as a hostile user runs it. Every case exits 2 with one line on
stderr and no traceback (or succeeds where that is right), and no input is ever changed."""
from __future__ import annotations

import os
import sys
import time

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import ROOT
from conftest import assert_one_line_error as assert_user_error
from conftest import run_cli as run


def _files(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture()
def photo(tmp_path, astronaut):
    p = tmp_path / "P.jpg"
    Image.fromarray(astronaut).save(p, quality=92)
    return p


@pytest.fixture()
def mask(tmp_path):
    m = np.zeros((512, 512), np.uint8)
    m[100:150, 300:360] = 255
    p = tmp_path / "M.png"
    Image.fromarray(m).save(p)
    return p


# --- data loss ----------------------------------------------------------------------------

def test_faces_json_onto_the_photo_is_refused(tmp_path, photo):
    (tmp_path / "link.jpg").symlink_to(photo)
    os.link(photo, tmp_path / "hard.jpg")
    before = _files(tmp_path)
    for target in (photo, tmp_path / "link.jpg", tmp_path / "hard.jpg"):
        assert_user_error(run("faces", photo, "--json", target), "--overwrite")
    assert _files(tmp_path) == before


def test_inpaint_output_onto_the_mask_is_refused(tmp_path, photo, mask):
    os.link(mask, tmp_path / "hard.png")
    before = _files(tmp_path)
    for target in (mask, tmp_path / "hard.png"):
        assert_user_error(run("inpaint", photo, mask, target, "--engine", "telea"), "--overwrite")
    assert _files(tmp_path) == before


def test_json_path_errors_are_one_line(tmp_path, photo):
    assert_user_error(run("faces", photo, "--json", tmp_path / "missing" / "f.json"), "does not exist")
    assert_user_error(run("faces", photo, "--json", tmp_path), "is a folder")
    ro = tmp_path / "ro.json"
    ro.write_text("keep")
    ro.chmod(0o444)
    assert_user_error(run("faces", photo, "--json", ro), "read-only")
    assert ro.read_text() == "keep"


def test_json_on_a_full_disk_keeps_the_old_file(tmp_path, photo):
    """RLIMIT_FSIZE makes the write fail as a full disk does; the JSON was left truncated."""
    import resource
    out = tmp_path / "faces.json"
    out.write_text("[]")

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))
    res = run("faces", photo, "--json", out, preexec_fn=limit)
    assert_user_error(res, "cannot write")
    assert out.read_text() == "[]" and sorted(_files(tmp_path)) == ["P.jpg", "faces.json"]


def test_a_read_only_output_needs_overwrite(tmp_path, photo, mask):
    out = tmp_path / "O.png"
    out.write_bytes(b"precious")
    out.chmod(0o444)
    assert_user_error(run("inpaint", photo, mask, out, "--engine", "telea"), "read-only")
    assert out.read_bytes() == b"precious"
    res = run("inpaint", photo, mask, out, "--engine", "telea", "--overwrite")
    assert res.returncode == 0, res.stderr
    assert out.stat().st_mode & 0o777 == 0o444 and out.read_bytes() != b"precious"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_an_output_in_a_read_only_folder(tmp_path, photo, mask):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        assert_user_error(run("inpaint", photo, mask, ro / "o.png", "--engine", "telea"), "Permission denied")
    finally:
        ro.chmod(0o755)


# --- hangs and foreign formats --------------------------------------------------------------

def test_eps_named_jpg_returns_at_once(tmp_path):
    f = tmp_path / "x.jpg"
    f.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n{ } loop\n")
    t = time.monotonic()
    assert_user_error(run("faces", f, timeout=30), "not a photo")
    assert time.monotonic() - t < 15      # 5 s of reading; the rest is starting Python and mediapipe


@pytest.mark.parametrize("fmt", ["AVIF", "DDS"])
def test_corrupt_avif_and_dds_named_jpg(tmp_path, fmt):
    import io
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (90, 20, 30)).save(buf, fmt)
    data = buf.getvalue()
    f = tmp_path / "x.jpg"
    f.write_bytes(data[: len(data) // 2] + b"\0" * 64)
    assert_user_error(run("faces", f), "x.jpg")


def test_a_photo_at_the_pixel_cap_with_no_face_is_quick(tmp_path):
    """A 9999x9999 PNG of one colour (~0.3 MB) cost 20-37 s and 1.6 GB before 'no face'."""
    f = tmp_path / "big.png"
    Image.new("RGB", (9999, 9999), (128, 128, 128)).save(f, compress_level=1)
    t = time.monotonic()
    assert_user_error(run("faces", f), "no face")
    assert time.monotonic() - t < 60


# --- tracebacks -----------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(3, 50000), (50000, 3)])
def test_strips_have_no_face(tmp_path, shape):
    f = tmp_path / "strip.png"
    Image.fromarray(np.zeros(shape + (3,), np.uint8)).save(f)
    assert_user_error(run("faces", f), "no face")


def test_webp_and_jpeg_size_limits_are_named(tmp_path):
    wide = np.full((8, 16400, 3), 90, np.uint8)
    f = tmp_path / "wide.png"
    Image.fromarray(wide).save(f)
    m = np.zeros(wide.shape[:2], np.uint8)
    m[2:5, 100:110] = 255
    mp = tmp_path / "m.png"
    Image.fromarray(m).save(mp)
    assert_user_error(run("inpaint", f, mp, tmp_path / "o.webp", "--engine", "telea"), "16383")
    wider = np.full((4, 65536, 3), 90, np.uint8)
    Image.fromarray(wider).save(f)
    Image.fromarray(np.pad(m[:4], ((0, 0), (0, 65536 - m.shape[1])))).save(mp)
    assert_user_error(run("inpaint", f, mp, tmp_path / "o.jpg", "--engine", "telea"), "65500")
    assert not (tmp_path / "o.webp").exists() and not (tmp_path / "o.jpg").exists()


def test_seed_beyond_32_bits(photo, mask, tmp_path):
    assert_user_error(run("inpaint", photo, mask, tmp_path / "o.png", "--seed", str(2 ** 32)), "--seed")
    assert_user_error(run("inpaint", photo, mask, tmp_path / "o.png", "--seed", "-1"), "--seed")
    assert not (tmp_path / "o.png").exists()


def test_unknown_command_is_one_line_not_the_gui(tmp_path):
    res = run("smoth", env={**os.environ, "QT_QPA_PLATFORM": "", "DISPLAY": "", "WAYLAND_DISPLAY": ""})
    assert_user_error(res, "unknown command")
    assert "smooth" in res.stderr


def test_yaw_nan_is_refused(photo, tmp_path):
    for v in ("nan", "inf", "-inf"):
        assert_user_error(run("rotate", photo, tmp_path / "o.png", "--yaw", v), "--yaw")
    assert not (tmp_path / "o.png").exists()


def test_a_16bit_mask_with_low_values_is_not_empty(tmp_path, photo, astronaut):
    m = np.zeros((512, 512), np.uint16)
    m[100:150, 300:360] = 100
    mp = tmp_path / "m16.png"
    Image.fromarray(m).save(mp)
    out = tmp_path / "o.png"
    res = run("inpaint", photo, mp, out, "--engine", "telea")
    assert res.returncode == 0, res.stderr


def test_a_float32_tiff_is_read(tmp_path, astronaut):
    import cv2
    f = tmp_path / "hdr.tif"
    assert cv2.imwrite(str(f), cv2.cvtColor(astronaut.astype(np.float32) / 255, cv2.COLOR_RGB2BGR))
    res = run("faces", f)
    assert res.returncode == 0, res.stderr


def test_alpha_dropped_in_jpeg_is_said_once(tmp_path, astronaut, mask):
    src = tmp_path / "rgba.png"
    Image.fromarray(np.dstack([astronaut, np.full((512, 512), 128, np.uint8)]), "RGBA").save(src)
    res = run("inpaint", src, mask, tmp_path / "o.jpg", "--engine", "telea")
    assert res.returncode == 0, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("visage: note:") and "transparency" in lines[0]


# --- model files ----------------------------------------------------------------------------

def _crafted(tmp_path):
    sys.path.insert(0, str(ROOT / "tests"))
    from test_lama_weights import _crafted as make
    return make(tmp_path)


def test_crafted_model_files_are_refused_and_write_nothing(tmp_path, photo, mask):
    (a, on_load), (b, on_call) = _crafted(tmp_path)
    for f in (a, b):
        assert_user_error(run("inpaint", photo, mask, tmp_path / "o.png", "--engine", "lama", "--model", f),
                          "--trust-model")
    assert not on_load.exists() and not on_call.exists() and not (tmp_path / "o.png").exists()


def _weights(tmp_path, nan: bool = False):
    from safetensors.torch import save_file
    from test_lama_weights import _small
    net = _small()
    sd = {k: v.contiguous() for k, v in net.state_dict().items()}
    if nan:
        sd["generator.model.1.ffc.convl2l.weight"][0, 0, 0, 0] = float("nan")
    f = tmp_path / ("nan.safetensors" if nan else "w.safetensors")
    save_file(sd, f)
    return f


def test_lama_with_weights_and_a_model_returning_nan(tmp_path, photo, mask):
    sys.path.insert(0, str(ROOT / "tests"))
    res = run("inpaint", photo, mask, tmp_path / "o.png", "--engine", "lama", "--model", _weights(tmp_path))
    assert res.returncode == 0, res.stderr
    assert_user_error(run("inpaint", photo, mask, tmp_path / "n.png", "--engine", "lama", "--model",
                          _weights(tmp_path, nan=True)), "NaN")
    assert not (tmp_path / "n.png").exists()


def test_trusted_torchscript_failing_or_with_another_signature(tmp_path, photo, mask):
    class Raises(torch.nn.Module):
        def forward(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            return image.view(-1, 7, 13)

    class OneInput(torch.nn.Module):
        def forward(self, image: torch.Tensor) -> torch.Tensor:
            return image
    for name, module in (("raises.pt", Raises()), ("one.pt", OneInput())):
        f = tmp_path / name
        torch.jit.script(module).save(str(f))
        assert_user_error(run("inpaint", photo, mask, tmp_path / "o.png", "--engine", "lama", "--model", f,
                              "--trust-model"), "the model failed")
    assert not (tmp_path / "o.png").exists()
