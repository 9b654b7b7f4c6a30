"""LaMa weights are data (issue 18): our generator with weights from safetensors or a
torch.load(weights_only=True) state dict, a converter that reads big-lama.pt's tensors without
running its code, TorchScript only when trusted, and a user model failing as one line.
Every model file here is made by the test (small random generators, crafted archives)."""
from __future__ import annotations

import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch

from conftest import ROOT
from inference.inpaint import InpaintError, inpaint
from inference.inpaint import convert_lama as C
from inference.inpaint import lama
from inference.inpaint import lama_net as L


def _small(seed: int = 0) -> L.LamaInpainter:
    """A randomly initialised narrow copy of the big-lama generator, batch norms included."""
    torch.manual_seed(seed)
    g = L.LamaGenerator(ngf=8, n_blocks=2)
    with torch.no_grad():
        for m in g.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.num_batches_tracked.fill_(7)
    return L.LamaInpainter(g).eval()


def _inputs(h: int = 64, w: int = 48):
    g = torch.Generator().manual_seed(1)
    image = torch.rand(1, 3, h, w, generator=g)
    mask = (torch.rand(1, 1, h, w, generator=g) > 0.6).float()
    return image, mask


def _out(model, image, mask):
    with torch.inference_mode():
        return model(image, mask)


def _mask(shape=(512, 512)):
    m = np.zeros(shape, np.uint8)
    m[300:340, 400:450] = 255
    return m


def test_the_generator_has_big_lamas_layout():
    with torch.device("meta"):
        sd = L.LamaGenerator().state_dict()
    n = sum(v.numel() for k, v in sd.items() if not k.endswith("num_batches_tracked"))
    assert 51.0e6 < n < 51.1e6          # big-lama's 51 M parameters
    for key, shape in {"model.1.ffc.convl2l.weight": (64, 4, 7, 7),
                       "model.4.ffc.convl2g.weight": (384, 256, 3, 3),
                       "model.5.conv1.ffc.convg2g.conv1.0.weight": (192, 384, 1, 1),
                       "model.5.conv1.ffc.convg2g.fu.conv_layer.weight": (384, 384, 1, 1),
                       "model.22.conv2.ffc.convg2g.conv2.weight": (384, 192, 1, 1),
                       "model.22.conv2.bn_g.running_var": (384,), "model.24.weight": (512, 256, 3, 3),
                       "model.31.running_mean": (64,), "model.34.weight": (3, 64, 7, 7), "model.34.bias": (3,)}.items():
        assert tuple(sd[key].shape) == shape, key
    assert "model.23.weight" not in sd and "model.4.ffc.convg2g.conv1.0.weight" not in sd


def test_prefixes_of_checkpoints_and_torchscript_are_dropped():
    t = torch.zeros(1)
    got = L.generator_weights({"model.generator.model.1.ffc.convl2l.weight": t,      # big-lama.pt
                               "generator.model.2.bn_l.bias": t,                     # training checkpoint
                               "state_dict.generator.model.3.bn_l.bias": t,
                               "discriminator.model0.0.ffc.convl2l.weight": t, "model.generator.training": t,
                               "model.4.bn_l.bias": t})                              # already bare
    assert sorted(got) == ["model.1.ffc.convl2l.weight", "model.2.bn_l.bias", "model.3.bn_l.bias", "model.4.bn_l.bias"]


def test_safetensors_and_state_dict_weights_give_the_same_output(tmp_path):
    from safetensors.torch import save_file
    net = _small()
    image, mask = _inputs()
    want = _out(net, image, mask)
    sd = {k: v.contiguous() for k, v in net.state_dict().items()}          # "generator.model...."
    save_file(sd, tmp_path / "w.safetensors")
    torch.save(sd, tmp_path / "w.pth")
    torch.save({"state_dict": sd, "epoch": 3}, tmp_path / "ckpt.pt")       # a training checkpoint
    for name in ("w.safetensors", "w.pth", "ckpt.pt"):
        model = lama.load(tmp_path / name)
        assert isinstance(model, L.LamaInpainter), name
        assert torch.equal(_out(model, image, mask), want), name


