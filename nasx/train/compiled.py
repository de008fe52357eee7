"""torch.compile for a trial: Inductor's caches under nasx's cache directory, shared by every trial and process
on the machine, and the rule by which `train.compile=auto` compiles only where the compile time is repaid."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from nasx.latency.cache import cache_dir

CACHE_SUBDIR = "torch_compile"  # TORCHINDUCTOR_CACHE_DIR = CACHE_DIR/torch_compile
MARKS_SUBDIR = "nasx_compiled"  # inside it: one empty file per network nasx has compiled, named by its key
# Training steps from which compiling pays: the compile time over the time a compiled step saves, measured
# by `python -m bench.compile_cache` on the demo's proxy EfficientNet-B0 in the preset's format (channels-last,
# cropped kernels; 16x16 digits, batch 64, one thread, 2-core Intel Xeon, torch 2.13, a quiet machine), where
# compiled steps ran 1.22x as fast as eager ones (45.3 -> 37.0 ms). Cold: 63 s to compile, 7,583 steps.
# Warm (a new process, Inductor's cache holding the network): 5.3 s, 628 steps. The demo's 10-epoch proxy
# trial is 190 steps: compiling pays for neither.
BREAK_EVEN_STEPS_COLD = 7600
BREAK_EVEN_STEPS_WARM = 630


def use_cache_dir() -> Path:
    """Point Inductor's on-disk caches (its FX graph cache and the AOTAutograd cache, both on by default in
    torch 2.13; switched on here for older ones) at CACHE_DIR/torch_compile, so a network compiled by one
    trial is loaded, not compiled again, by the next trial of it in any process (Ray workers included).
    Call before compiling: torch reads the directory when it compiles."""
    import torch._functorch.config
    import torch._inductor.config

    path = cache_dir() / CACHE_SUBDIR
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = str(path)
    torch._inductor.config.fx_graph_cache = True  # TORCHINDUCTOR_FX_GRAPH_CACHE=0 in the environment still wins
    torch._functorch.config.enable_autograd_cache = True  # likewise TORCHINDUCTOR_AUTOGRAD_CACHE=0
    return path


def network_key(network: str, input_shape: tuple[int, ...], batch: int, device: str, threads: int, layout: str) -> str:
    """sha256 of what one compiled training graph depends on: the network (its module repr), the batch's
    shape, the device, the thread count, the memory layout and torch's version."""
    import torch

    fields = {
        "network": network,
        "input": [batch, *input_shape],
        "device": device,
        "threads": threads,
        "layout": layout,
        "torch": torch.__version__,
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def _mark(key: str) -> Path:
    return cache_dir() / CACHE_SUBDIR / MARKS_SUBDIR / key


def is_warm(key: str) -> bool:
    """Whether a trial has compiled this network before with the caches at CACHE_DIR (deleting the cache
    directory deletes the marks with it)."""
    return _mark(key).exists()


def mark_compiled(key: str) -> None:
    """Record that this network's training graph is now in Inductor's cache."""
    path = _mark(key)
    with contextlib.suppress(OSError):  # a mark that cannot be written costs a later trial a cold compile, no more
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()


def pays(total_steps: int, warm: bool) -> bool:
    """`train.compile=auto`'s rule: compile a trial of `total_steps` steps when that many steps repay the
    compile time, a cold one or, with the network's entry `warm` in the cache, a warm one."""
    return total_steps >= (BREAK_EVEN_STEPS_WARM if warm else BREAK_EVEN_STEPS_COLD)


def decide(setting: bool | str, key: str, total_steps: int) -> str:
    """How a trial trains under `train.compile=setting`: `off` (eager), `cold` (compiled, no entry for this
    network in the cache) or `warm` (compiled from the cache's entry)."""
    warm = is_warm(key)
    compiled = pays(total_steps, warm) if setting == "auto" else bool(setting)
    return ("warm" if warm else "cold") if compiled else "off"
