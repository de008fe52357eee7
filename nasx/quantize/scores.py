"""The INT8 scores of a trained network: top-1 on its data's validation and test splits after calibration on a
seeded draw of training images, and the latency of the same architecture at full scale, INT8 beside fp32.

Calibration images are drawn without replacement by the trial's seed (`recalibration_indices`, the draw that
BatchNorm recalibration uses) and normalised as the trainer normalises its inputs (`model_inputs`). The full-scale
network is quantized with calibration on random inputs: its latency depends on its shapes and kernels, not on its
weights' or scales' values, so no full-scale training is needed to time it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from nasx.arch.spec import ArchSpec
from nasx.build import build_model
from nasx.data.dataset import Dataset
from nasx.profile import Latency
from nasx.quantize.int8 import quantize_int8, quiet
from nasx.supernet.recalibrate import recalibration_indices
from nasx.train.loop import accuracy, model_inputs
from nasx.train.spec import TrainSpec

LATENCY_SEED = 0


@dataclass(frozen=True)
class Int8Scores:
    """Top-1 in [0, 1] of the INT8 network on the validation and test splits; median latency in ms of the
    full-scale network, INT8 and fp32, at batch 1 on the CPU with `threads` threads (NaN when not measured)."""

    val_top1: float
    test_top1: float
    latency_ms: float = math.nan
    fp32_latency_ms: float = math.nan
    threads: int = 1

    def to_row(self) -> dict:
        """The results-table columns these scores fill."""
        return {
            "int8/val/top1": self.val_top1,
            "int8/test/top1": self.test_top1,
            "int8/latency_ms": self.latency_ms,
            "int8/fp32_latency_ms": self.fp32_latency_ms,
        }


def calibration_inputs(data: Dataset, images: int, seed: int) -> torch.Tensor:
    """`images` training images (at most the split) drawn by `seed`, as the network's normalised CPU inputs."""
    x = data.train_x[recalibration_indices(data, images, seed).to(data.train_x.device)]
    return model_inputs(x, data, channels_last=False).cpu()


def check_quantizes(spec: ArchSpec) -> None:
    """QuantizeError (naming the block) unless `spec`'s network quantizes: built, calibrated on two random
    inputs and converted. At proxy scale this costs well under a second, before anything is trained."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(LATENCY_SEED)
        model = build_model(spec)
        x = torch.randn(2, spec.in_channels, spec.resolution, spec.resolution)
    quantize_int8(model, x)


def full_scale_latency(
    full: ArchSpec, *, threads: int = 1, batch_size: int = 1, warmup: int = 10, iters: int = 30
) -> tuple[Latency, Latency]:
    """(INT8, fp32) latency of `full`'s network on the CPU, timed one after the other as `nasx latency` times
    them (nasx.latency.full_scale: seed 0's initialisation, INT8 calibrated on random inputs, fp32 inputs)."""
    from nasx.latency.full_scale import LatencyRequest, measure_full_scale

    def timed(dtype: str) -> Latency:
        return measure_full_scale(full, LatencyRequest("cpu", batch_size, threads, dtype, iters, warmup))

    with quiet():
        int8 = timed("int8")
    return int8, timed("fp32")


def int8_scores(
    model: nn.Module,
    data: Dataset,
    train: TrainSpec,
    *,
    images: int,
    seed: int,
    full: ArchSpec | None = None,
    threads: int = 1,
    iters: int = 30,
) -> Int8Scores:
    """The INT8 scores of a trained `model` (left unchanged): quantized with calibration on `images` training
    images drawn by `seed`, measured on `data`'s validation and test splits on the CPU; with `full`, the
    latency of the full-scale architecture, INT8 and fp32, at batch 1 with `threads` threads."""
    quantized = quantize_int8(model, calibration_inputs(data, images, seed))
    cpu = TrainSpec(eval_batch_size=train.eval_batch_size, device="cpu")
    with quiet():
        val = accuracy(quantized, data.val_x.cpu(), data.val_y.cpu(), data, cpu)
        test = accuracy(quantized, data.test_x.cpu(), data.test_y.cpu(), data, cpu)
    if full is None:
        return Int8Scores(val, test, threads=threads)
    int8, fp32 = full_scale_latency(full, threads=threads, iters=iters)
    return Int8Scores(val, test, int8.median_ms, fp32.median_ms, threads)