def test_weights_that_do_not_fit_are_one_line_errors(tmp_path):
    from safetensors.torch import save_file
    sd = {k: v.contiguous() for k, v in _small().state_dict().items()}
    del sd["generator.model.5.conv1.ffc.convg2g.fu.bn.weight"]
    save_file(sd, tmp_path / "missing.safetensors")
    sd = {k: v.contiguous() for k, v in _small().state_dict().items()}
    sd["generator.model.18.bias"] = torch.zeros(4)          # the last conv of a 2-block generator
    save_file(sd, tmp_path / "shape.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")
    (tmp_path / "text.pt").write_text("hello")
    torch.save([1, 2, 3], tmp_path / "list.pt")
    for name, pattern in (("missing", "1 missing"), ("shape", "model.18.bias is \\(4,\\)"),
                          ("junk", "not a readable safetensors"), ("text", "not a model file"), ("list", "no tensors")):
        path = tmp_path / (name + (".pt" if name in ("text", "list") else ".safetensors"))
        with pytest.raises(InpaintError, match=pattern) as err:
            lama.load(path)
        assert "\n" not in str(err.value)
    with pytest.raises(InpaintError, match="no such model file"):
        lama.load(tmp_path / "nope.safetensors")


def _torchscript(tmp_path, net=None) -> tuple:
    net = net or _small()
    image, mask = _inputs()
    path = tmp_path / "tiny-lama.pt"
    torch.jit.trace(net, (image, mask)).save(str(path))     # as big-lama.pt was made: traced
    return path, net, image, mask


def test_torchscript_is_loaded_only_when_trusted(tmp_path):
    path, net, image, mask = _torchscript(tmp_path)
    with pytest.raises(InpaintError, match="TorchScript.*runs its own code.*convert_lama.*--trust-model") as err:
        lama.load(path)
    assert "\n" not in str(err.value)
    with pytest.raises(InpaintError, match="--trust-model"):
        inpaint(np.zeros((512, 512, 3), np.uint8), _mask(), "lama", model=str(path))
    trusted = lama.load(path, trust=True)
    assert isinstance(trusted, torch.jit.ScriptModule)
    assert torch.allclose(_out(trusted, image, mask), _out(net, image, mask), atol=1e-6)


