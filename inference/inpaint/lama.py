"""LaMa (Suvorov et al. 2022), bring your own weights. Nothing is ever downloaded: without
``model`` this engine refuses to run.

The network is ours (inference.inpaint.lama_net); a model file only supplies its weights, read
as data, never as code:

- ``.safetensors`` (e.g. made from IOPaint's ``big-lama.pt`` by
  ``python -m inference.inpaint.convert_lama big-lama.pt big-lama.safetensors``), or
- a PyTorch state dict (``torch.save``), read with ``torch.load(weights_only=True)``.

A TorchScript file (``big-lama.pt`` itself) is a program: loading it runs its ``__setstate__``
methods and calling it runs its ``forward``, and either can read or write any file the user
can (``torch.from_file(..., shared=True)``). It is loaded only with ``trust=True`` (the CLI's
``--trust-model``, the GUI's confirmation naming the file); otherwise it is refused with a
message saying how to convert it.

``fill`` takes the model as a path (loaded the safe way) or as a module from :func:`load`
(how a trusted TorchScript file reaches it). The model is called as ``model(image, mask)``,
image (1, 3, H, W) in [0, 1], mask (1, 1, H, W) in {0, 1}, and must return (1, 3, H, W) finite
values; anything else (an exception, another signature or shape, NaN) is an InpaintError.
"""
from __future__ import annotations

import os
import zipfile
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from inference.inpaint.base import InpaintError, Progress
from inference.lazy import lazy_module

# loaded when a model is: the CLI and the engine list start without torch
torch = lazy_module("torch")
lama_net = lazy_module("inference.inpaint.lama_net")

NAME = "lama"
CONTEXT = 0.5
MAX_SIDE = 1024     # LaMa was trained near 512 px; bigger crops are shrunk for the network
MULTIPLE = 8        # its down/up-sampling needs sides divisible by 8
MIN_SIDE = 32       # the bottleneck (1/8) keeps 4 px, enough for its reflection padding

CONVERT_HINT = "python -m inference.inpaint.convert_lama"


