"""Spatial propagation (Liu et al. 2017): a three-way linear scan in four directions.

One direction (top -> bottom shown; t along the scan, k across it):
    h[t,k] = (1 - sum_j p_j[t,k]) x[t,k] + sum_{j in -1,0,1} p_j[t,k] h[t-1,k+j]
with neighbours outside the map contributing 0 and the stability condition sum_j |p_j| <= 1
enforced by p_j <- p_j / max(1, sum_j |p_j|). The four directions (-> <- down up) each have
their own weights; their outputs are merged node-wise by max (the gradient follows the
argmax) or by mean. One-way propagation is p_-1 = p_+1 = 0.

Weights are given in image layout for every direction: ``p[:, d, j]`` is the weight of the
neighbour at offset j *across* the scan (j = -1: the row above for horizontal scans, the
column to the left for vertical ones).
"""
from __future__ import annotations

from typing import Literal

import torch

from inference.ops import native

DIRECTIONS = ("right", "left", "down", "up")   # order of the direction axis of the weights
Merge = Literal["max", "mean"]


def normalise(p: torch.Tensor, dim: int = -4) -> torch.Tensor:
    """p_j / max(1, sum_j |p_j|) along the 3-way axis ``dim``."""
    return p / p.abs().sum(dim=dim, keepdim=True).clamp(min=1.0)


def _to_canonical(t: torch.Tensor, direction: str) -> torch.Tensor:
    """Move a (..., H, W) map so that the scan runs top -> bottom."""
    if direction == "down":
        return t
    if direction == "up":
        return t.flip(-2)
    t = t.transpose(-1, -2)  # scan along W becomes a scan along rows
    return t if direction == "right" else t.flip(-2)


def _from_canonical(t: torch.Tensor, direction: str) -> torch.Tensor:
    if direction == "down":
        return t
    if direction == "up":
        return t.flip(-2)
    if direction == "left":
        t = t.flip(-2)
    return t.transpose(-1, -2)


class _Scan(torch.autograd.Function):
    """Native top -> bottom scan of (N, H, W) planes with (M, 3, H, W) weights, N = M*G."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        x, p = x.contiguous(), p.contiguous()
        h = native().propagate_forward(x, p)
        ctx.save_for_backward(x, p, h)
        return h

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        x, p, h = ctx.saved_tensors
        dx, dp = native().propagate_backward(grad.contiguous(), x, p, h)
        M = p.shape[0]
        dp = dp.view(M, -1, *dp.shape[1:]).sum(1)
        return dx, dp


def scan_native(x: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    return _Scan.apply(x, p)


def scan_reference(x: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """Plain-torch twin of the native scan (autograd by torch)."""
    N, H, W = x.shape
    G = N // p.shape[0]
    pr = p.repeat_interleave(G, dim=0)  # (N, 3, H, W)
    rows = []
    prev = torch.zeros(N, W, dtype=x.dtype)
    for t in range(H):
        pm, p0, pp = pr[:, 0, t], pr[:, 1, t], pr[:, 2, t]
        left = torch.nn.functional.pad(prev[:, :-1], (1, 0))   # h[t-1, k-1]
        right = torch.nn.functional.pad(prev[:, 1:], (0, 1))   # h[t-1, k+1]
        cur = (1 - pm - p0 - pp) * x[:, t] + pm * left + p0 * prev + pp * right
        rows.append(cur)
        prev = cur
    return torch.stack(rows, dim=1)


def propagate(x: torch.Tensor, p: torch.Tensor, merge: Merge = "max", normalize: bool = True,
              backend: Literal["native", "reference"] = "native",
              directions: tuple[str, ...] = DIRECTIONS) -> torch.Tensor:
    """Propagate ``x`` (B, C, H, W) with weights ``p`` (B, D, 3, H, W) shared by the channels,
    or (B, D, 3, C, H, W) per channel, D = len(directions). Returns (B, C, H, W)."""
    if x.dim() != 4:
        raise ValueError("x must be (B, C, H, W)")
    B, C, H, W = x.shape
    D = len(directions)
    per_channel = p.dim() == 6
    if p.shape[:3] != (B, D, 3) or p.shape[-2:] != (H, W) or (per_channel and p.shape[3] != C):
        raise ValueError(f"weights must be (B, {D}, 3, [C,] H, W) for x {tuple(x.shape)}, got {tuple(p.shape)}")
    if normalize:
        p = normalise(p, dim=2)
    fused = (backend == "native" and directions == DIRECTIONS and not per_channel
             and not (torch.is_grad_enabled() and (x.requires_grad or p.requires_grad)))
    if fused:  # inference: one native pass over all four directions, no copies
        out = native().propagate4_forward(x.reshape(B * C, H, W), p.contiguous(), merge == "max")
        return out.reshape(B, C, H, W)
    scan = scan_native if backend == "native" else scan_reference
    outs = []
    for d, direction in enumerate(directions):
        pd = p[:, d]                                      # (B, 3, [C,] H, W)
        if per_channel:
            pd = pd.permute(0, 2, 1, 3, 4).reshape(B * C, 3, H, W)
        xc = _to_canonical(x, direction).reshape(B * C, *_to_canonical(x, direction).shape[-2:])
        pc = _to_canonical(pd, direction)
        h = scan(xc, pc.reshape(-1, 3, *pc.shape[-2:]))
        hc = h.reshape(B, C, *h.shape[-2:])
        outs.append(_from_canonical(hc, direction))
    stacked = torch.stack(outs, dim=0)
    return stacked.max(dim=0).values if merge == "max" else stacked.mean(dim=0)
