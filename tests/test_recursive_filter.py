"""The csrc/ recursive filter against its plain-torch twin and against OpenCV's definition."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from inference.ops import have_native
from inference.ops.recursive_filter import recursive_filter, recursive_filter_u8


def test_native_module_is_built():
    assert have_native(), "inference._C missing: `make build` compiles csrc/"


@pytest.mark.parametrize("sigma_s,sigma_r,iters", [(20.0, 0.2, 3), (5.0, 0.05, 2), (60.0, 1.0, 1)])
def test_native_matches_reference_on_photo(astronaut, sigma_s, sigma_r, iters):
    x = astronaut[100:196, 150:278].astype(np.float32) / 255
    a = recursive_filter(x, sigma_s, sigma_r, iters)
    b = recursive_filter(x, sigma_s, sigma_r, iters, backend="reference")
    assert a.shape == x.shape and a.dtype == np.float32
    assert np.abs(a - b).max() <= 1e-5


@pytest.mark.parametrize("channels", [1, 2, 4, 5])
def test_native_matches_reference_other_channel_counts_and_guide(astronaut, channels):
    rng = np.random.default_rng(channels)
    x = torch.from_numpy(rng.random((37, 53, channels), dtype=np.float32))
    guide = astronaut[:37, 200:253].astype(np.float32) / 255  # edges from a different image
    a = recursive_filter(x, 15.0, 0.3, 3, guide=guide)
    b = recursive_filter(x, 15.0, 0.3, 3, guide=guide, backend="reference")
    assert isinstance(a, torch.Tensor)
    assert (a - b).abs().max().item() <= 1e-5


def test_grey_2d_input_keeps_its_shape(astronaut):
    g = cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255
    y = recursive_filter(g, 10.0, 0.2)
    assert y.shape == g.shape


def test_same_result_as_opencv_recursive_filter(astronaut):
    ours = recursive_filter_u8(astronaut, 60.0, 0.4)
    ref = cv2.edgePreservingFilter(astronaut, flags=cv2.RECURS_FILTER, sigma_s=60, sigma_r=0.4)
    diff = np.abs(ours.astype(int) - ref.astype(int))
    assert diff.max() <= 1            # rounding only
    assert diff.mean() < 0.01


def test_smooths_flat_regions_and_keeps_a_step_edge():
    rng = np.random.default_rng(0)
    step = np.zeros((64, 64), np.float32)
    step[:, 32:] = 0.8
    noisy = np.clip(step + rng.normal(0, 0.02, step.shape).astype(np.float32), 0, 1)
    y = recursive_filter(noisy, sigma_s=20.0, sigma_r=0.2)
    assert y[:, 4:28].std() < noisy[:, 4:28].std() / 4      # noise gone inside each side
    assert y[:, 36:60].std() < noisy[:, 36:60].std() / 4
    jump = y[:, 33:36].mean() - y[:, 28:31].mean()
    assert jump > 0.7                                        # the 0.8 step survives
    blurred = cv2.GaussianBlur(noisy, (0, 0), 6.0)           # a plain blur would not keep it
    assert blurred[:, 33:36].mean() - blurred[:, 28:31].mean() < 0.5


def test_bad_parameters_raise():
    x = np.zeros((4, 4, 3), np.float32)
    with pytest.raises(ValueError):
        recursive_filter(x, 0.0, 0.2)
    with pytest.raises(ValueError):
        recursive_filter(x, 10.0, 0.2, guide=np.zeros((5, 4, 3), np.float32))
