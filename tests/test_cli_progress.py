"""Long single commands show their progress on a terminal (a bar on stderr, reaching 100 %),
and nothing more than before when stderr is a file or a pipe."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

from conftest import ROOT
from inference.io import read_image, write_image_gray


def _on_a_terminal(args: list[str]) -> tuple[subprocess.CompletedProcess, str]:
    import fcntl
    import pty
    import struct
    import termios
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    chunks = []
    try:
        proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=slave, text=True)
        os.close(slave)
        slave = None
        while True:                          # read as it comes: a full pty would block the bar
            try:
                data = os.read(master, 65536)
            except OSError:                  # the other end closed
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=300)
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    return proc, b"".join(chunks).decode("utf-8", "replace")


def _mask(tmp_path, astronaut):
    hole = np.zeros(astronaut.shape[:2], np.uint8)
    hole[380:430, 140:200] = 255                 # the mission patch's corner
    return write_image_gray(tmp_path / "hole.png", hole)


def test_inpaint_shows_a_bar_on_a_terminal(sample_path, tmp_path, astronaut):
    out = tmp_path / "out.png"
    proc, shown = _on_a_terminal(["inpaint", str(sample_path), str(_mask(tmp_path, astronaut)), str(out)])
    assert proc.returncode == 0, shown[-2000:]
    assert "Fill:" in shown and "100%" in shown                # tqdm's bar, to the end
    percents = [int(p) for p in __import__("re").findall(r"Fill:\s+(\d+)%", shown)]
    assert percents == sorted(percents) and len(set(percents)) >= 2   # it moved, never back
    assert read_image(out).rgb.shape == astronaut.shape


def test_no_bar_when_stderr_is_not_a_terminal(sample_path, tmp_path, astronaut):
    out = tmp_path / "out.png"
    res = subprocess.run([sys.executable, str(ROOT / "main.py"), "inpaint", str(sample_path),
                          str(_mask(tmp_path, astronaut)), str(out)], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "%" not in res.stderr and "Fill" not in res.stderr
