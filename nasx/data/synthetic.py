"""Generated images for tests and benchmarks only: a per-class random pattern plus noise."""

from __future__ import annotations

import torch

from nasx.data.dataset import Dataset
from nasx.data.images import make_dataset, three_way


def load_synthetic(
    root=None,
    *,
    resolution: int = 32,
    channels: int = 3,
    seed: int = 0,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
    num_samples: int = 2048,
    num_classes: int = 10,
    noise: float = 0.5,
) -> Dataset:
    """`num_samples` learnable images (class template + `noise` x Gaussian noise); named `synthetic`."""
    if root is not None:
        raise ValueError(f"synthetic: root={root!r}: synthetic data is generated and takes no path")
    if num_samples < 1 or num_classes < 2:
        raise ValueError(f"synthetic: num_samples={num_samples}, num_classes={num_classes}: need >= 1 and >= 2")
    g = torch.Generator().manual_seed(seed)
    templates = torch.rand(num_classes, channels, resolution, resolution, generator=g)
    y = torch.randint(0, num_classes, (num_samples,), generator=g)
    x = templates[y] + noise * torch.randn(num_samples, channels, resolution, resolution, generator=g)
    x = x.clamp(0, 1).mul(255).round().to(torch.uint8)
    return make_dataset(
        "synthetic",
        three_way(x, y, seed, val_fraction, test_fraction),
        num_classes=num_classes,
        resolution=resolution,
        channels=channels,
        hflip=False,
        is_synthetic=True,
        source="generated",
    )
