"""The memory format a trial trains in: by device rule, by a short timed probe, or as asked."""

from __future__ import annotations

import copy
import time

import torch
from torch import nn

from nasx.train.spec import TrainSpec

PROBE_STEPS = 3  # timed forward+backward steps per format, after one untimed warm-up step
_chosen: dict[tuple, str] = {}  # (network, device, threads, batch, input shape) -> the faster format


def step_s(model: nn.Module, x: torch.Tensor, y: torch.Tensor, channels_last: bool, steps: int = PROBE_STEPS) -> float:
    """Best wall time of one training step (forward, loss, backward) of a copy of `model` in one format."""
    model = copy.deepcopy(model).train()
    if channels_last:
        model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # torch's stubs omit this keyword
        x = x.contiguous(memory_format=torch.channels_last)
    best = float("inf")
    for i in range(steps + 1):
        start = time.perf_counter()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        if x.device.type == "cuda":
            torch.cuda.synchronize(x.device)
        if i:  # the first step warms up the kernels
            best = min(best, time.perf_counter() - start)
        model.zero_grad(set_to_none=True)
    return best


def probe(model: nn.Module, input_shape: tuple[int, int, int], batch: int, device: torch.device) -> str:
    """channels_last or contiguous: whichever trains `model` faster on `device` at this batch size, timed
    on a few steps of random data (torch's RNG untouched), cached per network, device, threads and batch."""
    key = (repr(model), str(device), torch.get_num_threads(), batch, input_shape)
    if key not in _chosen:
        generator = torch.Generator().manual_seed(0)
        x = torch.randn((batch, *input_shape), generator=generator).to(device)
        y = torch.zeros(batch, dtype=torch.int64, device=device)
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            last, plain = step_s(model, x, y, True), step_s(model, x, y, False)
        _chosen[key] = "channels_last" if last < plain else "contiguous"
    return _chosen[key]


def resolve(spec: TrainSpec, model: nn.Module, input_shape: tuple[int, int, int], batch: int) -> str:
    """The format `model` trains in under `spec`: channels_last or contiguous."""
    device = torch.device(spec.device)
    if spec.memory_format == "device":
        return "channels_last" if device.type == "cuda" and spec.channels_last else "contiguous"
    if spec.memory_format == "auto":
        return probe(model, input_shape, batch, device)
    return spec.memory_format
