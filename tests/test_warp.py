"""The csrc/ forward warp against its torch twin; gradients; exact holes; depth ordering."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from inference.ops.warp import forward_warp, forward_warp_image, splat_source_map


def _grid(H, W, dtype=torch.float32):
    ys, xs = torch.meshgrid(torch.arange(H, dtype=dtype), torch.arange(W, dtype=dtype), indexing="ij")
    return xs, ys


@pytest.mark.parametrize("channels", [1, 3, 5, 7])
@pytest.mark.parametrize("with_depth", [False, True])
def test_native_matches_reference(astronaut, channels, with_depth):
    g = torch.Generator().manual_seed(channels)
    H, W = 48, 40
    x = torch.from_numpy(astronaut[100:148, 200:240].astype(np.float32) / 255).permute(2, 0, 1)
    x = torch.cat([x] * 2)[:channels].contiguous()
    xs, ys = _grid(H, W)
    t = torch.stack([xs + torch.rand(H, W, generator=g) * 16 - 8, ys + torch.rand(H, W, generator=g) * 16 - 8])
    z = torch.rand(H, W, generator=g) * 4 if with_depth else None
    a, ha, wa = forward_warp(x, t, z, out_size=(44, 50))
    b, hb, wb = forward_warp(x, t, z, out_size=(44, 50), backend="reference")
    assert (a - b).abs().max().item() <= 1e-5 and (wa - wb).abs().max().item() <= 1e-5
    assert torch.equal(ha, hb)


def _wild_field(H, W, seed):
    """A head-turn-like smooth swirl plus per-pixel jitter: splats from one source row land in
    many target rows and bands, some off the image."""
    g = torch.Generator().manual_seed(seed)
    xs, ys = _grid(H, W)
    u = xs + 25 * torch.sin(ys / 23) + torch.rand(H, W, generator=g) * 6 - 3
    v = ys + 30 * torch.cos(xs / 31) + torch.rand(H, W, generator=g) * 6 - 3
    return torch.stack([u, v]), torch.rand(H, W, generator=g) * 10


@pytest.mark.parametrize("with_depth", [False, True])
def test_bands_match_reference_and_do_not_depend_on_threads(astronaut, with_depth):
    """An output tall and wide enough for several row bands (each owned by one thread)."""
    H, W = 330, 300
    x = torch.from_numpy(astronaut[:H, 100:100 + W].astype(np.float32) / 255).permute(2, 0, 1).contiguous()
    t, z = _wild_field(H, W, 3)
    z = z if with_depth else None
    b, hb, wb = forward_warp(x, t, z, out_size=(340, 310), backend="reference")
    threads = torch.get_num_threads()
    try:
        outs = []
        for n in (1, 2):
            torch.set_num_threads(n)
            outs.append(forward_warp(x, t, z, out_size=(340, 310)))
    finally:
        torch.set_num_threads(threads)
    (a, ha, wa), (a2, _, wa2) = outs
    assert torch.equal(a, a2) and torch.equal(wa, wa2)
    assert (a - b).abs().max().item() <= 1e-5 and (wa - wb).abs().max().item() <= 1e-5
    assert torch.equal(ha, hb) and 0.01 < ha.float().mean().item() < 0.5  # a field that leaves holes


@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("with_depth", [False, True])
def test_8bit_path_matches_reference(astronaut, channels, with_depth):
    """The photo's own bytes splatted directly: the float reference rounded, within one grey
    level (ties may round either way), the same holes and weights."""
    H, W = 200, 180
    img = np.ascontiguousarray(np.concatenate([astronaut[40:40 + H, 150:150 + W]] * 2, axis=2)[..., :channels])
    img = img[..., 0] if channels == 1 else img
    t, z = _wild_field(H, W, channels)
    z = z if with_depth else None
    out, holes, w = forward_warp_image(img, t.numpy(), None if z is None else z.numpy(), with_weight=True)
    x = torch.from_numpy(img.reshape(H, W, -1).astype(np.float32)).permute(2, 0, 1)
    ref, ref_holes, ref_w = forward_warp(x, t, z, backend="reference")
    ref = np.clip(ref.permute(1, 2, 0).numpy() + 0.5, 0, 255).astype(np.uint8).reshape(out.shape)
    assert out.shape == img.shape and out.dtype == np.uint8
    diff = np.abs(out.astype(int) - ref)
    assert diff.max() <= 1 and (diff > 0).mean() < 0.01
    assert np.array_equal(holes, ref_holes.numpy()) and holes.any()
    assert np.abs(w - ref_w.numpy()).max() <= 1e-5
    out2, holes2 = forward_warp_image(img, t.numpy(), None if z is None else z.numpy())
    assert np.array_equal(out2, out) and np.array_equal(holes2, holes)


@pytest.mark.parametrize("with_depth", [False, True])
def test_gradcheck(with_depth):
    g = torch.Generator().manual_seed(7)
    H, W = 6, 7
    x = torch.rand(2, H, W, generator=g, dtype=torch.float64, requires_grad=True)
    xs, ys = _grid(H, W, torch.float64)
    t = torch.stack([xs + torch.rand(H, W, generator=g, dtype=torch.float64) * 2 - 0.7,
                     ys + torch.rand(H, W, generator=g, dtype=torch.float64) * 2 - 0.7]).requires_grad_()
    z = torch.rand(H, W, generator=g, dtype=torch.float64) * 3 if with_depth else None
    assert torch.autograd.gradcheck(lambda x, t: forward_warp(x, t, z, eps=1e-3)[0], (x, t))
    # and the native gradients are the reference's
    ga = torch.autograd.grad((forward_warp(x, t, z)[0] ** 2).sum(), [x, t])
    gb = torch.autograd.grad((forward_warp(x, t, z, backend="reference")[0] ** 2).sum(), [x, t])
    assert all((p - q).abs().max().item() < 1e-9 for p, q in zip(ga, gb))


def test_hole_mask_is_exact_on_a_synthetic_field():
    """Shift the right half by +4.5 px: columns it can no longer reach (and nothing else)
    are holes, computed here independently of the op."""
    H, W = 20, 30
    x = torch.rand(3, H, W)
    xs, ys = _grid(H, W)
    u = torch.where(xs >= 15, xs + 4.5, xs)
    _, holes, w = forward_warp(x, torch.stack([u, ys]))
    # targets of bilinear splats: every column c with c = floor(u) or floor(u) + 1 (weight > 0)
    reached = set()
    for uu in u[0].tolist():
        f = int(np.floor(uu))
        reached.add(f)
        if uu - f > 0:
            reached.add(f + 1)
    expected = torch.tensor([[c not in reached for c in range(W)]] * H)
    assert torch.equal(holes, expected)
    assert holes[:, 15:19].all() and not holes[:, :15].any()


def test_identity_and_integer_shifts_move_pixels_exactly():
    x = torch.rand(3, 16, 16)
    xs, ys = _grid(16, 16)
    y, holes, _ = forward_warp(x, torch.stack([xs, ys]))
    assert (y - x).abs().max() < 1e-5 and not holes.any()
    y, holes, _ = forward_warp(x, torch.stack([xs + 3, ys - 2]))
    assert torch.allclose(y[:, :14, 3:], x[:, 2:, :13], atol=1e-5) and holes[:, :3].all()


def test_near_surface_hides_far_one():
    """Two 8x8 squares land on the same place; with depth the nearer shows, without depth
    they would blend."""
    H, W = 8, 24
    x = torch.zeros(3, H, W)
    x[0, :, :8] = 1.0          # a red square (near)
    x[2, :, 16:] = 1.0         # a blue square (far) ...
    xs, ys = _grid(H, W)
    u = xs.clone()
    u[:, 16:] -= 16            # ... moved onto the red one
    z = torch.zeros(H, W)
    z[:, 16:] = 10.0
    near, _, _ = forward_warp(x, torch.stack([u, ys]), z, tau=1.0)
    assert near[0, :, :8].min() > 0.99 and near[2, :, :8].max() < 0.01
    blend, _, _ = forward_warp(x, torch.stack([u, ys]))
    assert torch.allclose(blend[0, :, :8], torch.full((H, 8), 0.5), atol=1e-5)
    z[:, 16:] = -10.0          # now blue is nearer
    far, _, _ = forward_warp(x, torch.stack([u, ys]), z, tau=1.0)
    assert far[2, :, :8].min() > 0.99


def test_splatted_source_map_is_the_inverse_of_the_field():
    """Positions splatted along a sub-pixel shift come back as its exact inverse, and along a
    rotation + scale within a tenth of a pixel, where covered (the photo is resampled through
    them, so it is not blurred); holes map to (-1, -1). The spread of the samples mixed into a
    pixel is under a pixel for a shift and large where a fold brings far-apart ones together."""
    H, W = 60, 70
    ys, xs = np.mgrid[0:H, 0:W].astype(np.float32)
    m = splat_source_map(np.stack([xs, ys]), np.stack([xs + 2.37, ys - 0.81]))
    inside = m.weight > 0.999
    assert inside.sum() > 0.9 * H * W
    assert np.abs(m.where[0][inside] - (xs[inside] - 2.37)).max() < 1e-3
    assert np.abs(m.where[1][inside] - (ys[inside] + 0.81)).max() < 1e-3
    assert m.spread[inside].max() < 0.75
    a, s = np.radians(7), 1.1
    A = s * np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    c = np.array([35.3, 30.6])
    u = A[0, 0] * (xs - c[0]) + A[0, 1] * (ys - c[1]) + c[0] + 0.37
    v = A[1, 0] * (xs - c[0]) + A[1, 1] * (ys - c[1]) + c[1] - 0.81
    m = splat_source_map(np.stack([xs, ys]), np.stack([u, v]))
    inv = np.linalg.inv(A)
    ox, oy = xs - c[0] - 0.37, ys - c[1] + 0.81
    ex = inv[0, 0] * ox + inv[0, 1] * oy + c[0]
    ey = inv[1, 0] * ox + inv[1, 1] * oy + c[1]
    inside = (m.weight > 0) & (ex > 1) & (ex < W - 2) & (ey > 1) & (ey < H - 2)
    assert inside.sum() > 0.6 * H * W
    err = np.hypot(m.where[0] - ex, m.where[1] - ey)[inside]
    assert err.max() < 0.15 and err.mean() < 0.1
    assert (m.weight == 0).any() and (m.where[:, m.weight == 0] == -1).all()
    # a fold: columns 20-29 land on columns 10-19, over what is there (same depth)
    fold = np.where((xs >= 20) & (xs < 30), xs - 10, xs)
    m = splat_source_map(np.stack([xs, ys]), np.stack([fold + 0.5, ys]))
    assert m.spread[:, 11:19].min() > 4 and m.spread[:, 31:60].max() < 0.75
