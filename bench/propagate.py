"""Spatial propagation speed: a 16-channel 512x512 map, 4 directions (max merge), C++ op vs
the plain-torch reference, forward and forward+backward, measured in one run.

    python bench/propagate.py [--size 512] [--channels 16]
    python bench/propagate.py --click [--against REV]

``--click``: instead, the op on the very inputs a parse feeds it (captured from one parse of
the sample portrait upscaled to 4000x3000, as bench/latency.py clicks it, and to 1000x1000),
against two outside anchors on the same planes in the same run: cv2.boxFilter (3x3) and the
plain-torch twin. ``--against REV`` also builds csrc/propagate.cpp as it was at git revision
REV (same flags as setup.py), times it alternately with the built op and says whether their
outputs are bit-identical.
"""
from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from common import ROOT, timed

import torch

from inference.ops.propagate import propagate

# the op's entry points, declared for a build of an older csrc/propagate.cpp
_BINDING = """#include <torch/extension.h>
torch::Tensor propagate4_forward(torch::Tensor x, torch::Tensor p, bool merge_max);
PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) { m.def("propagate4_forward", &propagate4_forward); }
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--channels", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--click", action="store_true", help="the inputs a parse feeds the op (see above)")
    ap.add_argument("--against", metavar="REV", help="with --click: also the op as of git revision REV")
    a = ap.parse_args()
    if a.click:
        click(a.against, max(a.repeat, 15))
        return
    g = torch.Generator().manual_seed(0)
    x = torch.rand(1, a.channels, a.size, a.size, generator=g)
    p = torch.rand(1, 4, 3, a.size, a.size, generator=g) * 0.6
    print(f"x 1x{a.channels}x{a.size}x{a.size}, weights shared by channels, 4 directions, max merge, "
          f"{torch.get_num_threads()} threads")

    def fwd(backend):  # with gradients on: the per-direction autograd path
        propagate(x.requires_grad_(), p, backend=backend)
        x.requires_grad_(False)

    def fused():  # inference: the four-direction native pass parsing uses
        with torch.no_grad():
            propagate(x, p)

    def fwd_bwd(backend):
        xx, pp = x.clone().requires_grad_(), p.clone().requires_grad_()
        propagate(xx, pp, backend=backend).sum().backward()

    f = timed(fused, a.repeat)
    print(f"fused 4-direction forward (no gradient): {f * 1e3:.1f} ms")
    rows = [("forward", fwd), ("forward+backward", fwd_bwd)]
    print(f"{'pass':18s} {'C++ (ms)':>10s} {'reference (ms)':>15s} {'speed-up':>9s}")
    for name, fn in rows:
        n = timed(lambda: fn("native"), a.repeat)
        r = timed(lambda: fn("reference"), 1, warmup=0)
        print(f"{name:18s} {n * 1e3:10.1f} {r * 1e3:15.1f} {r / n:9.1f}")


def parse_calls(width: int, height: int) -> list[tuple[torch.Tensor, torch.Tensor, bool, bool]]:
    """(x, p, merge max, normalize) of every propagate() call one parse of the sample portrait
    resized to width x height makes (the first parse of the process warms the models up)."""
    import copy

    import cv2

    import inference.ops.propagate as ops
    from inference.faces import analyse, detect
    from inference.sample import sample_image
    img = cv2.resize(sample_image(), (width, height), interpolation=cv2.INTER_CUBIC)
    face = detect(img)[0]
    calls = []
    plain = ops.propagate

    def recording(x, p, merge="max", normalize=True, **kw):
        calls.append((x.detach().clone(), p.detach().clone(), merge == "max", normalize))
        return plain(x, p, merge, normalize, **kw)
    ops.propagate = recording
    try:
        analyse(img, copy.deepcopy(face))
    finally:
        ops.propagate = plain
    return calls


def build_at(rev: str):
    """csrc/propagate.cpp as of git revision ``rev``, built as its own extension."""
    from torch.utils.cpp_extension import load
    src = subprocess.run(["git", "show", f"{rev}:csrc/propagate.cpp"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    d = Path(tempfile.mkdtemp(prefix="visage-propagate-"))
    (d / "propagate.cpp").write_text(src)
    (d / "binding.cpp").write_text(_BINDING)
    name = "propagate_at_" + re.sub(r"\W", "_", rev)      # a module name: origin/main, HEAD~2
    return load(name, [str(d / "propagate.cpp"), str(d / "binding.cpp")],
                extra_cflags=["-O3", "-fopenmp", "-fno-math-errno"], extra_ldflags=["-fopenmp"],
                build_directory=str(d))


def _median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1e3 * statistics.median(times)


def click(against: str | None, runs: int) -> None:
    import cv2
    import numpy as np

    from inference.ops import native
    older = build_at(against) if against else None
    print(f"{torch.get_num_threads()} threads; ms are medians of {runs} runs, old and new alternated")
    for w, h in ((4000, 3000), (1000, 1000)):
        print(f"\nparse of the sample at {w}x{h}:")
        for x, p, merge_max, normalize in parse_calls(w, h):
            if normalize:
                p = p / p.abs().sum(dim=2, keepdim=True).clamp(min=1.0)
            B, C, H, W = x.shape
            xs, pc = x.reshape(B * C, H, W), p.contiguous()
            planes = [np.ascontiguousarray(c) for c in xs.numpy()]

            def ours(op=native()):
                return op.propagate4_forward(xs, pc, merge_max)

            def box():
                for c in planes:
                    cv2.boxFilter(c, -1, (3, 3))
            ours()
            t_box = _median_ms(box, runs)
            t_twin = _median_ms(lambda: propagate(x, p, "max" if merge_max else "mean", normalize=False,
                                                  backend="reference"), 1)
            line = f"  x {B}x{C}x{H}x{W}: "
            if older is None:
                t = _median_ms(ours, runs)
            else:
                same = torch.equal(ours().view(torch.int32), ours(older).view(torch.int32))
                pairs = [(_median_ms(lambda: ours(older), 1), _median_ms(ours, 1)) for _ in range(runs)]
                t_old, t = statistics.median(u for u, _ in pairs), statistics.median(v for _, v in pairs)
                line += (f"{against} {t_old:.2f} ms ({t_old / t_box:.1f}x box), ")
            line += (f"op {t:.2f} ms ({t / t_box:.1f}x box, twin/op {t_twin / t:.0f}); "
                     f"cv2.boxFilter {t_box:.2f} ms, torch twin {t_twin:.0f} ms")
            if older is not None:
                line += f"; {t_old / t:.2f}x faster, outputs {'bit-identical' if same else 'DIFFERENT'}"
            print(line)


if __name__ == "__main__":
    main()
