"""Edge-aware recursive filter (domain transform RF, Gastal & Oliveira 2011).

Same definition as OpenCV's ``edgePreservingFilter(flags=RECURS_FILTER)``: images in [0, 1],
``p = a^(1 + sigma_s/sigma_r * sum_c |dI_c|)`` from the guide, scans left->right,
right->left, then top->bottom, bottom->top, iterated with
``sigma_H,i = sigma_s * sqrt(3) * 2^(N-i-1) / sqrt(4^N - 1)``.
"""
from __future__ import annotations

import math
from typing import Literal

import numpy as np

from inference.lazy import lazy_module
from inference.ops import native

torch = lazy_module("torch")   # loaded at the first filter: the CLI starts without it

Backend = Literal["auto", "native", "reference"]


def _as_hwc(a: np.ndarray | torch.Tensor) -> torch.Tensor:
    if isinstance(a, np.ndarray) and not a.flags.writeable:
        a = a.copy()  # torch cannot wrap read-only memory
    t = torch.as_tensor(a)
    if t.dim() == 2:
        t = t.unsqueeze(-1)
    if t.dim() != 3:
        raise ValueError(f"expected an (H, W) or (H, W, C) image, got shape {tuple(t.shape)}")
    return t.to(torch.float32).contiguous()


def _sigma_h(sigma_s: float, i: int, n: int) -> float:
    return sigma_s * math.sqrt(3.0) * 2.0 ** (n - i - 1) / math.sqrt(4.0 ** n - 1.0)


def recursive_filter_reference(x: torch.Tensor, guide: torch.Tensor, sigma_s: float, sigma_r: float,
                               iterations: int = 3) -> torch.Tensor:
    """Plain-torch twin of ``_C.recursive_filter``: (H, W, C) float32 in, out."""
    x = x.to(torch.float32).clone()
    g = guide.to(torch.float32)
    H, W = x.shape[:2]
    dx = torch.zeros(H, W, dtype=torch.float32)
    dy = torch.zeros(H, W, dtype=torch.float32)
    dx[:, 1:] = (g[:, 1:] - g[:, :-1]).abs().sum(-1)
    dy[1:, :] = (g[1:, :] - g[:-1, :]).abs().sum(-1)
    dctx = 1.0 + (sigma_s / sigma_r) * dx
    dcty = 1.0 + (sigma_s / sigma_r) * dy
    for i in range(iterations):
        a = math.exp(-math.sqrt(2.0) / _sigma_h(sigma_s, i, iterations))
        px = torch.pow(torch.tensor(a, dtype=torch.float32), dctx).unsqueeze(-1)
        py = torch.pow(torch.tensor(a, dtype=torch.float32), dcty).unsqueeze(-1)
        for j in range(1, W):  # h[k] = (1 - p[k]) x[k] + p[k] h[k-1]
            x[:, j] = x[:, j] + px[:, j] * (x[:, j - 1] - x[:, j])
        for j in range(W - 2, -1, -1):
            x[:, j] = x[:, j] + px[:, j + 1] * (x[:, j + 1] - x[:, j])
        for t in range(1, H):
            x[t] = x[t] + py[t] * (x[t - 1] - x[t])
        for t in range(H - 2, -1, -1):
            x[t] = x[t] + py[t + 1] * (x[t + 1] - x[t])
    return x


def recursive_filter(image: np.ndarray | torch.Tensor, sigma_s: float = 60.0, sigma_r: float = 0.4,
                     iterations: int = 3, guide: np.ndarray | torch.Tensor | None = None,
                     backend: Backend = "auto") -> np.ndarray | torch.Tensor:
    """Filter an (H, W[, C]) float image with values in [0, 1], edges taken from ``guide``
    (default: the image itself). Returns the same kind (numpy or torch) and shape it was given."""
    if sigma_s <= 0 or sigma_r <= 0 or iterations < 1:
        raise ValueError("sigma_s and sigma_r must be > 0 and iterations >= 1")
    was_numpy = isinstance(image, np.ndarray)
    squeeze = (image.ndim == 2)
    x = _as_hwc(image)
    g = x if guide is None else _as_hwc(guide)
    if g.shape[:2] != x.shape[:2]:
        raise ValueError("image and guide sizes differ")
    if backend == "reference":
        y = recursive_filter_reference(x, g, sigma_s, sigma_r, iterations)
    else:
        y = native().recursive_filter(x, g, float(sigma_s), float(sigma_r), int(iterations))
    if squeeze:
        y = y[..., 0]
    return y.numpy() if was_numpy else y


def recursive_filter_u8(image: np.ndarray, sigma_s: float = 60.0, sigma_r: float = 0.4,
                        iterations: int = 3) -> np.ndarray:
    """uint8 in, uint8 out: the drop-in counterpart of cv2.edgePreservingFilter(flags=1)."""
    x = torch.from_numpy(np.asarray(image, dtype=np.float32) * np.float32(1.0 / 255.0))
    y = recursive_filter(x, sigma_s, sigma_r, iterations)
    return y.mul_(255.0).round_().clamp_(0, 255).to(torch.uint8).numpy()
