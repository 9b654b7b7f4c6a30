"""Batch throughput (issue 26): photos per minute of `main.py batch` with 1, 2 and N (the core
count) local jobs and on a 2-worker Dask cluster started here (scheduler + 2 `dask worker`
processes on 127.0.0.1), against the outside anchor of running the single command once per
photo (a shell loop: a new process, libraries and models loaded, for each photo). Every run's
outputs are checked against the loop's.

    python bench/batch.py [--photos 16] [--size 512]

Photos: the sample portrait and crops, mirror images and resized copies of it, plus the face
photos of ../shared/data/landmarks_aflw2000_prnet where present, each resized to --size px on
its long side.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import inference  # noqa: E402,F401

from inference.batch.local import core_count  # noqa: E402

SHARED_DATA = ROOT.parent / "shared" / "data"
RECIPE = [{"edit": "smooth", "strength": 0.6, "face": "all"}]
COMMAND = ["smooth", "--strength", "0.6", "--face", "all"]


def make_photos(folder: Path, n: int, size: int) -> list[str]:
    from inference.sample import sample_image
    base = Image.fromarray(sample_image())
    sources = [base, base.transpose(Image.FLIP_LEFT_RIGHT)]
    sources += [Image.open(p).convert("RGB") for p in sorted((SHARED_DATA / "landmarks_aflw2000_prnet").glob("*.jpg"))]
    names = []
    for i in range(n):
        img = sources[i % len(sources)]
        k = i // len(sources)
        if k:   # another crop of the same photo, so no two files are the same
            w, h = img.size
            m = int(min(w, h) * 0.04 * k)
            img = img.crop((m, 0, w - m // 2, h - m))
        scale = size / max(img.size)   # up or down: the photos' long side is --size
        img = img.resize((round(img.size[0] * scale), round(img.size[1] * scale)), Image.LANCZOS)
        name = f"{i // 8}/photo{i:03d}" + (".jpg" if i % 3 == 0 else ".png")
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        img.save(folder / name, quality=92)
        names.append(name)
    return names


def _timed(cmd: list[str], **kw) -> float:
    t = time.perf_counter()
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, **kw)
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])}...: exit {res.returncode}: {res.stderr[-2000:]}")
    return time.perf_counter() - t


def _max_diff(a: Path, b: Path, names: list[str]) -> int:
    from inference.io import read_image
    return max(int(np.abs(read_image(a / n).rgb.astype(int) - read_image(b / n).rgb).max()) for n in names)


def _cluster(work: Path) -> tuple[str, list[subprocess.Popen]]:
    dask = str(Path(sys.executable).parent / "dask")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    info = work / "scheduler.json"
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(info)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    while not info.exists():
        time.sleep(0.2)
    time.sleep(0.3)
    address = json.loads(info.read_text())["address"]
    for name in ("w1", "w2"):
        procs.append(subprocess.Popen([dask, "worker", address, "--name", name, "--nthreads", "1",
                                       "--host", "127.0.0.1", "--no-dashboard"], cwd=ROOT, env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    from distributed import Client
    with Client(address, timeout=30, set_as_default=False) as c:
        c.wait_for_workers(2, timeout=120)
    return address, procs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=int, default=16)
    ap.add_argument("--size", type=int, default=512)
    args = ap.parse_args()
    py, entry = sys.executable, str(ROOT / "main.py")
    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        src = work / "in"
        names = make_photos(src, args.photos, args.size)
        recipe = work / "recipe.json"
        recipe.write_text(json.dumps(RECIPE))
        n = len(names)
        rows = []

        loop = work / "loop"
        t0 = time.perf_counter()
        for name in names:
            (loop / name).parent.mkdir(parents=True, exist_ok=True)
            _timed([py, entry, COMMAND[0], str(src / name), str(loop / name), *COMMAND[1:]])
        t_loop = time.perf_counter() - t0
        rows.append(("single command per photo", t_loop, 0))

        for jobs in sorted({1, 2, core_count()}):
            out = work / f"jobs{jobs}"
            t = _timed([py, entry, "batch", str(recipe), str(src), str(out), "--jobs", str(jobs)])
            rows.append((f"batch --jobs {jobs}", t, _max_diff(loop, out, names)))

        address, procs = _cluster(work)
        try:
            out = work / "dask"
            t = _timed([py, entry, "batch", str(recipe), str(src), str(out), "--scheduler", address])
            rows.append(("batch --scheduler (2 workers)", t, _max_diff(loop, out, names)))
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(timeout=30)

    load.append(os.getloadavg()[0])
    print(f"{n} photos of {args.size} px, recipe {json.dumps(RECIPE)}, {core_count()} cores, "
          f"load average {load[0]:.1f} at the start, {load[1]:.1f} at the end (other work on the machine)")
    print(f"{'run':32s} {'s':>7s} {'photos/min':>11s} {'x loop':>7s} {'max diff vs loop':>17s}")
    for label, t, diff in rows:
        print(f"{label:32s} {t:7.1f} {60 * n / t:11.1f} {t_loop / t:7.2f} {diff:17d}")


if __name__ == "__main__":
    main()