def _one_line(exc: BaseException) -> str:
    """A readable one-line reason from any exception (TorchScript's put the useful line last)."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    if not lines:
        return type(exc).__name__
    line = lines[-1] if lines[0].startswith("The following operation failed") else lines[0]
    return (line if len(line) <= 200 else line[:197] + "...")


def is_torchscript(path: str | os.PathLike) -> bool:
    """True for a TorchScript archive (a zip holding code/ and constants.pkl), which only
    ``torch.jit.load`` reads, running its code."""
    try:
        with zipfile.ZipFile(path) as z:
            return any("/code/" in n or n.endswith("/constants.pkl") for n in z.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _is_safetensors(p: Path, head: bytes) -> bool:
    if p.suffix.lower() == ".safetensors":
        return True
    return len(head) > 8 and head[8:9] == b"{" and 0 < int.from_bytes(head[:8], "little") < 100_000_000


def read_weights(path: str | os.PathLike, shown: str | None = None) -> dict[str, torch.Tensor]:
    """The tensors of a safetensors file or a PyTorch state dict, read without running
    anything from the file. InpaintError (one line, naming the file as ``shown``) for anything
    else, TorchScript included."""
    p = Path(path)
    path = shown or str(path)
    if not p.is_file():
        raise InpaintError(f"{path}: no such model file")
    try:
        with open(p, "rb") as f:
            head = f.read(16)
    except OSError as exc:
        raise InpaintError(f"{path}: cannot read the model file ({exc.strerror or exc})") from None
    if _is_safetensors(p, head):
        from safetensors import SafetensorError
        from safetensors.torch import load_file
        try:
            return load_file(str(p), device="cpu")
        except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
            raise InpaintError(f"{path}: not a readable safetensors file ({_one_line(exc)})") from None
    if is_torchscript(p):
        raise InpaintError(
            f"{path}: a TorchScript model, which runs its own code when loaded and called (it could "
            f"read or change your files); convert it to weights with `{CONVERT_HINT} {path} "
            f"{Path(path).with_suffix('.safetensors').name}`, or pass --trust-model if you trust its source")
    if not (head.startswith(b"PK\x03\x04") or head[:1] == b"\x80"):
        raise InpaintError(f"{path}: not a model file Visage can read (safetensors, a PyTorch state dict, "
                           "or TorchScript with --trust-model)")
    try:
        obj = torch.load(str(p), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - anything torch's safe unpickler refuses is the file's fault
        raise InpaintError(f"{path}: not a state dict that can be read safely ({_one_line(exc)})") from None
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]   # a training checkpoint
    if not isinstance(obj, dict) or not any(isinstance(v, torch.Tensor) for v in obj.values()):
        raise InpaintError(f"{path}: holds no tensors by name (not a state dict)")
    return {str(k): v for k, v in obj.items() if isinstance(v, torch.Tensor)}


def load(path: str | os.PathLike, device: str | None = None, trust: bool = False) -> torch.nn.Module:
    """The LaMa model of a weights file (our network, its weights from the file), or, with
    ``trust=True`` only, a TorchScript file as it is; on ``device`` (default: CUDA when there
    is one). Cached by path, size and mtime."""
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    p = Path(path)
    if not p.is_file():
        raise InpaintError(f"{path}: no such model file")
    st = p.stat()
    return _load(str(p.resolve()), st.st_size, st.st_mtime_ns, device, bool(trust), str(path))


@lru_cache(maxsize=2)
def _load(resolved: str, size: int, mtime: int, device: str, trust: bool, shown: str) -> torch.nn.Module:
    if trust and is_torchscript(resolved):
        try:
            model = torch.jit.load(resolved, map_location=device)
        except Exception as exc:  # noqa: BLE001 - a user's file, failing its own way
            raise InpaintError(f"{shown}: the TorchScript model failed to load ({_one_line(exc)})") from None
        return model.eval()
    weights = read_weights(resolved, shown)
    try:
        model = lama_net.build(weights)
    except ValueError as exc:
        raise InpaintError(f"{shown}: {exc}") from None
    return model.to(device)


def _device_of(net: torch.nn.Module, fallback: str) -> str:
    for t in net.parameters():
        return str(t.device)
    return fallback


def _pad(a: np.ndarray, ph: int, pw: int) -> np.ndarray:
    pad = ((0, ph), (0, pw)) + ((0, 0),) * (a.ndim - 2)
    mode = "reflect" if a.shape[0] > ph and a.shape[1] > pw else "edge"
    return np.pad(a, pad, mode=mode)


def fill(image: np.ndarray, hole: np.ndarray, progress: Progress | None = None,
         model: str | os.PathLike | torch.nn.Module | None = None, device: str | None = None, **_) -> np.ndarray:
    if model is None or (not isinstance(model, torch.nn.Module) and not str(model)):
        raise InpaintError("the lama engine needs your model file (e.g. --model big-lama.safetensors); "
                           "Visage downloads nothing")
    if isinstance(model, torch.nn.Module):
        net, name = model, "the LaMa model"
        device = _device_of(net, device or "cpu")
    else:
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        net, name = load(model, device), str(model)
    h, w = hole.shape
    s = min(1.0, MAX_SIDE / max(h, w))
    img, msk = image, hole.astype(np.uint8)
    if s < 1:
        size = (max(1, round(w * s)), max(1, round(h * s)))
        img = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        msk = (cv2.resize(msk, size, interpolation=cv2.INTER_AREA) > 0).astype(np.uint8)
    ph = max(MIN_SIDE, -(-img.shape[0] // MULTIPLE) * MULTIPLE) - img.shape[0]
    pw = max(MIN_SIDE, -(-img.shape[1] // MULTIPLE) * MULTIPLE) - img.shape[1]
    img_p, msk_p = _pad(img, ph, pw), _pad(msk, ph, pw)
    t_img = torch.from_numpy(np.ascontiguousarray(img_p)).permute(2, 0, 1)[None].float().div(255).to(device)
    t_msk = torch.from_numpy(np.ascontiguousarray(msk_p))[None, None].float().to(device)
    if progress:
        progress(0.1)
    try:
        with torch.inference_mode():
            out = net(t_img, t_msk)
    except Exception as exc:  # noqa: BLE001 - the user's model failing is reported, not a crash
        raise InpaintError(f"{name}: the model failed when called as model(image, mask): {_one_line(exc)}") from None
    if not isinstance(out, torch.Tensor) or out.shape != t_img.shape:
        raise InpaintError(f"{name}: the model returned {tuple(getattr(out, 'shape', ())) or type(out).__name__}, "
                           f"expected {tuple(t_img.shape)}")
    if not out.is_floating_point():
        raise InpaintError(f"{name}: the model returned {out.dtype} values, expected floats in [0, 1]")
    out = out.float()
    if not bool(torch.isfinite(out).all()):
        raise InpaintError(f"{name}: the model returned NaN (or infinite) values; nothing was written")
    res = out[0].permute(1, 2, 0).cpu().numpy()[: img.shape[0], : img.shape[1]]
    res = np.clip(res * 255 + 0.5, 0, 255).astype(np.uint8)
    if s < 1:
        res = cv2.resize(res, (w, h), interpolation=cv2.INTER_CUBIC)
    return res
