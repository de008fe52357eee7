"""scikit-learn's bundled handwritten digits: 1,797 real 8x8 grey images, 10 classes, no download."""

from __future__ import annotations

import torch

from nasx.data.dataset import Dataset
from nasx.data.images import make_dataset, three_way


def load_digits(
    root=None,
    *,
    resolution: int = 16,
    channels: int = 3,
    seed: int = 0,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
) -> Dataset:
    """Digits upsampled to `resolution`; train / val / test split by `seed`. No flips (a flipped 2 is no 2)."""
    if root is not None:
        raise ValueError(f"digits: root={root!r}: the digits are bundled with scikit-learn and take no path")
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    x = torch.from_numpy(bunch.images).mul(255.0 / 16.0).round().to(torch.uint8).unsqueeze(1)
    y = torch.from_numpy(bunch.target).long()
    return make_dataset(
        "digits",
        three_way(x, y, seed, val_fraction, test_fraction),
        num_classes=10,
        resolution=resolution,
        channels=channels,
        hflip=False,
        source="sklearn.datasets.load_digits",
    )
