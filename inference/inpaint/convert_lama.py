"""Convert a LaMa TorchScript file (IOPaint's ``big-lama.pt``) to plain weights, without
running anything from it:

    python -m inference.inpaint.convert_lama big-lama.pt big-lama.safetensors

A TorchScript archive is a zip of code (``code/*.py``), pickled module objects
(``data.pkl``, ``constants.pkl``) and raw tensor bytes (``data/<n>``). ``torch.jit.load``
compiles and runs that code: ``__setstate__`` methods at load time, ``forward`` when called.
Here only ``data.pkl`` is read, by an unpickler that builds tensors (from the raw bytes),
plain containers and inert stand-ins for the archive's module classes, and refuses every
other global; the code files are never opened. The tensors found under the module tree are
named by their attribute paths (``model.generator.model.1.ffc.convl2l.weight``), the
generator's are kept (renamed as inference.inpaint.lama_net names them), checked to form a
LaMa generator, and written as safetensors. The same reader takes ``torch.save`` archives
(a state dict or a training checkpoint's ``state_dict``).
"""
from __future__ import annotations

import io
import pickle
import sys
import zipfile
from collections import OrderedDict
from pathlib import Path

import torch

from inference.inpaint import lama_net

MAX_PICKLE_BYTES = 64 << 20       # big-lama.pt's data.pkl is ~0.2 MB
MAX_STORAGE_BYTES = 4 << 30

_DTYPES = {
    "FloatStorage": torch.float32, "DoubleStorage": torch.float64, "HalfStorage": torch.float16,
    "BFloat16Storage": torch.bfloat16, "LongStorage": torch.int64, "IntStorage": torch.int32,
    "ShortStorage": torch.int16, "CharStorage": torch.int8, "ByteStorage": torch.uint8,
    "BoolStorage": torch.bool,
}


class ConvertError(ValueError):
    """The file cannot be converted; the message says why, in one line."""


class _StorageType:
    """What ``torch.FloatStorage`` & co. stand for in a pickle: a dtype, nothing callable."""

    def __init__(self, dtype: torch.dtype):
        self.dtype = dtype


class _Stub:
    """An inert stand-in for a pickled TorchScript object (a module): it keeps the state the
    pickle gives it and has no behaviour of its own."""

    qualname = "?"

    def __setstate__(self, state):
        self.state = state


def _stub_class(qualname: str) -> type:
    return type("Stub", (_Stub,), {"qualname": qualname})


def _as_list(*args):
    return list(args[0]) if args else []


def _restore_type_tag(value, _type_str=None):
    return value


class _Reader:
    """The tensors of one archive's data.pkl."""

    def __init__(self, zf: zipfile.ZipFile, prefix: str):
        self.zf, self.prefix = zf, prefix
        self.storages: dict[str, torch.Tensor] = {}
        names = set(zf.namelist())
        order = f"{prefix}byteorder"
        if order in names and zf.read(order).strip() not in (b"little", b""):
            raise ConvertError("a big-endian archive; convert it on the machine that wrote it")

    def storage(self, pid) -> torch.Tensor:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType) and isinstance(pid[2], str)):
            raise ConvertError(f"unexpected persistent reference {str(pid)[:60]}")
        _, st, key, _location, numel = pid
        if key in self.storages:
            return self.storages[key]
        name = f"{self.prefix}data/{key}"
        try:
            info = self.zf.getinfo(name)
        except KeyError:
            raise ConvertError(f"tensor data {name} is missing from the archive") from None
        itemsize = torch.empty((), dtype=st.dtype).element_size()
        if not isinstance(numel, int) or numel < 0 or info.file_size != numel * itemsize \
                or info.file_size > MAX_STORAGE_BYTES:
            raise ConvertError(f"tensor data {name} has {info.file_size} bytes, not {numel} x {itemsize}")
        raw = bytearray(self.zf.read(name))
        flat = torch.frombuffer(raw, dtype=st.dtype) if raw else torch.empty(0, dtype=st.dtype)
        self.storages[key] = flat
        return flat

    @staticmethod
    def rebuild_tensor(storage, offset, size, stride, *_rest):
        if not isinstance(storage, torch.Tensor) or not isinstance(offset, int) \
                or not all(isinstance(v, int) and v >= 0 for v in (*size, *stride)) or len(size) != len(stride):
            raise ConvertError("a malformed tensor record")
        numel = 1
        for v in size:
            numel *= v
        if numel > storage.numel():
            raise ConvertError("a tensor larger than its data")
        try:
            return torch.as_strided(storage, tuple(size), tuple(stride), offset).clone()
        except RuntimeError as exc:
            raise ConvertError(f"a tensor outside its data ({str(exc).splitlines()[0][:80]})") from None

    @staticmethod
    def rebuild_parameter(data, *_rest):
        return data

    def unpickler(self, data: bytes) -> pickle.Unpickler:
        reader = self

        class Restricted(pickle.Unpickler):
            def find_class(self, module: str, name: str):
                if module == "__torch__" or module.startswith("__torch__."):
                    return _stub_class(f"{module}.{name}")
                if module == "torch" and name in _DTYPES:
                    return _StorageType(_DTYPES[name])
                allowed = {
                    ("torch._utils", "_rebuild_tensor_v2"): reader.rebuild_tensor,
                    ("torch._utils", "_rebuild_tensor"): reader.rebuild_tensor,
                    ("torch._utils", "_rebuild_parameter"): reader.rebuild_parameter,
                    ("collections", "OrderedDict"): OrderedDict,
                    ("torch.jit._pickle", "restore_type_tag"): _restore_type_tag,
                    ("torch", "device"): str,
                }
                for kind in ("intlist", "tensorlist", "doublelist", "boollist", "genericlist"):
                    allowed[("torch.jit._pickle", f"build_{kind}")] = _as_list
                try:
                    return allowed[(module, name)]
                except KeyError:
                    raise pickle.UnpicklingError(f"refuses {module}.{name}") from None

            def persistent_load(self, pid):
                return reader.storage(pid)

        return Restricted(io.BytesIO(data))


