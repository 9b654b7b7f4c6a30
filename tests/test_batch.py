"""`main.py batch`: a recipe over a folder of real photos, locally and on a real Dask cluster.

Every output is compared with what the single commands give for the same steps (run one after
another through a lossless PNG, as a user would chain them), within 2 levels.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT, SHARED_DATA, assert_one_line_error
from inference.io.metadata import file_quality
from metadata_photo import MODEL, camera_jpeg, tags_of

RECIPE = [{"edit": "smooth", "strength": 0.6, "face": "all"},
          {"edit": "lips", "color": "#a02040", "amount": 0.7}]
# the same steps as commands (the second one's --face 0 is the recipe's default "largest")
COMMANDS = [["smooth", "--strength", "0.6", "--face", "all"], ["lips", "--color", "#a02040", "--amount", "0.7"]]
TWO_GIRLS = SHARED_DATA / "multiface" / "facer_samples" / "twogirls.jpg"
BAD = ("empty.png", "notes/text.png")


def _batch(*args, **kw) -> subprocess.Popen | subprocess.CompletedProcess:
    cmd = [sys.executable, str(ROOT / "main.py"), "batch", *map(str, args)]
    if kw.pop("popen", False):
        return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240, **kw)


def _pixels(path: Path) -> np.ndarray:
    from inference.io import read_image
    return read_image(path).rgb.astype(np.int16)   # upright, as the editor shows it


def _report(out: Path) -> dict[str, dict]:
    return {p["photo"]: p for p in json.loads((out / "batch-report.json").read_text())["photos"]}


def _leftovers(folder: Path) -> list[Path]:
    """Partial files: our temporary files (hidden, '.visage-') anywhere under ``folder``."""
    return [p for p in folder.rglob("*") if ".visage-" in p.name]


@pytest.fixture(scope="module")
def shoot(tmp_path_factory, astronaut) -> dict:
    """A folder of real photos (the sample, a crop, a reduced copy, a mirrored one, another
    photo with two faces when ../shared/data is there) of several types, two bad files, the
    recipe, and what the single commands give for each photo."""
    base = tmp_path_factory.mktemp("shoot")
    src = base / "in"
    (src / "notes").mkdir(parents=True)
    (src / "day2" / "close").mkdir(parents=True)
    img = Image.fromarray(astronaut)
    img.save(src / "astronaut.png")
    img.crop((60, 0, 500, 440)).save(src / "day2" / "crop.jpg", quality=95)
    img.resize((400, 400), Image.LANCZOS).save(src / "day2" / "close" / "small.tif")
    img.transpose(Image.FLIP_LEFT_RIGHT).resize((450, 450), Image.LANCZOS).save(src / "mirrored.webp", quality=95)
    camera_jpeg(src / "day2" / "camera.jpg", astronaut[:, 40:480].copy(), quality=80)  # EXIF, ICC, turned
    if TWO_GIRLS.is_file():   # research data: used where present, never copied into the project
        Image.open(TWO_GIRLS).convert("RGB").save(src / "two.png")
    (src / BAD[0]).write_bytes(b"")
    (src / BAD[1]).write_text("not a photo at all\n")
    (src / "notes" / "readme.txt").write_text("not a photo type: not in the batch\n")
    recipe = base / "recipe.json"
    recipe.write_text(json.dumps(RECIPE))
    photos = sorted(p.relative_to(src).as_posix() for p in src.rglob("*")
                    if p.is_file() and p.suffix != ".txt" and p.relative_to(src).as_posix() not in BAD)
    # the single commands, in this process (the same code path as `main.py smooth ...`)
    from inference.cli import main
    from inference.io.metadata import file_quality
    expected = {}
    for rel in photos:
        mid, out = base / "mid.png", base / ("single" + Path(rel).suffix)
        assert main([COMMANDS[0][0], str(src / rel), str(mid), *COMMANDS[0][1:], "--overwrite"], quiet_native=False) == 0
        # the last command writes the type; a JPEG at the photo's own quality, as one command would
        quality = ["--quality", str(file_quality(src / rel))] if file_quality(src / rel) else []
        assert main([COMMANDS[1][0], str(mid), str(out), *COMMANDS[1][1:], *quality, "--overwrite"],
                    quiet_native=False) == 0
        expected[rel] = _pixels(out)
    return {"base": base, "src": src, "recipe": recipe, "photos": photos, "expected": expected}


def _assert_outputs(shoot: dict, out: Path) -> None:
    for rel in shoot["photos"]:
        got = out / rel
        assert got.is_file(), rel
        assert got.suffix == Path(rel).suffix
        diff = np.abs(_pixels(got) - shoot["expected"][rel])
        assert diff.max() <= 2, (rel, int(diff.max()))
        changed = (np.abs(_pixels(got) - _pixels(shoot["src"] / rel)).max(-1) > 8).mean()
        assert changed > 0.002, (rel, changed)   # the skin and lips were really edited
    tags = tags_of(out / "day2" / "camera.jpg")   # kept as the single commands keep them
    assert tags["model"] == MODEL and tags["orientation"] in (None, 1)
    assert tags["icc"] == tags_of(shoot["src"] / "day2" / "camera.jpg")["icc"] is not None
    assert file_quality(out / "day2" / "camera.jpg") == 80
    assert not _leftovers(out)


def test_batch_local_equals_single_commands_reports_bad_files_and_resumes(shoot, tmp_path):
    out = tmp_path / "out"
    res = _batch(shoot["recipe"], shoot["src"], out, "--jobs", "2")
    assert res.returncode == 1, res.stderr[-3000:]
    assert res.stderr == ""
    _assert_outputs(shoot, out)
    report = _report(out)
    assert set(report) == set(shoot["photos"]) | set(BAD)   # the .txt file is not a photo
    assert all(report[r]["status"] == "done" for r in shoot["photos"])
    assert report["empty.png"]["status"] == "failed" and "empty" in report["empty.png"]["reason"]
    assert report["notes/text.png"]["status"] == "failed" and "not a photo" in report["notes/text.png"]["reason"]
    assert len({report[r]["worker"] for r in shoot["photos"]}) == 2   # two worker processes
    lines = res.stdout.strip().splitlines()
    assert sum(": done" in line for line in lines) == len(shoot["photos"])
    assert lines[-1].startswith(f"batch: {len(shoot['photos'])} done, 0 skipped")
    assert not (out / "notes" / "text.png").exists() and not (out / "empty.png").exists()

    # second run: every done photo is skipped (outputs untouched), the bad ones fail again
    mtimes = {r: (out / r).stat().st_mtime_ns for r in shoot["photos"]}
    res = _batch(shoot["recipe"], shoot["src"], out)
    assert res.returncode == 1, res.stderr[-3000:]
    report = _report(out)
    assert all(report[r]["status"] == "skipped" for r in shoot["photos"])
    assert [report[r]["status"] for r in BAD] == ["failed", "failed"]
    assert {r: (out / r).stat().st_mtime_ns for r in shoot["photos"]} == mtimes

    # a photo changed since (newer than its output) is done again, and only it
    touched = shoot["photos"][0]
    t = (out / touched).stat().st_mtime_ns + 1_000_000_000
    os.utime(shoot["src"] / touched, ns=(t, t))
    res = _batch(shoot["recipe"], shoot["src"], out, "--jobs", "1")
    assert res.returncode == 1, res.stderr[-3000:]
    report = _report(out)
    assert report[touched]["status"] == "done"
    assert all(report[r]["status"] == "skipped" for r in shoot["photos"] if r != touched)
    assert np.abs(_pixels(out / touched) - shoot["expected"][touched]).max() <= 2


def test_progress_bar_on_a_terminal(shoot, tmp_path):
    import fcntl
    import pty
    import struct
    import termios
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))   # a terminal's size
    bad_only = tmp_path / "in"
    bad_only.mkdir()
    (bad_only / "a.png").write_bytes(b"")
    (bad_only / "b.jpg").write_text("text")
    try:
        res = subprocess.run([sys.executable, str(ROOT / "main.py"), "batch", str(shoot["recipe"]),
                              str(bad_only), str(tmp_path / "out")], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=slave, text=True, timeout=120)
        os.set_blocking(master, False)
        shown = os.read(master, 65536).decode("utf-8", "replace")
    finally:
        os.close(slave)
        os.close(master)
    assert res.returncode == 1
    assert "2/2" in shown and "photo" in shown and "100%" in shown   # tqdm's bar
    assert "failed: a.png" in shown and "failed: b.jpg" in shown
    assert "[1/2]" not in res.stdout                                  # no plain lines then


def test_recipe_gives_each_edit_what_its_command_gives_it(sample_path):
    """For every command: a recipe step with only the required values gets, parameter for
    parameter, what argparse hands the edit for the same command line (the defaults the
    command gives, converted the same way), and a flag's spelling is taken too."""
    from inference.batch.recipe import commands, parse_step
    from inference.cli import build_parser
    from inference.edits.spec import COLOUR, FLOAT, MASK, PHOTO
    example = {COLOUR: "#A02040", FLOAT: "10", PHOTO: str(sample_path)}
    checked = 0
    for name, edit in sorted(commands().items()):
        if any(p.kind == MASK for p in edit.PARAMS if p.name in edit.CLI.positional):
            continue   # inpaint: refused in recipes (see below)
        required = [p for p in edit.PARAMS if p.required or p.name in edit.CLI.positional]
        argv = [name, "in.png", *[example[p.kind] for p in required if p.name in edit.CLI.positional], "out.png"]
        for p in required:
            if p.name not in edit.CLI.positional:
                argv += [p.flag, example[p.kind]]
        ns = build_parser().parse_args(argv)
        by_cli = {p.name: getattr(ns, p.name) for p in edit.PARAMS if p.flag is not None or p.name in edit.CLI.positional}
        step = parse_step({"edit": name, **{p.name: example[p.kind] for p in required}}, "step 1", ROOT)
        assert step.params == by_cli, name
        assert step.face == int(ns.face) == 0
        checked += 1
    assert checked >= 10
    step = parse_step({"edit": "retouch", "under-eye": 0.25, "shine": "0.5", "face": "all"}, "step 1", ROOT)
    assert step.params == {"shine": 0.5, "under_eye": 0.25} and step.face == "all"
    from inference.batch.recipe import RecipeError
    with pytest.raises(RecipeError, match="given twice"):
        parse_step({"edit": "retouch", "under-eye": 0.2, "under_eye": 0.3}, "step 1", ROOT)
    with pytest.raises(RecipeError, match="not a number"):
        parse_step({"edit": "smooth", "strength": True}, "step 1", ROOT)


