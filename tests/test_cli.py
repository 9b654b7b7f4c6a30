"""The headless commands, run as a user would run them: exit codes, stderr, files."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from conftest import assert_one_line_error as assert_user_error
from conftest import run_cli as run
from inference.io import read_image


def test_faces_json_contract(sample_path, tmp_path):
    out = tmp_path / "faces.json"
    res = run("faces", sample_path, "--json", out)
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    faces = json.loads(out.read_text())
    assert isinstance(faces, list) and len(faces) == 1
    f = faces[0]
    assert set(f) >= {"box", "score", "landmarks68", "landmarks", "pose"}
    x0, y0, x1, y1 = f["box"]
    assert 0 <= x0 < x1 <= 512 and 0 <= y0 < y1 <= 512
    assert np.array(f["landmarks68"]).shape == (68, 2)
    # AFLW2000-3D's convention beside 300-W's: the same face, apart on the jaw's outline only
    lm2, lm3 = np.array(f["landmarks68"]), np.array(f["landmarks68_3d"])
    assert lm3.shape == (68, 2) and np.abs(lm2[17:] - lm3[17:]).max() < 0.05 * np.ptp(lm2[:, 0])
    assert np.array(f["landmarks"]).shape == (478, 3)
    assert set(f["pose"]) == {"yaw", "pitch", "roll"}
    # stdout when no --json
    res = run("faces", sample_path)
    assert res.returncode == 0 and json.loads(res.stdout)[0]["box"] == f["box"]


def test_smooth_writes_a_new_file_and_changes_only_the_face(sample_path, tmp_path, astronaut):
    out = tmp_path / "smooth.png"
    res = run("smooth", sample_path, out, "--strength", "0.8")
    assert res.returncode == 0, res.stderr
    img = read_image(out).rgb
    changed = (img != astronaut).any(-1)
    ys, xs = np.nonzero(changed)
    assert changed.sum() > 2000
    assert 150 < xs.min() and xs.max() < 300 and 20 < ys.min() and ys.max() < 200  # her face and forehead
    assert read_image(sample_path).rgb.tobytes() == astronaut.tobytes()            # input untouched


def test_smooth_all_faces_and_keeps_alpha(tmp_path, astronaut):
    alpha = np.full(astronaut.shape[:2], 200, np.uint8)
    src = tmp_path / "rgba.png"
    Image.fromarray(np.dstack([astronaut, alpha]), "RGBA").save(src)
    out = tmp_path / "out.webp"
    res = run("smooth", src, out, "--face", "all")
    assert res.returncode == 0, res.stderr
    q = read_image(out)
    assert q.alpha is not None and abs(int(q.alpha.mean()) - 200) <= 1


def test_user_errors_exit_2_with_one_line(tmp_path, sample_path):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    text = tmp_path / "text.jpg"
    text.write_text("hello")
    coffee = tmp_path / "coffee.png"
    from skimage import data
    Image.fromarray(data.coffee()).save(coffee)
    assert_user_error(run("faces", empty), "empty")
    assert_user_error(run("smooth", text, tmp_path / "o.png"), "not a photo")
    assert_user_error(run("smooth", tmp_path / "missing.png", tmp_path / "o.png"), "no such file")
    assert_user_error(run("faces", coffee), "no face")
    assert_user_error(run("smooth", coffee, tmp_path / "o.png"), "no face")
    assert_user_error(run("smooth", sample_path, tmp_path / "o.png", "--strength", "2"), "between 0 and 1")
    assert_user_error(run("smooth", sample_path, tmp_path / "o.png", "--face", "4"), "face 4 does not exist")
    assert_user_error(run("smooth", sample_path, tmp_path / "o.png", "--face", "x"), "--face")
    assert_user_error(run("smooth", sample_path, tmp_path / "o.gif"), "unknown output type")
    assert_user_error(run("smooth", sample_path, sample_path), "--overwrite")
    assert_user_error(run("smooth", sample_path), "required")
    assert_user_error(run("rotate-everything", sample_path), "unknown command")
    assert not (tmp_path / "o.png").exists()


def test_overwrite_needs_the_flag(tmp_path, astronaut):
    src = tmp_path / "me.png"
    Image.fromarray(astronaut).save(src)
    res = run("smooth", src, src, "--overwrite")
    assert res.returncode == 0, res.stderr
    assert not np.array_equal(read_image(src).rgb, astronaut)


@pytest.mark.parametrize("cmd", [["--help"], ["smooth", "--help"]])
def test_help(cmd):
    res = run(*cmd)
    assert res.returncode == 0 and "usage" in res.stdout.lower()


def test_parse_writes_an_8bit_label_map(sample_path, tmp_path):
    out = tmp_path / "labels.png"
    res = run("parse", sample_path, out)
    assert res.returncode == 0, res.stderr
    labels = np.array(Image.open(out))
    assert labels.dtype == np.uint8 and labels.shape == (512, 512) and Image.open(out).mode == "L"
    # 11 neck, 12 occluder, 13 clothes came after hair (issue 23): the sample has a neck and clothes
    assert labels.max() <= 13 and set(np.unique(labels)) >= {0, 1, 2, 3, 4, 5, 6, 10, 11, 13}
    assert_user_error(run("parse", sample_path, tmp_path / "labels.jpg"), "PNG")
    from skimage import data
    coffee = tmp_path / "coffee.png"
    Image.fromarray(data.coffee()).save(coffee)
    assert_user_error(run("parse", coffee, tmp_path / "c.png"), "no face")


def test_parse_color_writes_the_legend_colours(sample_path, tmp_path):
    from inference.parsing import CLASS_COLORS
    raw, coloured = tmp_path / "labels.png", tmp_path / "preview.png"
    assert run("parse", sample_path, raw).returncode == 0
    res = run("parse", sample_path, coloured, "--color")
    assert res.returncode == 0, res.stderr
    with Image.open(coloured) as img:
        assert img.mode == "RGB" and img.size == (512, 512)
        rgb = np.array(img)
    labels = np.array(Image.open(raw))
    assert np.array_equal(rgb, CLASS_COLORS[labels])            # the same parsing, in colour
    assert (rgb.reshape(-1, 3).max(1) > 0).mean() > 0.05        # not black: the face is seen
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) >= 9      # skin, brows, eyes, nose, lips, hair...


def test_readme_legend_is_the_class_colours():
    import re

    from conftest import ROOT
    from inference.parsing import CLASS_COLORS, CLASS_NAMES
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    legend = {int(i): (name, colour) for i, name, colour in
              re.findall(r"\| (\d+) ([a-z ]+) \| `#([0-9a-f]{6})`", readme)}
    assert legend == {i: (CLASS_NAMES[i], "%02x%02x%02x" % tuple(CLASS_COLORS[i])) for i in range(len(CLASS_NAMES))}


def test_inpaint_command(sample_path, tmp_path, astronaut):
    mask = np.zeros((512, 512), np.uint8)
    mask[100:150, 300:360] = 255                        # a piece of the shuttle
    mpath = tmp_path / "mask.png"
    Image.fromarray(mask).save(mpath)
    for engine in ("patchmatch", "telea"):
        out = tmp_path / f"{engine}.png"
        res = run("inpaint", sample_path, mpath, out, "--engine", engine, "--seed", "3")
        assert res.returncode == 0, res.stderr
        img = read_image(out).rgb
        assert np.array_equal(img[mask == 0], astronaut[mask == 0])
        assert (img[mask > 0] != astronaut[mask > 0]).any()
    small = tmp_path / "small.png"
    Image.fromarray(mask[:200]).save(small)
    empty = tmp_path / "empty.png"
    Image.fromarray(mask * 0).save(empty)
    assert_user_error(run("inpaint", sample_path, small, tmp_path / "x.png"), "but the photo is")
    assert_user_error(run("inpaint", sample_path, empty, tmp_path / "x.png"), "empty")
    assert_user_error(run("inpaint", sample_path, tmp_path / "nope.png", tmp_path / "x.png"), "no such file")
    assert_user_error(run("inpaint", sample_path, mpath, tmp_path / "x.png", "--engine", "lama"), "model")
    assert_user_error(run("inpaint", sample_path, mpath, tmp_path / "x.png", "--engine", "foo"), "invalid choice")
    assert not (tmp_path / "x.png").exists()


def test_rotate_command(sample_path, tmp_path, astronaut):
    out = tmp_path / "turned.png"
    res = run("rotate", sample_path, out, "--yaw", "-15")
    assert res.returncode == 0, res.stderr
    img = read_image(out).rgb
    assert not np.array_equal(img, astronaut)
    assert np.array_equal(img[:, 420:], astronaut[:, 420:])       # the shuttle far away is untouched
    assert_user_error(run("rotate", sample_path, tmp_path / "x.png", "--yaw", "50"), "within")
    assert_user_error(run("rotate", sample_path, tmp_path / "x.png"), "--yaw")
    # the turned head (about -14°) cannot be turned 40° further: it would end past ±50°
    assert_user_error(run("rotate", out, tmp_path / "y.png", "--yaw", "-40"), "already turned")
    assert not (tmp_path / "y.png").exists()
