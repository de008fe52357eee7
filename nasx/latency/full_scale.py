"""The latency of a network at full scale (its published resolution and width), measured on this device
or read from the cache: `LatencyRequest` says how, `latency_of(spec, request, cache)` gives the entry."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nasx.checks import check_in, check_int, require
from nasx.latency.cache import LatencyCache, entry_key, machine_of

if TYPE_CHECKING:  # torch is imported where used
    from torch import nn

    from nasx.arch.spec import ArchSpec
    from nasx.profile import Latency

DEVICES = ("cpu", "cuda")
DTYPES = ("fp32", "bf16", "int8")
CALIBRATION_IMAGES = 8  # random images the INT8 observers see before a latency measurement


@dataclass(frozen=True)
class LatencyRequest:
    """How to measure: `device` cpu | cuda, `batch` images per forward, `threads` torch's CPU threads
    (unused on CUDA), `dtype` fp32 | bf16 | int8, `iters` timed forwards after `warmup` untimed ones."""

    device: str = "cpu"
    batch: int = 1
    threads: int = 1
    dtype: str = "fp32"
    iters: int = 50
    warmup: int = 10

    def __post_init__(self) -> None:
        check_in("device", self.device, DEVICES)
        check_in("dtype", self.dtype, DTYPES)
        check_int("batch", self.batch, 1)
        check_int("threads", self.threads, 1)
        check_int("iters", self.iters, 1)
        check_int("warmup", self.warmup, 0)

    @property
    def key_threads(self) -> int:
        """The thread count a measurement depends on: `threads` on the CPU, 0 on CUDA."""
        return self.threads if self.device == "cpu" else 0


def check_available(request: LatencyRequest) -> None:
    """ValueError (one line) when this machine cannot measure `request`: no CUDA, or INT8 off the CPU."""
    import torch

    require(
        request.device != "cuda" or torch.cuda.is_available(),
        f"device={request.device!r}: CUDA is not available on this machine",
    )
    if request.dtype == "int8":
        require(request.device == "cpu", "dtype='int8': quantized networks run on the CPU (device=cpu)")


def machine(request: LatencyRequest) -> dict:
    """The fingerprint of the device `request` measures on, without the thread count."""
    from nasx.profile import fingerprint

    return machine_of(fingerprint(request.device))


def runnable(model: nn.Module, dtype: str, in_channels: int, resolution: int) -> tuple[nn.Module, str]:
    """`model` as it is timed in `dtype`, and the dtype of its input: int8 quantized first (nasx.quantize),
    calibrated on CALIBRATION_IMAGES seeded random images (a latency does not depend on their values), fed fp32."""
    if dtype != "int8":
        return model, dtype
    import torch

    from nasx.quantize import quantize_int8

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        images = torch.randn(CALIBRATION_IMAGES, in_channels, resolution, resolution)
    return quantize_int8(model, images, batch_size=CALIBRATION_IMAGES), "fp32"


def measure_full_scale(spec: ArchSpec, request: LatencyRequest) -> Latency:
    """Build `spec` (seed 0's initialisation) and time it as `runnable` prepares it for `request.dtype`."""
    import torch

    from nasx.build.model import build_model
    from nasx.profile import measure_latency

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        built = build_model(spec).eval()
    model, dtype = runnable(built, request.dtype, spec.in_channels, spec.resolution)
    latency = measure_latency(
        model,
        spec.resolution,
        batch_size=request.batch,
        device=request.device,
        warmup=request.warmup,
        iters=request.iters,
        threads=request.threads,
        in_channels=spec.in_channels,
        dtype=dtype,
    )
    return dataclasses.replace(latency, dtype=request.dtype)


def latency_of(
    spec: ArchSpec, request: LatencyRequest, cache: LatencyCache | None = None, *, remeasure: bool = False
) -> tuple[dict, bool]:
    """(entry, came from the cache) for `spec` under `request`. The cache answers when it holds the key
    with at least `request.iters` timed iterations and `remeasure` is off; otherwise the network is
    measured and the entry appended to the cache (when one is given)."""
    from nasx.arch.codec import encode

    device = machine(request)
    key = entry_key(spec.key(), device, request.batch, request.dtype, request.key_threads)
    if cache is not None and not remeasure:
        found = cache.get(key, request.iters)
        if found is not None:
            return found, True
    latency = measure_full_scale(spec, request)
    entry = {
        "key": key,
        "arch_key": spec.key(),
        "arch": encode(spec),
        "resolution": spec.resolution,
        "batch_size": request.batch,
        "dtype": request.dtype,
        "threads": request.key_threads,
        "device": request.device,
        "iters": latency.iters,
        "warmup": request.warmup,
        "median_ms": latency.median_ms,
        "p90_ms": latency.p90_ms,
        "min_ms": latency.min_ms,
        "mean_ms": latency.mean_ms,
        "machine": device,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if cache is not None:
        cache.put(entry)
    return entry, False
