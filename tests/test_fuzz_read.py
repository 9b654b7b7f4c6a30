"""Fuzzing the readers (issue 18): a few hundred damaged copies of each format Visage reads,
made here with a fixed seed, must each give a photo or a one-line ImageReadError, quickly.
They are read in a child process (a decoder hanging in C cannot be interrupted in-process),
which reports each file before and after reading it; a few go through the CLI as well."""
from __future__ import annotations

import io
import json
import random
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT

PER_FORMAT = 240          # damaged files per format
FOREIGN = ("DDS", "AVIF", "ICO", "TGA", "PCX", "SGI", "QOI", "JPEG2000", "EPS", "PDF", "ICNS", "DIB",
           "XBM", "MSP")   # formats Visage does not read, each saved under a .jpg name
PER_FILE_S = 5.0          # generous for CI; most take a few ms
FUZZ_MAX_PIXELS = 4_000_000   # headers claiming more are refused before decoding (as at the real cap)


def _pixels(w: int = 40, h: int = 30) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    rng = np.random.default_rng(7)
    img = np.dstack([x * 255 // w, y * 255 // h, (x + y) * 127 // (w + h)]) + rng.integers(0, 30, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def _encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _seeds() -> dict[str, list[bytes]]:
    """Undamaged files of every format and common variant Visage reads."""
    import cv2
    rgb = Image.fromarray(_pixels())
    alpha = Image.fromarray(np.dstack([_pixels(), np.tile(np.arange(40, dtype=np.uint8) * 6, (30, 1))]), "RGBA")
    exif = rgb.getexif()
    exif[0x0112] = 6
    deep = cv2.imencode(".png", (_pixels().astype(np.uint16) * 257)[..., ::-1])[1].tobytes()
    grey16 = Image.fromarray(_pixels()[..., 0].astype(np.uint16) * 200)
    hdr = cv2.imencode(".tiff", (_pixels().astype(np.float32) / 255)[..., ::-1])[1].tobytes()
    frames = [rgb, rgb.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return {
        "jpg": [_encode(rgb, "JPEG", quality=80), _encode(rgb, "JPEG", progressive=True, exif=exif),
                _encode(rgb.convert("CMYK"), "JPEG"), _encode(rgb.convert("L"), "JPEG")],
        "png": [_encode(rgb, "PNG"), _encode(alpha, "PNG"), deep, _encode(grey16, "PNG"),
                _encode(rgb.convert("P", palette=Image.Palette.ADAPTIVE), "PNG", transparency=0)],
        "webp": [_encode(rgb, "WEBP", quality=80), _encode(alpha, "WEBP", lossless=True)],
        "tif": [_encode(rgb, "TIFF"), _encode(alpha, "TIFF", compression="tiff_lzw"),
                _encode(rgb, "TIFF", compression="tiff_adobe_deflate"), _encode(grey16, "TIFF"), hdr],
        "bmp": [_encode(rgb, "BMP"), _encode(rgb.convert("P"), "BMP"), _encode(rgb.convert("L"), "BMP")],
        "gif": [_encode(rgb.convert("P"), "GIF"), gif.getvalue()],
        "ppm": [_encode(rgb, "PPM"), _encode(rgb.convert("L"), "PPM")],
        "mpo": [_encode(rgb, "MPO", save_all=True, append_images=[frames[1]])],
    }


def _foreign() -> list[bytes]:
    rgb = Image.fromarray(_pixels())
    return [_encode(rgb.convert("1") if f in ("XBM", "MSP") else rgb, f) for f in FOREIGN]


def _fix_png_crcs(d: bytearray) -> bytearray:
    """Recompute every chunk's CRC, so that a damaged chunk is decoded, not just refused."""
    import struct
    import zlib
    pos = 8
    while pos + 12 <= len(d):
        n = struct.unpack(">I", d[pos:pos + 4])[0]
        end = pos + 8 + n
        if end + 4 > len(d):
            break
        d[end:end + 4] = struct.pack(">I", zlib.crc32(bytes(d[pos + 4:end])))
        pos = end + 4
    return d


_EXTREMES = [0, 1, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 0x10000, 65500]


def _mutate(data: bytes, rng: random.Random, other: bytes) -> bytes:
    d = bytearray(data)
    kind = rng.randrange(7)
    if kind == 0:                                      # flip a few bits anywhere
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(d))
            d[i] ^= 1 << rng.randrange(8)
    elif kind == 1:                                    # bytes of the header
        for _ in range(rng.randint(1, 4)):
            d[rng.randrange(min(len(d), 64))] = rng.choice([0, 0xFF, 0x7F, 0x80, rng.randrange(256)])
    elif kind == 2:                                    # cut short
        d = d[:rng.randrange(1, len(d))]
    elif kind == 3:                                    # a slice repeated
        i, n = rng.randrange(len(d)), rng.randint(1, 64)
        d[i:i] = d[i:i + n] * rng.randint(1, 4)
    elif kind == 4:                                    # a slice removed
        i = rng.randrange(len(d))
        del d[i:i + rng.randint(1, 64)]
    elif kind == 5:                                    # an extreme integer where sizes and offsets live
        i = rng.randrange(min(len(d) - 4, 256))
        v = rng.choice(_EXTREMES)
        d[i:i + 4] = v.to_bytes(4, rng.choice(["little", "big"]))
    else:                                              # another format's tail
        i = rng.randrange(len(d))
        d = d[:i] + other[rng.randrange(len(other)):]
    if d[:8] == b"\x89PNG\r\n\x1a\n" and rng.random() < 0.7:
        d = _fix_png_crcs(bytearray(d))
    return bytes(d) or b"\x00"


def _fuzz_files(folder) -> list:
    rng = random.Random(18)
    seeds = _seeds()
    flat = [s for v in seeds.values() for s in v]
    paths = []
    for ext, variants in seeds.items():
        for i in range(PER_FORMAT):
            data = _mutate(variants[i % len(variants)], rng, rng.choice(flat))
            p = folder / f"{ext}-{i:03d}.{ext}"
            p.write_bytes(data)
            paths.append(p)
    foreign = _foreign()
    for i in range(PER_FORMAT):    # damaged, and (the first ones) whole: all named .jpg
        src = foreign[i % len(foreign)]
        data = src if i < len(foreign) else _mutate(src, rng, rng.choice(flat))
        p = folder / f"foreign-{i:03d}-{FOREIGN[i % len(FOREIGN)]}.jpg"
        p.write_bytes(data)
        paths.append(p)
    return paths


_CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from inference.io import ImageReadError, read_image, read_mask
for path in sys.argv[3:]:
    print(json.dumps({"start": path}), flush=True)
    for fn in (read_image, read_mask) if "png" in path or "tif" in path else (read_image,):
        t = time.perf_counter()
        try:
            fn(path, int(sys.argv[2]))
            status, msg = "ok", ""
        except ImageReadError as exc:
            status, msg = "error", str(exc)
        except BaseException as exc:
            status, msg = "crash", f"{type(exc).__name__}: {exc}"
        print(json.dumps({"path": path, "fn": fn.__name__, "status": status, "msg": msg,
                          "s": time.perf_counter() - t}), flush=True)
"""


def test_damaged_files_are_read_or_refused_in_one_line(tmp_path):
    paths = _fuzz_files(tmp_path)
    cmd = [sys.executable, "-c", _CHILD, str(ROOT), str(FUZZ_MAX_PIXELS), *map(str, paths)]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
        lines = res.stdout
    except subprocess.TimeoutExpired as exc:
        lines = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        started = [json.loads(x)["start"] for x in lines.splitlines() if '"start"' in x]
        pytest.fail(f"reading hung on {started[-1] if started else '?'}")
    results = [json.loads(x) for x in lines.splitlines() if '"status"' in x]
    assert res.returncode == 0, res.stderr[-2000:]
    assert len({r["path"] for r in results}) == len(paths)
    crashes = [f"{r['path']}: {r['msg']}" for r in results if r["status"] == "crash"]
    assert not crashes, "\n".join(crashes[:10])
    assert all("\n" not in r["msg"] for r in results)
    slow = [f"{r['path']} {r['s']:.1f}s" for r in results if r["s"] > PER_FILE_S]
    assert not slow, slow
    by = {s: sum(r["status"] == s for r in results) for s in ("ok", "error")}
    assert by["ok"] > 100 and by["error"] > 100, by        # the mutations do both
    foreign = [r for r in results if "/foreign-" in r["path"]]
    assert foreign and all(r["status"] == "error" for r in foreign), \
        [r["path"] for r in foreign if r["status"] != "error"][:5]     # never decoded by their plug-ins


def test_a_few_damaged_files_through_the_cli(tmp_path):
    """The contract end to end: exit 0 or 2, one line on stderr, no traceback."""
    rng = random.Random(5)
    seeds = _seeds()
    flat = [s for v in seeds.values() for s in v]
    for ext in ("jpg", "png", "tif"):
        for j in range(2):
            f = tmp_path / f"{ext}{j}.{ext}"
            f.write_bytes(_mutate(seeds[ext][j], rng, rng.choice(flat)))
            res = subprocess.run([sys.executable, str(ROOT / "main.py"), "faces", str(f)],
                                 capture_output=True, text=True, timeout=120, cwd=ROOT)
            assert res.returncode in (0, 2), res.stderr
            if res.returncode == 2:
                lines = res.stderr.strip().splitlines()
                assert len(lines) == 1 and lines[0].startswith("visage: error:"), res.stderr
            assert "Traceback" not in res.stderr
