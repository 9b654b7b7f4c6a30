"""The LaMa generator (Suvorov et al. 2022, "big-lama"), written out here so that user weights
are only ever *data*: a Fast Fourier Convolution ResNet that fills a masked photo.

    reflection pad 3 + 7x7 conv (stem)         4 -> ngf channels
    3 strided 3x3 convs (downsampling)         ngf -> 8 ngf, the last splitting the channels
                                               into a local and a global (spectral) part
    n_blocks FFC residual blocks               local: 3x3 convs; global: a 1x1 conv in the
                                               Fourier domain of the whole feature map
    3 transposed 3x3 convs (upsampling)        8 ngf -> ngf
    reflection pad 3 + 7x7 conv, sigmoid       ngf -> 3 (RGB in [0, 1])

Its input is the photo with the hole blanked, concatenated with the mask; ``LamaInpainter``
returns the network's fill inside the hole and the photo outside it, as IOPaint's
``big-lama.pt`` does. Parameter names follow the LaMa training code's ``FFCResNetGenerator``
(``model.<i>.conv1.ffc.convg2g.fu.conv_layer.weight``, ...), so a state dict taken from its
checkpoint or from ``big-lama.pt`` (see convert_lama) loads as it is.
"""
from __future__ import annotations

import re

import torch
from torch import nn

RATIO = 0.75          # share of the bottleneck's channels in the global (spectral) branch
MAX_FEATURES = 1024
DOWNSAMPLINGS = 3


def _conv(cin: int, cout: int, k: int, stride: int, padding: int) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, k, stride, padding, bias=False, padding_mode="reflect")


class FourierUnit(nn.Module):
    """A 1x1 conv (+ BN, ReLU) on the real and imaginary parts of the feature map's 2D FFT:
    every output pixel sees the whole image."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv_layer = nn.Conv2d(2 * channels, 2 * channels, 1, bias=False)
        self.bn = nn.BatchNorm2d(2 * channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        f = torch.fft.rfftn(x, dim=(-2, -1), norm="ortho")
        # channels interleaved as (c0 real, c0 imaginary, c1 real, ...), the trained order
        spec = torch.stack((f.real, f.imag), dim=2).reshape(b, 2 * c, h, f.shape[-1])
        spec = torch.relu(self.bn(self.conv_layer(spec)))
        spec = spec.reshape(b, c, 2, h, spec.shape[-1])
        return torch.fft.irfftn(torch.complex(spec[:, :, 0], spec[:, :, 1]), s=(h, w),
                                dim=(-2, -1), norm="ortho")


class SpectralTransform(nn.Module):
    """Global branch of an FFC: halve the channels (1x1 conv), add the Fourier unit's output
    to them, and bring them back up (1x1 conv)."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        half = cout // 2
        self.conv1 = nn.Sequential(nn.Conv2d(cin, half, 1, bias=False), nn.BatchNorm2d(half), nn.ReLU())
        self.fu = FourierUnit(half)
        self.conv2 = nn.Conv2d(half, cout, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x)
        return self.conv2(x + self.fu(x))


class FFC(nn.Module):
    """Fast Fourier Convolution: local -> local / global and global -> local by ordinary
    convs, global -> global by the spectral transform. Absent paths (no global input or
    output) have no module and no parameters."""

    def __init__(self, cin: int, cout: int, k: int, ratio_in: float, ratio_out: float,
                 stride: int = 1, padding: int = 0):
        super().__init__()
        in_g, out_g = int(cin * ratio_in), int(cout * ratio_out)
        in_l, out_l = cin - in_g, cout - out_g
        self.out_l, self.out_g = out_l, out_g
        self.convl2l = _conv(in_l, out_l, k, stride, padding) if in_l and out_l else None
        self.convl2g = _conv(in_l, out_g, k, stride, padding) if in_l and out_g else None
        self.convg2l = _conv(in_g, out_l, k, stride, padding) if in_g and out_l else None
        if in_g and out_g and stride != 1:
            raise ValueError("a strided spectral transform is not part of big-lama")
        self.convg2g = SpectralTransform(in_g, out_g) if in_g and out_g else None

    def forward(self, x_l: torch.Tensor, x_g: torch.Tensor | None):
        out_l = out_g = None
        if self.out_l:
            out_l = self.convl2l(x_l)
            if self.convg2l is not None and x_g is not None:
                out_l = out_l + self.convg2l(x_g)
        if self.out_g:
            out_g = self.convl2g(x_l)
            if self.convg2g is not None and x_g is not None:
                out_g = out_g + self.convg2g(x_g)
        return out_l, out_g


class FFCBlock(nn.Module):
    """FFC + batch norm + ReLU on each of its outputs (LaMa's FFC_BN_ACT)."""

    def __init__(self, cin: int, cout: int, k: int, ratio_in: float, ratio_out: float,
                 stride: int = 1, padding: int = 0):
        super().__init__()
        self.ffc = FFC(cin, cout, k, ratio_in, ratio_out, stride, padding)
        self.bn_l = nn.BatchNorm2d(self.ffc.out_l) if self.ffc.out_l else None
        self.bn_g = nn.BatchNorm2d(self.ffc.out_g) if self.ffc.out_g else None

    def forward(self, x):
        x_l, x_g = x if isinstance(x, tuple) else (x, None)
        y_l, y_g = self.ffc(x_l, x_g)
        if y_l is not None:
            y_l = torch.relu(self.bn_l(y_l))
        if y_g is not None:
            y_g = torch.relu(self.bn_g(y_g))
        return y_l, y_g


