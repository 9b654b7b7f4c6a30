"""The csrc/ spatial propagation op against its torch twin; gradients; stability; directions."""
from __future__ import annotations

import pytest
import torch

from inference.ops.propagate import DIRECTIONS, normalise, propagate


@pytest.mark.parametrize("merge", ["max", "mean"])
@pytest.mark.parametrize("per_channel", [False, True])
def test_native_matches_reference_float32(merge, per_channel):
    g = torch.Generator().manual_seed(1)
    x = torch.rand(2, 5, 23, 31, generator=g)
    shape = (2, 4, 3, 5, 23, 31) if per_channel else (2, 4, 3, 23, 31)
    p = torch.rand(shape, generator=g) * 0.7 - 0.1   # some negative weights too
    a = propagate(x, p, merge)
    b = propagate(x, p, merge, backend="reference")
    assert (a - b).abs().max().item() <= 1e-5


def test_gradients_match_reference():
    g = torch.Generator().manual_seed(2)
    x = torch.rand(1, 3, 12, 10, generator=g, requires_grad=True)
    p = (torch.rand(1, 4, 3, 12, 10, generator=g) * 0.5).requires_grad_()
    w = torch.rand(1, 3, 12, 10, generator=g)
    ga = torch.autograd.grad((propagate(x, p) * w).sum(), [x, p])
    gb = torch.autograd.grad((propagate(x, p, backend="reference") * w).sum(), [x, p])
    for u, v in zip(ga, gb):
        assert (u - v).abs().max().item() <= 1e-5


@pytest.mark.parametrize("merge", ["max", "mean"])
def test_gradcheck_double(merge):
    g = torch.Generator().manual_seed(3)
    x = torch.rand(1, 2, 6, 7, generator=g, dtype=torch.float64, requires_grad=True)
    p = (torch.rand(1, 4, 3, 6, 7, generator=g, dtype=torch.float64) * 0.6).requires_grad_()
    assert torch.autograd.gradcheck(lambda x, p: propagate(x, p, merge), (x, p))
    pc = (torch.rand(1, 4, 3, 2, 6, 7, generator=g, dtype=torch.float64) * 0.6).requires_grad_()
    assert torch.autograd.gradcheck(lambda x, p: propagate(x, p, merge), (x, pc))


def test_normalisation_keeps_outputs_bounded():
    g = torch.Generator().manual_seed(4)
    H = 128
    x = torch.rand(1, 4, H, H, generator=g) * 2 - 1          # |x| <= 1
    p = torch.randn(1, 4, 3, H, H, generator=g) * 5           # wildly unstable weights
    n = normalise(p, dim=2)
    assert (n.abs().sum(dim=2) <= 1 + 1e-6).all()
    raw = propagate(x, p, normalize=False, merge="mean")
    assert not torch.isfinite(raw).all() or raw.abs().max().item() > 1e6   # unnormalised: blows up
    out = propagate(x, p, merge="mean")
    # |h_t| <= |1 - sum p| |x| + sum|p| |h_t-1| <= 2 + |h_t-1|: at most linear growth
    assert torch.isfinite(out).all() and out.abs().max().item() <= 2 * H
    # Non-negative weights make every step a convex combination: |h| <= max |x|.
    out = propagate(x, p.abs())
    assert out.abs().max().item() <= x.abs().max().item() + 1e-6


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_each_direction_carries_signal_its_own_way(direction):
    H = W = 9
    x = torch.zeros(1, 1, H, W)
    x[0, 0, 4, 4] = 1.0
    p = torch.zeros(1, 1, 3, H, W)
    p[:, :, 1] = 0.9                                          # one-way: straight ahead only
    out = propagate(x, p, merge="mean", directions=(direction,))[0, 0]
    ahead = {"right": out[4, 8], "left": out[4, 0], "down": out[8, 4], "up": out[0, 4]}
    behind = {"right": out[4, 0], "left": out[4, 8], "down": out[0, 4], "up": out[8, 4]}
    assert ahead[direction] == pytest.approx(0.1 * 0.9 ** 4, rel=1e-5)
    assert behind[direction] == 0.0


def test_three_way_spreads_sideways_too():
    x = torch.zeros(1, 1, 9, 9)
    x[0, 0, 0, 4] = 1.0
    p = torch.full((1, 1, 3, 9, 9), 0.3)
    out = propagate(x, p, merge="mean", directions=("down",))[0, 0]
    assert out[8, 0] > 0 and out[8, 8] > 0 and out[8, 4] > out[8, 0]


@pytest.mark.parametrize("merge", ["max", "mean"])
def test_fused_inference_path_equals_the_autograd_path(merge):
    """Without gradients, propagate() runs all four directions in one native call on the
    image-layout weights; it must give what the per-direction path gives."""
    g = torch.Generator().manual_seed(5)
    x = torch.rand(2, 4, 29, 41, generator=g)
    p = torch.rand(2, 4, 3, 29, 41, generator=g) * 0.7 - 0.1
    with torch.no_grad():
        fused = propagate(x, p, merge)
    per_direction = propagate(x.clone().requires_grad_(), p, merge).detach()
    reference = propagate(x, p, merge, backend="reference")
    assert (fused - per_direction).abs().max().item() <= 1e-5
    assert (fused - reference).abs().max().item() <= 1e-5
