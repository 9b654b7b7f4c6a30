"""Spatial propagation speed: a 16-channel 512x512 map, 4 directions (max merge), C++ op vs
the plain-torch reference, forward and forward+backward, measured in one run.

    python bench/propagate.py [--size 512] [--channels 16]
"""
from __future__ import annotations

import argparse

from common import timed

import torch

from inference.ops.propagate import propagate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--channels", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
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


if __name__ == "__main__":
    main()