def test_the_converter_extracts_the_tensors_without_running_the_archive(tmp_path):
    from safetensors.torch import load_file
    path, net, image, mask = _torchscript(tmp_path)
    out = tmp_path / "tiny-lama.safetensors"
    res = subprocess.run([sys.executable, "-m", "inference.inpaint.convert_lama", str(path), str(out)],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    got = load_file(out)
    want = net.generator.state_dict()
    assert sorted(got) == sorted(want)
    assert all(torch.equal(got[k], want[k]) for k in want)
    assert torch.equal(_out(lama.load(out), image, mask), _out(net, image, mask))
    # refuses to write over its input, and anything that is not an archive
    res = subprocess.run([sys.executable, "-m", "inference.inpaint.convert_lama", str(path), str(path)],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and "--overwrite" in res.stderr
    with pytest.raises(C.ConvertError, match="not a TorchScript or PyTorch archive"):
        C.convert(tmp_path / "tiny-lama.safetensors", tmp_path / "again.safetensors")


def test_the_converter_takes_big_lamas_own_nesting(tmp_path):
    """big-lama.pt is LaMa's JITWrapper traced: model (the training module) .generator."""
    class Training(torch.nn.Module):
        def __init__(self, generator):
            super().__init__()
            self.generator = generator

        def forward(self, image, mask):
            predicted = self.generator(torch.cat((image * (1 - mask), mask), dim=1))
            return mask * predicted + (1 - mask) * image

    class JITWrapper(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, image, mask):
            return self.model(image, mask)
    net = _small(3)
    image, mask = _inputs()
    wrapped = JITWrapper(Training(net.generator)).eval()
    path = tmp_path / "big-lama.pt"
    torch.jit.trace(wrapped, (image, mask)).save(str(path))
    assert any(k.startswith("model.generator.model.") for k in C.read_tensors(path))
    weights = C.convert(path, tmp_path / "big-lama.safetensors")
    assert sorted(weights) == sorted(net.generator.state_dict())
    assert torch.equal(_out(lama.load(tmp_path / "big-lama.safetensors"), image, mask), _out(net, image, mask))
    with zipfile.ZipFile(path) as z, zipfile.ZipFile(tmp_path / "cut.pt", "w") as out:   # damaged data
        for info in z.infolist():
            data = z.read(info)
            out.writestr(info, data[: len(data) // 2] if info.filename.endswith("data.pkl") else data)
    with pytest.raises(C.ConvertError, match="cannot read its data.pkl safely"):
        C.convert(tmp_path / "cut.pt", tmp_path / "cut.safetensors")


def test_the_lama_engine_fills_with_converted_weights(tmp_path, astronaut):
    from safetensors.torch import save_file
    net = _small()
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, tmp_path / "w.safetensors")
    m = _mask()
    out = inpaint(astronaut, m, "lama", model=str(tmp_path / "w.safetensors"))
    assert np.array_equal(out[m == 0], astronaut[m == 0]) and (out[m > 0] != astronaut[m > 0]).any()
    same = inpaint(astronaut, m, "lama", model=lama.load(tmp_path / "w.safetensors"))   # a loaded model
    assert np.array_equal(out, same)


# --- crafted model files --------------------------------------------------------------------

def _crafted(tmp_path):
    """Two TorchScript files that write a file of the attacker's choosing: one when loaded
    (its __setstate__), one when called (its forward), both by torch.from_file(shared=True)."""
    from typing import Tuple
    on_load, on_call = tmp_path / "written-on-load", tmp_path / "written-on-call"

    class OnLoad(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.ones(3))
            self.target = str(on_load)

        @torch.jit.export
        def __getstate__(self) -> Tuple[torch.Tensor, str, bool]:
            return (self.w, self.target, self.training)

        @torch.jit.export
        def __setstate__(self, state: Tuple[torch.Tensor, str, bool]) -> None:
            t = torch.from_file(state[1], shared=True, size=16, dtype=torch.uint8)
            t.fill_(66)
            self.w = state[0] + t[:3].float() * 0
            self.target = state[1]
            self.training = state[2]

        def forward(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            return image

    class OnCall(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.target = str(on_call)

        def forward(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            t = torch.from_file(self.target, shared=True, size=16, dtype=torch.uint8)
            t.fill_(65)
            return image + t[0].float() * 0

    a, b = tmp_path / "on-load.pt", tmp_path / "on-call.pt"
    torch.jit.script(OnLoad()).save(str(a))
    torch.jit.script(OnCall()).save(str(b))
    assert not on_load.exists() and not on_call.exists()
    return (a, on_load), (b, on_call)


def test_crafted_model_files_write_nothing_unless_trusted(tmp_path, astronaut):
    (a, on_load), (b, on_call) = _crafted(tmp_path)
    m = _mask()
    for f in (a, b):
        with pytest.raises(InpaintError, match="--trust-model"):
            lama.load(f)
        with pytest.raises(InpaintError, match="--trust-model"):
            inpaint(astronaut, m, "lama", model=str(f))
        with pytest.raises(C.ConvertError, match="no LaMa generator weights"):
            C.convert(f, tmp_path / "out.safetensors")
        res = subprocess.run([sys.executable, "-m", "inference.inpaint.convert_lama", str(f),
                              str(tmp_path / "out.safetensors")], capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert res.returncode == 2 and res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    assert not on_load.exists() and not on_call.exists() and not (tmp_path / "out.safetensors").exists()
    # the files are what they claim: trusted, each writes its file
    lama.load(a, trust=True)
    assert on_load.read_bytes() == b"B" * 16
    inpaint(astronaut, m, "lama", model=lama.load(b, trust=True))
    assert on_call.read_bytes() == b"A" * 16


def test_the_converter_refuses_every_other_global(tmp_path):
    """A data.pkl calling os.system (what a malicious pickle does) is refused unrun."""
    target = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            import os
            return (os.system, (f"touch {target}",))
    f = tmp_path / "evil.pt"
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("evil/data.pkl", pickle.dumps({"model.1.ffc.convl2l.weight": Evil()}, protocol=2))
        z.writestr("evil/code/__torch__.py", "")
    with pytest.raises(C.ConvertError, match="refuses (posix|os|nt).system"):
        C.read_tensors(f)
    assert not target.exists()


# --- a user model failing -------------------------------------------------------------------

class _Raises(torch.nn.Module):
    def forward(self, image, mask):
        raise RuntimeError("CUDA error: out of memory\nmore detail")


class _OneInput(torch.nn.Module):
    def forward(self, image):
        return image


class _NaN(torch.nn.Module):
    def forward(self, image, mask):
        return image * float("nan")


class _Shape(torch.nn.Module):
    def forward(self, image, mask):
        return image[:, :1]


@pytest.mark.parametrize("model, pattern", [(_Raises(), "the model failed.*CUDA error: out of memory"),
                                            (_OneInput(), "the model failed when called as model\\(image, mask\\)"),
                                            (_NaN(), "returned NaN"), (_Shape(), "returned \\(1, 1,")])
def test_a_failing_model_is_one_line(astronaut, model, pattern):
    with pytest.raises(InpaintError, match=pattern) as err:
        inpaint(astronaut, _mask(), "lama", model=model)
    assert "\n" not in str(err.value)


def test_a_failing_trusted_torchscript_file_is_one_line(tmp_path, astronaut):
    class Fails(torch.nn.Module):
        def forward(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            return image.view(-1, 7, 13)
    f = tmp_path / "fails.pt"
    torch.jit.script(Fails()).save(str(f))
    with pytest.raises(InpaintError, match="the model failed") as err:
        inpaint(astronaut, _mask(), "lama", model=lama.load(f, trust=True))
    assert "\n" not in str(err.value)
