"""What training needs in memory, from the spec alone, against what the machine has: a network or a data set that
cannot fit is refused before any work, in one line, instead of failing (or swapping) on its first batch.

The estimates are lower bounds, so a refusal is certain and never a guess:

    training_bytes = batch_size * activations * value_bytes + 2 * 4 * params
                     (the conv and linear outputs of a batch, which autograd keeps for the backward pass, as float32,
                     or bf16 under CUDA autocast; the float32 weights and their gradients; nothing else counted)
    data_bytes     = images * channels * resolution ** 2 * (1 + 2 * 4 * min(images, 4096) / images)
                     (the uint8 images a Dataset holds, and two float32 copies of the chunk of at most 4,096
                     images that nasx.data.images.fit resizes at a time: the interpolated one and its rounding)

and the limit is the memory of the device: the GPU's total memory, or the machine's physical memory (its cgroup's
limit when lower).
"""

from __future__ import annotations

import os
from pathlib import Path

from nasx.complexity import Cost
from nasx.table import human

IMAGES = {"digits": 1797, "mnist5k": 5000, "cifar10": 60000}  # the data sets of a known size: all their images
RESIZE_CHUNK = 4096  # images resized at a time (nasx.data.images.fit), as float32
CGROUP_LIMIT = Path("/sys/fs/cgroup/memory.max")


def training_bytes(cost: Cost, batch_size: int, *, bf16_cuda: bool = False) -> int:
    """A lower bound of the memory one training step of a network of `cost` takes at `batch_size`."""
    value_bytes = 2 if bf16_cuda else 4
    return batch_size * cost.activations * value_bytes + 8 * cost.params


def data_bytes(name: str, channels: int, resolution: int) -> int | None:
    """The bytes loading data set `name` at `resolution` takes at least (None: its size is known only once read)."""
    if name not in IMAGES:
        return None
    image = channels * resolution**2
    return IMAGES[name] * image + 2 * 4 * min(IMAGES[name], RESIZE_CHUNK) * image


def device_bytes(device: str) -> int | None:
    """The memory of `device` (cpu, cuda, cuda:N) in bytes; None when it cannot be told."""
    if device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            return None
        return int(torch.cuda.get_device_properties(torch.device(device)).total_memory)
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return None
    try:
        limit = CGROUP_LIMIT.read_text().strip()
    except OSError:
        return total
    return min(total, int(limit)) if limit.isdigit() else total


def _bytes(n: float) -> str:
    return human(n) + "B"


def check_network_fits(cost: Cost, batch_size: int, device: str, *, bf16: bool = False) -> None:
    """ValueError (one line) when training a network of `cost` at `batch_size` certainly needs more memory than
    `device` has."""
    need = training_bytes(cost, batch_size, bf16_cuda=bf16 and device.startswith("cuda"))
    have = device_bytes(device)
    if have is not None and need > have:
        raise ValueError(
            f"the network needs at least {_bytes(need)} of memory to train at train.batch_size={batch_size} "
            f"({cost.activations:,} activations per image, {cost.params:,} params), more than the {_bytes(have)} of "
            f"{device}; lower the batch size, the resolution or the widths"
        )


def check_data_fits(name: str, channels: int, resolution: int) -> None:
    """ValueError (one line) when the images of data set `name` at `resolution` take more memory than the machine
    has."""
    need, have = data_bytes(name, channels, resolution), device_bytes("cpu")
    if need is not None and have is not None and need > have:
        raise ValueError(
            f"data.resolution={resolution}: loading the {IMAGES[name]:,} images of {name} at {resolution}x{resolution} "
            f"takes at least {_bytes(need)}, more than this machine's {_bytes(have)} of memory"
        )
