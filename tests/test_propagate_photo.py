"""The csrc/ propagation op on the very inputs a parse feeds it (class scores and colour
affinities of a real photo), against its torch twin, its own autograd path and itself on
other thread counts."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import inference.ops.propagate as ops
from inference import parsing as P
from inference.ops import native

TOL = 1e-5   # the twin parity of tests/test_propagate.py


def _parse_inputs(image: np.ndarray, face) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(x, weights) of every propagation one parse of ``face`` runs, as it runs them
    (weights already normalised: the parse skips the op's normalisation)."""
    calls = []
    plain = ops.propagate

    def recording(x, p, merge="max", normalize=True, **kw):
        assert merge == "max" and not normalize and not kw   # what the parse asks today
        calls.append((x.detach().clone(), p.detach().clone()))
        return plain(x, p, merge, normalize, **kw)
    ops.propagate = recording
    try:
        P.parse(image, copy.deepcopy(face))
    finally:
        ops.propagate = plain
    return calls


def _check_against_twin(calls) -> None:
    assert len(calls) >= 3   # the refinement's iterations and the body's pass
    for x, p in calls:
        with torch.no_grad():
            fused = ops.propagate(x, p, "max", normalize=False)
        twin = ops.propagate(x, p, "max", normalize=False, backend="reference")
        autograd = ops.propagate(x.clone().requires_grad_(), p, "max", normalize=False).detach()
        assert (fused - twin).abs().max().item() <= TOL
        assert (fused - autograd).abs().max().item() <= TOL
        # the propagation moves the scores: equal outputs are not equal inputs handed back
        assert (fused - x).abs().max().item() > 0.05


def test_parse_inputs_of_the_sample_match_the_twin(astronaut, astronaut_faces):
    _check_against_twin(_parse_inputs(astronaut, astronaut_faces[0]))


def test_parse_inputs_of_an_annotated_photo_match_the_twin(shared_data):
    from inference.faces import detect
    from inference.io import read_image
    path = shared_data / "multiface/facer_samples/ffhq_15723.jpg"
    if not path.exists():
        pytest.skip(f"{path} is not present")
    image = read_image(path).rgb
    _check_against_twin(_parse_inputs(image, detect(image)[0]))


def test_same_bits_on_any_thread_count(astronaut, astronaut_faces):
    """The op splits the channels among the threads it has: every split gives the same bits."""
    calls = _parse_inputs(astronaut, astronaut_faces[0])
    threads = torch.get_num_threads()
    try:
        for x, p in calls:
            B, C, H, W = x.shape
            outs = []
            for n in (1, 2, 3, 5):
                torch.set_num_threads(n)
                for merge_max in (True, False):
                    outs.append(native().propagate4_forward(x.reshape(B * C, H, W), p.contiguous(), merge_max))
            for k, o in enumerate(outs[2:]):
                assert torch.equal(o.view(torch.int32), outs[k % 2].view(torch.int32))
    finally:
        torch.set_num_threads(threads)


def test_no_channels_give_an_empty_result_not_a_crash():
    """Zero score planes (N = 0): the fused pass divided by the group count and killed the
    process (SIGFPE)."""
    import torch
    from inference.ops.propagate import propagate
    with torch.no_grad():
        out = propagate(torch.zeros(1, 0, 4, 4), torch.rand(1, 4, 3, 4, 4))
    assert tuple(out.shape) == (1, 0, 4, 4)
