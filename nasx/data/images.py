"""Image-tensor helpers shared by the loaders: resize, channel conversion, splits, statistics."""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from typing import BinaryIO

import numpy as np
import torch
import torch.nn.functional as F

from nasx.data.dataset import Dataset
from nasx.table import human


def fit(x: torch.Tensor, resolution: int, channels: int) -> torch.Tensor:
    """uint8 (N, C, H, W) -> uint8 (N, channels, resolution, resolution): bilinear resize
    (antialiased when shrinking), grey repeated to RGB or RGB averaged to grey (ITU-R 601 weights)."""
    if channels not in (1, 3):
        raise ValueError(f"channels={channels}: must be 1 or 3")
    if x.shape[1] == 1 and channels == 3:
        x = x.expand(-1, 3, -1, -1)
    elif x.shape[1] == 3 and channels == 1:
        weights = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
        x = (x.float() * weights).sum(1, keepdim=True).round().clamp(0, 255).to(torch.uint8)
    elif x.shape[1] != channels:
        raise ValueError(f"images have {x.shape[1]} channels; cannot convert to {channels}")
    if x.shape[-2:] != (resolution, resolution):
        shrink = x.shape[-1] > resolution or x.shape[-2] > resolution
        out = []
        for chunk in x.split(4096):
            y = F.interpolate(
                chunk.float(), size=(resolution, resolution), mode="bilinear", align_corners=False, antialias=shrink
            )
            out.append(y.round().clamp(0, 255).to(torch.uint8))
        x = torch.cat(out) if out else x.new_zeros((0, x.shape[1], resolution, resolution))
    return x.contiguous()


def at_resolution(data: Dataset, resolution: int) -> Dataset:
    """The same images resized to `resolution` (`fit`; the statistics kept): what a network trained at another
    input size than the data's is measured on. Itself when the data already has that size."""
    if resolution == data.resolution:
        return data
    return replace(
        data,
        train_x=fit(data.train_x, resolution, data.channels),
        val_x=fit(data.val_x, resolution, data.channels),
        test_x=fit(data.test_x, resolution, data.channels),
        resolution=resolution,
    )


def memory_limit_bytes() -> int:
    """What a loader may hold in memory: half of this machine's physical memory."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2


def check_memory(where, need_bytes: int, what: str) -> None:
    """A one-line ValueError naming `where` when `need_bytes` (an estimate of `what`) is over `memory_limit_bytes`."""
    limit = memory_limit_bytes()
    if need_bytes > limit:
        raise ValueError(
            f"{where}: {what} need about {human(need_bytes)}B of memory, over the limit of {human(limit)}B "
            "(half of this machine's memory)"
        )


def open_regular(path) -> BinaryIO:
    """`path` opened for reading if it is a regular file (through links); a FIFO, socket or device is a
    one-line ValueError naming it, and is never waited on."""
    _check_regular(path, os.stat(path).st_mode)  # a socket cannot even be opened
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        _check_regular(path, os.fstat(fd).st_mode)  # what was opened, should the path have changed
    except ValueError:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def _check_regular(path, mode: int) -> None:
    if not stat.S_ISREG(mode):
        kind = next((k for test, k in _KINDS if test(mode)), "not a regular file")
        raise ValueError(f"{path}: {kind}, not a regular file")


_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a directory"),
)


def absent(path) -> str:
    """Why an expected path is not there: missing, or a symbolic link to nothing."""
    return f"is a broken symbolic link (to {os.readlink(path)})" if path.is_symlink() else "does not exist"


def check_fractions(val_fraction: float, test_fraction: float = 0.0) -> None:
    if not 0.0 <= val_fraction < 1.0 or not 0.0 <= test_fraction < 1.0 or val_fraction + test_fraction >= 1.0:
        raise ValueError(
            f"val_fraction={val_fraction}, test_fraction={test_fraction}: each must be in [0, 1) and their sum below 1"
        )


def split_indices(n: int, seed: int, *fractions: float) -> list[np.ndarray]:
    """A seeded permutation of range(n) cut into len(fractions) + 1 parts: the given fractions
    (rounded to whole items) first, the remainder last."""
    order = np.random.default_rng(seed).permutation(n)
    parts, start = [], 0
    for fraction in fractions:
        size = int(round(n * fraction))
        parts.append(np.sort(order[start : start + size]))
        start += size
    parts.append(np.sort(order[start:]))
    return parts


def stats(x: torch.Tensor) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-channel mean and std of uint8 images, in [0, 1] units."""
    x = x.float().div_(255).transpose(0, 1).reshape(x.shape[1], -1)
    std = x.std(dim=1).clamp_min(1e-3)
    return tuple(round(v, 6) for v in x.mean(dim=1).tolist()), tuple(round(v, 6) for v in std.tolist())


def make_dataset(
    name: str,
    splits: dict[str, tuple[torch.Tensor, torch.Tensor]],
    *,
    num_classes: int,
    resolution: int,
    channels: int,
    hflip: bool,
    is_synthetic: bool = False,
    source: str = "",
) -> Dataset:
    """A Dataset from {'train'|'val'|'test': (uint8 images, labels)}, images fitted to resolution/channels."""
    tensors = {}
    for split, (x, y) in splits.items():
        tensors[f"{split}_x"] = fit(x, resolution, channels)
        tensors[f"{split}_y"] = torch.as_tensor(y, dtype=torch.int64).reshape(-1)
    mean, std = stats(tensors["train_x"])
    return Dataset(
        name=name,
        num_classes=num_classes,
        channels=channels,
        resolution=resolution,
        mean=mean,
        std=std,
        hflip=hflip,
        is_synthetic=is_synthetic,
        source=source,
        **tensors,
    )


def three_way(
    x: torch.Tensor, y: torch.Tensor, seed: int, val_fraction: float, test_fraction: float
) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """train / val / test from one pool by a seeded permutation."""
    check_fractions(val_fraction, test_fraction)
    val, test, train = split_indices(len(y), seed, val_fraction, test_fraction)
    return {"train": (x[train], y[train]), "val": (x[val], y[val]), "test": (x[test], y[test])}


def carve_val(
    x: torch.Tensor, y: torch.Tensor, seed: int, val_fraction: float
) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """train / val from a training pool (the test split comes from elsewhere)."""
    check_fractions(val_fraction)
    val, train = split_indices(len(y), seed, val_fraction)
    return {"train": (x[train], y[train]), "val": (x[val], y[val])}