@pytest.mark.parametrize("recipe, pattern", [
    ("[{\"edit\": \"smooth\", \"strength\": 1.5}]", "strength: must be between 0 and 1, not 1.5"),
    ("[{\"edit\": \"smoth\"}]", "unknown edit \"smoth\""),
    ("[{\"edit\": \"smooth\", \"strenght\": 0.5}]", "unknown parameter \"strenght\""),
    ("[{\"edit\": \"lips\", \"amount\": 0.5}]", "color is required"),
    ("[{\"edit\": \"lips\", \"color\": \"red\"}]", "not a colour"),
    ("[{\"edit\": \"inpaint\"}]", "cannot be part of a recipe"),
    ("[{\"edit\": \"smooth\", \"face\": \"biggest\"}]", "face must be"),
    ("[{\"edit\": \"makeup\", \"reference\": \"missing.jpg\"}]", "no such file"),
    ("[{\"edit\": \"smooth\"", "not JSON"),
    ("{\"edit\": \"smooth\"}", "a JSON list of steps"),
    ("[]", "no step"),
])
def test_bad_recipe_exits_2_with_one_line(recipe, pattern, tmp_path, capsys):
    from inference.cli import main
    (tmp_path / "in").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "in" / "x.png")
    path = tmp_path / "recipe.json"
    path.write_text(recipe)
    assert main(["batch", str(path), str(tmp_path / "in"), str(tmp_path / "out")], quiet_native=False) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("visage: error:") and pattern in err, err
    assert not (tmp_path / "out" / "x.png").exists()


