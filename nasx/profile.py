"""Inference latency of a built network: median / p90 over timed iterations, with a hardware fingerprint."""

from __future__ import annotations

import copy
import ctypes
import os
import platform
import statistics
import time
from dataclasses import asdict, dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class Latency:
    """Per-batch forward time in ms (median, p90, min, mean over `iters`), how it was measured,
    and `fingerprint`, the machine it was measured on."""

    median_ms: float
    p90_ms: float
    min_ms: float
    mean_ms: float
    batch_size: int
    resolution: int
    iters: int
    device: str
    threads: int
    fingerprint: dict
    dtype: str = "fp32"

    def to_dict(self) -> dict:
        return asdict(self)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def fingerprint(device: str | torch.device = "cpu") -> dict:
    """CPU model, core count, torch version and thread count, and the accelerator's name."""
    device = torch.device(device)
    out = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "device": str(device),
    }
    if device.type == "cuda":
        out["device_name"] = torch.cuda.get_device_name(device)
        out["cuda"] = torch.version.cuda
    else:
        out["device_name"] = out["cpu"]
    return out


DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}


_MALLOC_KEPT = False


def keep_freed_memory() -> None:
    """Have glibc's malloc keep freed memory instead of returning it to the OS (Linux; elsewhere nothing), once per
    process. By default a forward pass's large activation buffers are unmapped when freed and page-faulted back in
    on the next pass, which on a 224x224 network costs as much as the arithmetic and varies from run to run; a
    deployed runtime holds its buffers."""
    global _MALLOC_KEPT
    if _MALLOC_KEPT or platform.system() != "Linux":
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 * 1024 * 1024)  # M_MMAP_THRESHOLD: glibc's largest, 32 MiB
        libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD: keep up to 1 GiB of freed heap
    except (OSError, AttributeError):  # not glibc
        pass
    _MALLOC_KEPT = True


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def measure_latency(
    model: nn.Module,
    resolution: int,
    batch_size: int = 1,
    device: str = "cpu",
    warmup: int = 10,
    iters: int = 50,
    threads: int = 1,
    in_channels: int = 3,
    dtype: str = "fp32",
) -> Latency:
    """Time `iters` forward passes of a (batch_size, in_channels, resolution, resolution) input in eval
    and inference mode after `warmup` untimed ones. CUDA: timed with CUDA events; CPU: wall clock, with torch's
    thread count fixed to `threads` and denormal numbers flushed to zero for the measurement (both restored
    afterwards: a randomly initialised network can otherwise hit the CPU's slow denormal path, which trained
    networks and deployed runtimes do not), and freed buffers kept by malloc (`keep_freed_memory`). `dtype`
    "fp32" or "bf16": the model and the input in that type (bf16 times a bfloat16 copy; `model` keeps its
    weights)."""
    if resolution < 1 or batch_size < 1 or iters < 1 or warmup < 0 or threads < 1:
        raise ValueError(
            f"resolution={resolution}, batch_size={batch_size}, iters={iters}, warmup={warmup}, "
            f"threads={threads}: need positive sizes, iters and threads, warmup >= 0"
        )
    if dtype not in DTYPES:
        raise ValueError(f"dtype={dtype!r}: choose one of {', '.join(DTYPES)}")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r}: CUDA is not available on this machine")
    was_training, previous_threads = model.training, torch.get_num_threads()
    model.eval().to(dev)
    original = model
    if DTYPES[dtype] != torch.float32:
        model = copy.deepcopy(model).to(DTYPES[dtype])
    x = torch.randn(batch_size, in_channels, resolution, resolution, device=dev, dtype=DTYPES[dtype])
    times_ms = []
    try:
        if dev.type == "cpu":
            torch.set_num_threads(threads)
            torch.set_flush_denormal(True)
            keep_freed_memory()
        with torch.inference_mode():
            for _ in range(warmup):
                model(x)
            if dev.type == "cuda":
                torch.cuda.synchronize(dev)
                for _ in range(iters):
                    begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                    begin.record()
                    model(x)
                    end.record()
                    end.synchronize()
                    times_ms.append(begin.elapsed_time(end))
            else:
                for _ in range(iters):
                    t0 = time.perf_counter()
                    model(x)
                    times_ms.append((time.perf_counter() - t0) * 1e3)
        machine = fingerprint(dev)
    finally:
        torch.set_num_threads(previous_threads)
        torch.set_flush_denormal(False)
        original.train(was_training)
    return Latency(
        median_ms=statistics.median(times_ms),
        p90_ms=_quantile(times_ms, 0.9),
        min_ms=min(times_ms),
        mean_ms=statistics.fmean(times_ms),
        batch_size=batch_size,
        resolution=resolution,
        iters=iters,
        device=str(dev),
        threads=threads if dev.type == "cpu" else 0,
        fingerprint=machine,
        dtype=dtype,
    )
