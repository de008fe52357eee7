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


@pytest.mark.skipif(__import__("platform").system() != "Linux", reason="glibc's malloc options are Linux's")
def test_freed_buffers_are_kept_so_a_forward_pass_faults_no_pages_back_in():
    import resource

    from nasx.profile import keep_freed_memory

    net = nn.Conv2d(16, 16, 3, padding=1).eval()
    x = torch.randn(1, 16, 224, 224)  # 3.2 MB in and out: above glibc's default mmap threshold (128 KiB)
    keep_freed_memory()
    with torch.inference_mode():
        for _ in range(3):  # the heap grows to hold the buffers once
            net(x)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(10):
            net(x)
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    # unmapped after every pass, the 3.2 MB output alone would fault ~780 4-KiB pages back in each time
    assert faults < 200, faults


def test_denormals_are_flushed_while_timing_only():
    seen = []
    net = nn.Sequential(nn.Identity())
    net.register_forward_hook(lambda module, inputs, output: seen.append(torch.tensor(1e-40).item()))
    measure_latency(net, 4, warmup=0, iters=1)
    assert seen == [0.0]  # 1e-40 is a float32 denormal: flushed to zero during the measurement
    assert torch.tensor(1e-40).item() != 0.0  # and kept again afterwards