def test_bad_arguments_exit_2_with_one_line(shoot, tmp_path):
    res = _batch(shoot["recipe"], shoot["src"], shoot["src"])
    assert_one_line_error(res, "is the input folder")
    res = _batch(shoot["recipe"], tmp_path / "nowhere", tmp_path / "out")
    assert_one_line_error(res, "no such folder")
    res = _batch(shoot["recipe"], shoot["src"], tmp_path / "out", "--jobs", "0")
    assert_one_line_error(res, "must be at least 1")
    res = _batch(shoot["recipe"], shoot["src"], tmp_path / "out", "--scheduler", "tcp://127.0.0.1:9")
    assert_one_line_error(res, "cannot reach the Dask scheduler")
    assert not (tmp_path / "out" / "astronaut.png").exists()


def test_output_folder_holding_the_input_folder_is_refused(shoot, tmp_path):
    """OUT_DIR above IN_DIR: IN_DIR/x would go to OUT_DIR/x, an older file of its own (which
    resuming would take for a stale output and replace), and IN_DIR/<its name>/x onto the input
    IN_DIR/x. Refused before anything is read or written; OUT_DIR inside IN_DIR is fine."""
    photos = tmp_path / "photos"
    (photos / "raw" / "raw").mkdir(parents=True)
    face = (shoot["src"] / "astronaut.png").read_bytes()
    for rel in ("raw/a.png", "raw/b.png", "raw/raw/b.png"):
        (photos / rel).write_bytes(face)
    Image.fromarray(np.full((32, 48, 3), (200, 10, 10), np.uint8)).save(photos / "a.png")   # not ours
    os.utime(photos / "a.png", ns=(10**18, 10**18))   # older than the inputs
    before = {p: p.read_bytes() for p in photos.rglob("*") if p.is_file()}
    (tmp_path / "link").symlink_to(photos)
    for in_dir, out_dir in [(photos / "raw", photos), (photos / "raw" / "raw", photos),
                            (photos / "raw", tmp_path / "link")]:
        res = _batch(shoot["recipe"], in_dir, out_dir)
        assert_one_line_error(res, f"{out_dir} holds the input folder {in_dir}")
    assert {p: p.read_bytes() for p in photos.rglob("*") if p.is_file()} == before   # no report either

    out = photos / "raw" / "edited"   # inside IN_DIR: left out of the photos read
    for _ in range(2):
        res = _batch(shoot["recipe"], photos / "raw", out, "--jobs", "1")
        assert res.returncode == 0, res.stderr[-3000:]
        assert set(_report(out)) == {"a.png", "b.png", "raw/b.png"}
    for rel in ("a.png", "b.png", "raw/b.png"):
        assert (photos / "raw" / rel).read_bytes() == face
        assert np.abs(_pixels(out / rel) - shoot["expected"]["astronaut.png"]).max() <= 2, rel

