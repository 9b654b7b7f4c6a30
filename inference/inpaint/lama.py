"""LaMa (Suvorov et al. 2022), bring your own weights: a TorchScript file such as the
``big-lama.pt`` that IOPaint and others use, called as ``model(image, mask)`` with image
(1, 3, H, W) in [0, 1] and mask (1, 1, H, W) in {0, 1}, returning (1, 3, H, W) in [0, 1].
Nothing is ever downloaded: without ``model`` this engine refuses to run.

TorchScript archives hold TorchScript code and tensors, not arbitrary pickled Python, so
loading one runs nothing but the model's own graph.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import torch

from inference.inpaint.base import InpaintError, Progress

NAME = "lama"
CONTEXT = 0.5
MAX_SIDE = 1024     # LaMa was trained near 512 px; bigger crops are shrunk for the network
MULTIPLE = 8        # its down/up-sampling needs sides divisible by 8


@lru_cache(maxsize=2)
def load(path: str, device: str = "cpu") -> torch.jit.ScriptModule:
    p = Path(path)
    if not p.is_file():
        raise InpaintError(f"{path}: no such model file")
    try:
        model = torch.jit.load(str(p), map_location=device)
    except (RuntimeError, ValueError) as exc:
        raise InpaintError(f"{path}: not a TorchScript model file ({type(exc).__name__})") from None
    model.eval()
    return model


def fill(image: np.ndarray, hole: np.ndarray, progress: Progress | None = None, model: str | None = None,
         device: str | None = None, **_) -> np.ndarray:
    if not model:
        raise InpaintError("the lama engine needs your model file (e.g. --model big-lama.pt); "
                           "Visage downloads nothing")
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    net = load(str(model), device)
    h, w = hole.shape
    s = min(1.0, MAX_SIDE / max(h, w))
    img, msk = image, hole.astype(np.uint8)
    if s < 1:
        size = (max(1, round(w * s)), max(1, round(h * s)))
        img = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        msk = (cv2.resize(msk, size, interpolation=cv2.INTER_AREA) > 0).astype(np.uint8)
    ph, pw = -img.shape[0] % MULTIPLE, -img.shape[1] % MULTIPLE
    img_p = np.pad(img, ((0, ph), (0, pw), (0, 0)), mode="reflect")
    msk_p = np.pad(msk, ((0, ph), (0, pw)), mode="reflect")
    t_img = torch.from_numpy(img_p).permute(2, 0, 1)[None].float().div(255).to(device)
    t_msk = torch.from_numpy(msk_p)[None, None].float().to(device)
    if progress:
        progress(0.1)
    with torch.inference_mode():
        out = net(t_img, t_msk)
    if not isinstance(out, torch.Tensor) or out.shape != t_img.shape:
        raise InpaintError(f"{model}: the model returned {getattr(out, 'shape', type(out))}, "
                           f"expected {tuple(t_img.shape)}")
    res = out[0].permute(1, 2, 0).float().cpu().numpy()[: img.shape[0], : img.shape[1]]
    res = np.clip(res * 255 + 0.5, 0, 255).astype(np.uint8)
    if s < 1:
        res = cv2.resize(res, (w, h), interpolation=cv2.INTER_CUBIC)
    return res
