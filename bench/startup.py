"""Start-up of the headless commands: wall time of `main.py --help`, `main.py smooth --help` and
an argument error (`smooth` with --strength 2, exit 2), each a fresh process as a user starts it,
against `python -c pass` (the outside anchor: this machine's speed drifts) in the same run, and
which heavy modules `import inference.cli` + the parser for `--help` bring in.

    python bench/startup.py [--runs 7]

Median of ``--runs`` per command, runs interleaved (so a busy spell touches all alike).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from common import ROOT

HEAVY = ("torch", "cv2", "mediapipe", "scipy")
CASES = {
    "python -c pass": ["-c", "pass"],
    "main.py --help": [str(ROOT / "main.py"), "--help"],
    "main.py smooth --help": [str(ROOT / "main.py"), "smooth", "--help"],
    "argument error": [str(ROOT / "main.py"), "smooth", "in.jpg", "out.jpg", "--strength", "2"],
}


def _wall(args: list[str]) -> float:
    t = time.perf_counter()
    res = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True)
    took = time.perf_counter() - t
    if res.returncode not in (0, 2):
        raise SystemExit(f"{args}: exit {res.returncode}: {res.stderr.decode()[-500:]}")
    return took


def heavy_after_parser(command: str | None) -> list[str]:
    """The heavy modules loaded by importing the CLI and building its parser as main() does."""
    code = ("import sys; from inference.cli import build_parser; "
            f"build_parser({command!r}, lazy=True); "
            f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout.split()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=7)
    a = ap.parse_args()
    for args in CASES.values():   # warm the file cache
        _wall(args)
    times: dict[str, list[float]] = {k: [] for k in CASES}
    for _ in range(a.runs):
        for name, args in CASES.items():
            times[name].append(_wall(args))
    anchor = statistics.median(times["python -c pass"])
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:24s} {med * 1000:7.0f} ms  (min {min(ts) * 1000:.0f})  {med / anchor:5.1f}x python -c pass")
    for command in (None, "smooth"):
        loaded = heavy_after_parser(command)
        print(f"heavy modules after the parser for {command or '--help'}: {', '.join(loaded) or 'none'}")


if __name__ == "__main__":
    main()