def _many(shoot: dict, folder: Path, copies: int) -> list[str]:
    """``copies`` of each good photo of the shoot in ``folder`` (names: k/photo)."""
    names = []
    for k in range(copies):
        for rel in shoot["photos"]:
            dst = folder / str(k) / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes((shoot["src"] / rel).read_bytes())
            names.append(f"{k}/{rel}")
    return names


def test_ctrl_c_stops_cleanly_leaving_only_whole_files(shoot, tmp_path):
    src = tmp_path / "in"
    names = _many(shoot, src, 3)
    out = tmp_path / "out"
    # as a terminal starts it: SIGINT not ignored (a test run started in the background of a
    # non-interactive shell ignores it, and a child inherits that: the batch ran on, exit 0)
    proc = _batch(shoot["recipe"], src, out, "--jobs", "2", popen=True, start_new_session=True,
                  preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    first = proc.stdout.readline()            # one photo done: the workers are busy on others
    assert ": done" in first, first + proc.stderr.read()[-3000:]
    os.killpg(proc.pid, signal.SIGINT)        # what Ctrl+C on a terminal sends: the whole group
    rest, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err[-3000:]
    assert "Traceback" not in err
    report = _report(out)
    done = [r for r in names if report[r]["status"] == "done"]
    assert 1 <= len(done) < len(names) and all(report[r]["status"] in ("done", "not run") for r in names)
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert not _leftovers(out)
    for rel in written:
        if rel == "batch-report.json":
            continue
        assert rel in done, rel                # nothing written that the report does not call done
        expected = shoot["expected"][rel.split("/", 1)[1]]
        assert np.abs(_pixels(out / rel) - expected).max() <= 2, rel   # whole, right files


# A photo whose worker process dies: the kernel's OOM killer, a crash in native code. The batch
# runs with a test-only sitecustomize on PYTHONPATH (in no file of the project): every Python
# process of that run imports it at start-up, and a worker process that opens the photo named
# KILLED is sent SIGKILL there, with no warning, as the OOM killer does. The photo itself is a
# good one (a copy of the sample), so only the death makes it fail.
KILLED = "killed.png"
KILL_ON_OPEN = f'''
import os, signal, sys

def _kill_the_worker_opening_it(event, args):
    mp = sys.modules.get("multiprocessing")
    if (event == "open" and args and isinstance(args[0], str) and os.path.basename(args[0]) == {KILLED!r}
            and mp is not None and mp.parent_process() is not None):
        os.kill(os.getpid(), signal.SIGKILL)

sys.addaudithook(_kill_the_worker_opening_it)
'''


def test_a_photo_that_kills_its_worker_fails_alone(shoot, tmp_path):
    src = tmp_path / "in"
    names = _many(shoot, src, 1)
    (src / "0" / KILLED).write_bytes((src / "0" / "astronaut.png").read_bytes())
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(KILL_ON_OPEN)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")]))}
    res = _batch(shoot["recipe"], src, out, "--jobs", "2", env=env)
    assert res.returncode == 1, res.stdout[-3000:] + res.stderr[-3000:]
    assert res.stderr == ""   # no traceback, no pool's complaint: the report and the lines say it
    report = _report(out)
    assert set(report) == {*names, f"0/{KILLED}"}
    # every good photo is done and right, the photos waiting or running beside it included
    assert {r: report[r]["status"] for r in names} == {r: "done" for r in names}, res.stdout
    for rel in names:
        assert np.abs(_pixels(out / rel) - shoot["expected"][rel.split("/", 1)[1]]).max() <= 2, rel
    row = report[f"0/{KILLED}"]
    assert row["status"] == "failed" and not (out / "0" / KILLED).exists()
    assert row["reason"] == "the worker process died while editing this photo (killed by SIGKILL)", row
    lines = res.stdout.strip().splitlines()
    assert any(line.endswith(f"0/{KILLED}: failed: {row['reason']}") for line in lines), res.stdout
    assert lines[-1].startswith(f"batch: {len(names)} done, 0 skipped (up to date), 1 failed")
    assert not _leftovers(out)


# -- a real Dask cluster on this machine -------------------------------------------------------
def _dask(*args: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}   # as the README says to start workers
    return subprocess.Popen([str(Path(sys.executable).parent / "dask"), *args], cwd=ROOT, env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """`dask scheduler` and two `dask worker` processes from the venv, on 127.0.0.1, random ports."""
    from distributed import Client
    base = tmp_path_factory.mktemp("dask")
    info = base / "scheduler.json"
    procs = [_dask("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                   "--scheduler-file", str(info), log=base / "scheduler.log")]
    try:
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.3)   # written whole
        address = json.loads(info.read_text())["address"]
        workers = {}
        for name in ("w1", "w2"):
            workers[name] = _dask("worker", address, "--name", name, "--nthreads", "1", "--no-nanny",
                                  "--host", "127.0.0.1", "--no-dashboard", log=base / f"{name}.log")
            procs.append(workers[name])
        client = Client(address, timeout=30, set_as_default=False)
        client.wait_for_workers(2, timeout=90)
        yield {"address": address, "workers": workers, "client": client}
        client.close()
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def test_dask_cluster_gives_the_same_outputs(shoot, cluster, tmp_path):
    out = tmp_path / "out"
    res = _batch(shoot["recipe"], shoot["src"], out, "--scheduler", cluster["address"])
    assert res.returncode == 1, res.stderr[-3000:]
    assert res.stderr == ""
    _assert_outputs(shoot, out)
    report = _report(out)
    assert all(report[r]["status"] == "done" for r in shoot["photos"])
    assert [report[r]["status"] for r in BAD] == ["failed", "failed"]
    pids = {str(p.pid) for p in cluster["workers"].values()}
    assert {report[r]["worker"].rsplit(":", 1)[1] for r in report} <= pids   # run by the workers


def test_dask_worker_killed_mid_batch_loses_no_photo(shoot, cluster, tmp_path):
    src = tmp_path / "in"
    names = _many(shoot, src, 3)
    out = tmp_path / "out"
    client = cluster["client"]
    proc = _batch(shoot["recipe"], src, out, "--scheduler", cluster["address"], popen=True)
    first = proc.stdout.readline()
    assert ": done" in first, first + proc.stderr.read()[-3000:]
    # the worker w1, in the middle of a photo: SIGKILL, nothing it could clean up
    by_name = {w["name"]: addr for addr, w in client.scheduler_info()["workers"].items()}
    deadline = time.monotonic() + 30
    while not client.processing(workers=[by_name["w1"]])[by_name["w1"]] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client.processing(workers=[by_name["w1"]])[by_name["w1"]], "w1 had no photo to lose"
    victim = cluster["workers"]["w1"]
    victim.kill()
    victim.wait()
    rest, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err[-3000:]
    report = _report(out)
    assert all(report[r]["status"] == "done" for r in names), report
    survivor = str(cluster["workers"]["w2"].pid)
    after = [r for r in names if report[r]["worker"].endswith(":" + survivor)]
    assert len(after) >= len(names) // 2    # the rest, the killed worker's photo among them
    assert not _leftovers(out)
    for rel in names:
        assert np.abs(_pixels(out / rel) - shoot["expected"][rel.split("/", 1)[1]]).max() <= 2, rel


# -- the editor: File ▸ Export Recipe…, File ▸ Apply Recipe to Folder… ---------------------------
def test_gui_exports_the_history_as_a_recipe(qtbot, window, sample_path, tmp_path):
    from app.recipe_dialog import export_recipe
    from conftest import WAIT_MS, open_and_detect
    from inference.batch.recipe import load_recipe
    w = window
    open_and_detect(qtbot, w, sample_path)
    w.select_face(0)
    w.session.commit("skin", {"strength": 0.3})
    qtbot.waitUntil(lambda: w.doc.cursor == 1, timeout=WAIT_MS)
    w.session.commit("skin", {"strength": 0.6})         # dragged again: re-adjusts, not a second smoothing
    qtbot.waitUntil(lambda: w.doc.cursor == 2, timeout=WAIT_MS)
    w.session.commit("lips", {"color": "#a02040", "amount": 0.7})
    qtbot.waitUntil(lambda: w.doc.cursor == 3, timeout=WAIT_MS)
    hole = np.zeros(w.doc.original.shape[:2], np.uint8)
    hole[400:430, 60:90] = 255
    w.session.commit("inpaint", {"mask": hole, "engine": "telea"})
    qtbot.waitUntil(lambda: w.doc.cursor == 4, timeout=WAIT_MS)
    path = tmp_path / "look.json"
    notes = export_recipe(w, path)
    assert json.loads(path.read_text()) == [
        {"edit": "smooth", "strength": 0.6, "face": "largest"},
        {"edit": "lips", "color": "#a02040", "amount": 0.7, "face": "largest"}]
    assert len(notes) == 1 and "step 4" in notes[0] and "does not carry over" in notes[0]
    assert w.errors and "not in the recipe" in w.errors[-1][0]   # the user is told what was left out
    assert [s.command for s in load_recipe(path)] == ["smooth", "lips"]   # the batch reads it back
    export_recipe(w, path, faces="all")
    assert [s["face"] for s in json.loads(path.read_text())] == ["all", "all"]
    w.undo()                                            # only the applied steps: undone ones are not
    qtbot.waitUntil(lambda: w.doc.cursor == 3, timeout=WAIT_MS)
    w.undo()
    qtbot.waitUntil(lambda: w.doc.cursor == 2, timeout=WAIT_MS)
    export_recipe(w, path)
    assert json.loads(path.read_text()) == [{"edit": "smooth", "strength": 0.6, "face": "largest"}]
    assert any("Export Recipe" in a.text().replace("&", "") for a in w.menuBar().actions()[0].menu().actions())


def test_gui_applies_a_recipe_to_a_folder_and_cancel_leaves_whole_files(qtbot, window, shoot, tmp_path):
    from app.recipe_dialog import apply_recipe
    src = tmp_path / "in"
    names = _many(shoot, src, 3)
    out = tmp_path / "out"
    w = window
    assert apply_recipe(w, shoot["recipe"], src, src) is None and "another folder" in w.errors[-1][0].lower()
    assert apply_recipe(w, shoot["recipe"], src, tmp_path) is None and len(w.errors) == 2   # holds the photos
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]
    run = apply_recipe(w, shoot["recipe"], src, out, jobs=2)
    from PySide6.QtWidgets import QPushButton
    cancel = run.dialog.findChild(QPushButton)
    assert cancel.text() == "Cancel"
    run.thread.photo_done.connect(lambda *_: cancel.click())   # Cancel as soon as one is done
    qtbot.waitUntil(lambda: run.finished, timeout=180_000)
    assert run.total == len(names) and run.dialog.maximum() == len(names)
    assert run.cancelled and run.counts is not None
    report = _report(out)
    done = [r for r in names if report[r]["status"] == "done"]
    assert 1 <= len(done) < len(names), len(done)
    assert not _leftovers(out)
    for rel in (p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()):
        if rel == "batch-report.json":
            continue
        assert rel in done, rel
        expected = shoot["expected"][rel.split("/", 1)[1]]
        assert np.abs(_pixels(out / rel) - expected).max() <= 2, rel   # whole, and the recipe's
    assert "Cancelled" in w.statusBar().currentMessage()


def test_a_photo_stopped_after_its_file_landed_is_reported_done(tmp_path, monkeypatch):
    # Ctrl+C between the atomic write's rename and the result coming back: the whole file is
    # there, so the report must call it done (else it holds a file it says was not run);
    # a file that was there before and not rewritten is not counted
    from inference.batch import local
    from inference.batch.folder import Item
    from inference.io import write_image
    from inference.sample import sample_image
    img = sample_image()[:64, :64]
    new, old = Item("new.png", tmp_path / "in.png", tmp_path / "new.png"), \
        Item("old.png", tmp_path / "in.png", tmp_path / "old.png")
    write_image(old.dst, img)

    def written_then_stopped(recipe, src, dst, overwrite, quality):
        if dst == str(new.dst):
            write_image(dst, img)
        raise KeyboardInterrupt

    monkeypatch.setattr(local, "run_photo", written_then_stopped)
    for item in (new, old):
        seen = []
        with pytest.raises(KeyboardInterrupt):
            local.run_local([item], "[]", 1, True, None, lambda it, r: seen.append((it.rel, r["status"])))
        assert seen == ([("new.png", "done")] if item is new else [])
