"""Latency measured on the device: one unit built alone (`nasx.latency.units`), or a whole network at full scale.
Both go through `nasx.profile.measure_latency` (warm-up, fixed threads, CUDA events, the median)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import torch
from torch import nn

from nasx.arch.head import Head
from nasx.arch.spec import ArchSpec
from nasx.build.model import init_weights
from nasx.build.stages import STAGE_BUILDERS, build_head
from nasx.latency.full_scale import LatencyRequest, measure_full_scale, runnable
from nasx.latency.table import Setting
from nasx.latency.units import Unit
from nasx.profile import fingerprint, measure_latency

WARMUP, ITERS = 5, 20  # untimed and timed forward passes of one measurement


@dataclass(frozen=True)
class Timing:
    """How many forward passes a measurement takes: `warmup` untimed, then the median of `iters`."""

    warmup: int = WARMUP
    iters: int = ITERS


DEFAULT_TIMING = Timing()


def check_device(setting: Setting) -> None:
    """ValueError (one line) when the setting's device is not present here."""
    if setting.device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device=cuda: CUDA is not available on this machine")


def machine(setting: Setting) -> dict:
    """The fingerprint of the device the setting measures on (`nasx.profile.fingerprint`)."""
    return fingerprint(setting.device)


def unit_module(unit: Unit) -> nn.Module:
    """`unit` alone as a module, built by the builder of its block type (or the head's), initialised as
    `build_model` initialises a network."""
    if isinstance(unit.layer, Head):
        module = build_head(unit.layer, unit.c_in, unit.num_classes)
    else:
        module = STAGE_BUILDERS[unit.layer.TYPE](unit.layer, unit.c_in, itertools.repeat(0.0))
    init_weights(module)
    return module


def _median_ms(module: nn.Module, resolution: int, in_channels: int, setting: Setting, timing: Timing) -> float:
    module, dtype = runnable(module.eval(), setting.dtype, in_channels, resolution)
    latency = measure_latency(
        module,
        resolution,
        batch_size=setting.batch,
        device=setting.device,
        warmup=timing.warmup,
        iters=timing.iters,
        threads=setting.threads,
        in_channels=in_channels,
        dtype=dtype,
    )
    return latency.median_ms


def unit_ms(unit: Unit, setting: Setting, timing: Timing = DEFAULT_TIMING) -> float:
    """The median latency of `unit` alone, in ms."""
    return _median_ms(unit_module(unit), unit.size, unit.c_in, setting, timing)


def network_ms(spec: ArchSpec, setting: Setting, timing: Timing = DEFAULT_TIMING) -> float:
    """The median latency of the whole network `spec` (at its own resolution), in ms: `nasx latency`'s measurement."""
    request = LatencyRequest(setting.device, setting.batch, setting.threads, setting.dtype, timing.iters, timing.warmup)
    return measure_full_scale(spec, request).median_ms
