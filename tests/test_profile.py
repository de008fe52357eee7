"""`measure_latency`'s dtypes: bf16 times a bfloat16 copy of the network on bfloat16 input."""

import pytest
import torch
from torch import nn

from nasx.profile import measure_latency


def _net_and_seen():
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))
    seen = []  # the hook function is shared by deep copies of the network, so it sees the copy's forwards too
    net[0].register_forward_hook(lambda module, inputs, output: seen.append((inputs[0].dtype, module.weight.dtype)))
    return net, seen


def test_bf16_runs_model_and_input_in_bfloat16_and_leaves_the_model_as_it_was():
    net, seen = _net_and_seen()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    net.train()
    latency = measure_latency(net, 8, batch_size=2, warmup=2, iters=3, threads=1, dtype="bf16")
    assert latency.dtype == "bf16" and latency.iters == 3 and latency.median_ms > 0
    assert seen == [(torch.bfloat16, torch.bfloat16)] * 5  # 2 warm-up + 3 timed forwards
    assert net.training and all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    assert all(p.dtype == torch.float32 for p in net.parameters())


def test_fp32_is_the_default():
    net, seen = _net_and_seen()
    latency = measure_latency(net, 8, warmup=0, iters=2)
    assert latency.dtype == "fp32" and seen == [(torch.float32, torch.float32)] * 2


def test_an_unknown_dtype_is_refused():
    net, _ = _net_and_seen()
    with pytest.raises(ValueError, match=r"^dtype='int8': choose one of fp32, bf16$"):
        measure_latency(net, 8, dtype="int8")