class FFCResBlock(nn.Module):
    """Two FFC blocks and a skip connection, on the local and global parts alike."""

    def __init__(self, dim: int, ratio: float):
        super().__init__()
        self.conv1 = FFCBlock(dim, dim, 3, ratio, ratio, padding=1)
        self.conv2 = FFCBlock(dim, dim, 3, ratio, ratio, padding=1)

    def forward(self, x):
        x_l, x_g = x
        y_l, y_g = self.conv2(self.conv1((x_l, x_g)))
        return x_l + y_l, x_g + y_g


class JoinParts(nn.Module):
    """The local and global parts as one tensor again (LaMa's ConcatTupleLayer)."""

    def forward(self, x):
        x_l, x_g = x
        return x_l if x_g is None else torch.cat((x_l, x_g), dim=1)


class LamaGenerator(nn.Module):
    """(1, 4, H, W) masked photo + mask -> (1, 3, H, W) RGB in [0, 1]; H and W multiples of 8."""

    def __init__(self, ngf: int = 64, n_blocks: int = 18, ratio: float = RATIO):
        super().__init__()
        self.ngf, self.n_blocks, self.ratio = ngf, n_blocks, ratio
        width = [min(MAX_FEATURES, ngf * 2 ** i) for i in range(DOWNSAMPLINGS + 1)]
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), FFCBlock(4, ngf, 7, 0, 0)]
        for i in range(DOWNSAMPLINGS):
            last = i == DOWNSAMPLINGS - 1
            layers.append(FFCBlock(width[i], width[i + 1], 3, 0, ratio if last else 0, stride=2, padding=1))
        layers += [FFCResBlock(width[-1], ratio) for _ in range(n_blocks)]
        layers.append(JoinParts())
        for i in range(DOWNSAMPLINGS, 0, -1):
            layers += [nn.ConvTranspose2d(width[i], width[i - 1], 3, stride=2, padding=1, output_padding=1),
                       nn.BatchNorm2d(width[i - 1]), nn.ReLU()]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, 3, 7), nn.Sigmoid()]
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class LamaInpainter(nn.Module):
    """``model(image, mask)`` as big-lama.pt is called: image (1, 3, H, W) in [0, 1], mask
    (1, 1, H, W) in {0, 1}; returns the fill inside the mask and the image outside it."""

    def __init__(self, generator: LamaGenerator):
        super().__init__()
        self.generator = generator

    def forward(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        predicted = self.generator(torch.cat((image * (1 - mask), mask), dim=1))
        return mask * predicted + (1 - mask) * image


_BLOCK = re.compile(r"model\.(\d+)\.conv1\.ffc\.convl2l\.weight$")
_PREFIX = re.compile(r"^(?:.*\.)?generator\.(?=model\.\d)")


def generator_weights(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The generator's entries of a state dict, named as LamaGenerator names them: prefixes
    such as ``generator.`` (LaMa's training checkpoint) or ``model.generator.`` (big-lama.pt)
    are dropped, everything else (discriminator, losses) is left out. Keys already without a
    prefix are taken as they are."""
    out = {}
    for key, value in tensors.items():
        name = _PREFIX.sub("", key)
        if name != key or (key.startswith("model.") and "generator." not in key):
            out[name] = value
    return out


def architecture(weights: dict[str, torch.Tensor]) -> tuple[int, int, float]:
    """(ngf, n_blocks, ratio) of the generator these weights belong to; ValueError with a
    one-line reason when they are not a LaMa generator's."""
    stem = weights.get("model.1.ffc.convl2l.weight")
    if stem is None or stem.ndim != 4 or tuple(stem.shape[1:]) != (4, 7, 7):
        raise ValueError("no LaMa generator weights in the file (model.1.ffc.convl2l.weight "
                         "missing or not a 4-channel 7x7 conv)")
    ngf = int(stem.shape[0])
    blocks = sorted(int(m.group(1)) for k in weights if (m := _BLOCK.match(k)))
    first = 2 + DOWNSAMPLINGS
    if blocks != list(range(first, first + len(blocks))):
        raise ValueError(f"the residual blocks of the generator are not numbered {first}, {first + 1}, ...")
    dim = min(MAX_FEATURES, ngf * 2 ** DOWNSAMPLINGS)
    g = weights.get(f"model.{first}.conv1.ffc.convg2g.conv1.0.weight")
    ratio = RATIO if g is None else int(g.shape[1]) / dim
    return ngf, len(blocks), ratio


def build(weights: dict[str, torch.Tensor]) -> LamaInpainter:
    """A LamaInpainter with these generator weights (float32, eval mode); ValueError with a
    one-line reason when they do not fit (missing or extra parameters, wrong shapes)."""
    weights = generator_weights(weights)
    ngf, n_blocks, ratio = architecture(weights)
    net = LamaGenerator(ngf, n_blocks, ratio)
    expected = net.state_dict()
    missing = [k for k in expected if k not in weights and not k.endswith("num_batches_tracked")]
    extra = [k for k in weights if k not in expected]
    if missing or extra:
        what = (f"{len(missing)} missing (e.g. {missing[0]})" if missing else "") + \
               (", " if missing and extra else "") + (f"{len(extra)} unexpected (e.g. {extra[0]})" if extra else "")
        raise ValueError(f"the weights do not fit a LaMa generator: {what}")
    for k, v in expected.items():
        w = weights.get(k)
        if w is None:   # a batch norm's step count: unused at inference, some exporters drop it
            continue
        if not isinstance(w, torch.Tensor) or tuple(w.shape) != tuple(v.shape):
            raise ValueError(f"the weights do not fit a LaMa generator: {k} is "
                             f"{tuple(getattr(w, 'shape', ()))}, expected {tuple(v.shape)}")
    net.load_state_dict({k: weights[k].to(v.dtype) if k in weights else v for k, v in expected.items()})
    return LamaInpainter(net).eval()