def _walk(obj, prefix: str, out: dict[str, torch.Tensor], seen: set[int], depth: int = 0) -> None:
    if depth > 100 or id(obj) in seen:
        return
    if isinstance(obj, torch.Tensor):
        if prefix:
            out.setdefault(prefix, obj)
        return
    seen.add(id(obj))
    if isinstance(obj, _Stub):
        obj = getattr(obj, "state", None)
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(k, str):
                _walk(v, f"{prefix}.{k}" if prefix else k, out, seen, depth + 1)


def read_tensors(path: str | Path) -> dict[str, torch.Tensor]:
    """Every tensor reachable by attribute names from the archive's root object (a
    TorchScript module or a torch.save'd dict), keyed by dotted path. Nothing in the file is
    executed; ConvertError for anything that is not such an archive."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ConvertError(f"not a TorchScript or PyTorch archive ({exc.strerror if isinstance(exc, OSError) else exc})") from None
    with zf:
        pkls = sorted((n for n in zf.namelist() if n.endswith("/data.pkl") and n.count("/") == 1))
        if not pkls:
            raise ConvertError("not a TorchScript or PyTorch archive (no data.pkl)")
        info = zf.getinfo(pkls[0])
        if info.file_size > MAX_PICKLE_BYTES:
            raise ConvertError(f"its data.pkl is {info.file_size} bytes, far more than any model's")
        reader = _Reader(zf, pkls[0][: -len("data.pkl")])
        try:
            root = reader.unpickler(zf.read(pkls[0])).load()
        except ConvertError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever a damaged archive makes pickle or zlib raise
            raise ConvertError(f"cannot read its data.pkl safely ({str(exc)[:120] or type(exc).__name__})") from None
    out: dict[str, torch.Tensor] = {}
    _walk(root, "", out, set())
    return out


def convert(src: str | Path, dst: str | Path, overwrite: bool = False) -> dict[str, torch.Tensor]:
    """Write the LaMa generator weights of ``src`` (TorchScript or torch.save archive) to
    ``dst`` as safetensors, atomically; returns them."""
    from safetensors.torch import save
    from inference.io import ImageWriteError, check_output, write_bytes
    if not Path(src).is_file():
        raise ConvertError(f"{src}: no such file")
    try:
        check_output(dst, [src], overwrite)
    except ImageWriteError as exc:
        raise ConvertError(str(exc)) from None
    try:
        tensors = read_tensors(src)
    except ConvertError as exc:
        raise ConvertError(f"{src}: {exc}") from None
    weights = lama_net.generator_weights(tensors)
    try:
        lama_net.build(weights)
    except ValueError as exc:
        raise ConvertError(f"{src}: {exc}") from None
    weights = {k: v.contiguous().clone() for k, v in sorted(weights.items())}
    try:
        write_bytes(dst, save(weights, metadata={"format": "pt", "source": "LaMa generator (FFCResNetGenerator)"}))
    except ImageWriteError as exc:
        raise ConvertError(str(exc)) from None
    return weights


def main(argv: list[str] | None = None) -> int:
    import argparse
    p = argparse.ArgumentParser(prog="python -m inference.inpaint.convert_lama",
                                description="Convert a LaMa TorchScript file (big-lama.pt) to safetensors "
                                            "weights, without running its code.")
    p.add_argument("src", help="big-lama.pt (TorchScript) or a torch.save'd state dict")
    p.add_argument("dst", help="the .safetensors file to write")
    p.add_argument("--overwrite", action="store_true", help="replace DST if it exists and is read-only")
    args = p.parse_args(argv)
    try:
        weights = convert(args.src, args.dst, args.overwrite)
    except ConvertError as exc:
        print(f"convert_lama: error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.dst}: {len(weights)} tensors, {sum(v.numel() for v in weights.values()):,} values")
    return 0


if __name__ == "__main__":
    sys.exit(main())
