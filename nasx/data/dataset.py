"""Dataset: a small, picklable value holding uint8 image tensors for train / val / test and their labels."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import torch


@dataclass(frozen=True)
class Dataset:
    """Images are uint8 tensors (N, C, H, W), labels int64 tensors (N,).

    `mean` / `std` are per-channel statistics of the training split in [0, 1] units, used to
    normalise batches on the device. `hflip` says whether horizontal flips preserve the labels
    (false for digits). `is_synthetic` marks generated data, fit only for tests and benchmarks.
    """

    name: str
    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    num_classes: int
    channels: int
    resolution: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    hflip: bool = True
    is_synthetic: bool = False
    source: str = ""

    def __post_init__(self) -> None:
        for split in ("train", "val", "test"):
            x, y = getattr(self, f"{split}_x"), getattr(self, f"{split}_y")
            if x.dtype != torch.uint8 or x.dim() != 4 or x.shape[1] != self.channels:
                raise ValueError(
                    f"{self.name}: {split} images must be uint8 (N, {self.channels}, H, W), "
                    f"got {x.dtype} {tuple(x.shape)}"
                )
            if y.dtype != torch.int64 or y.shape != (x.shape[0],):
                raise ValueError(
                    f"{self.name}: {split} labels must be int64 ({x.shape[0]},), got {y.dtype} {tuple(y.shape)}"
                )
        if self.train_x.shape[0] == 0:
            raise ValueError(f"{self.name}: the training split is empty")

    @property
    def label(self) -> str:
        """The name as printed: synthetic data says so."""
        return f"{self.name} (synthetic data, tests and benchmarks only)" if self.is_synthetic else self.name

    def sizes(self) -> dict[str, int]:
        return {split: int(getattr(self, f"{split}_y").shape[0]) for split in ("train", "val", "test")}

    @property
    def device(self) -> torch.device:
        return self.train_x.device

    def to(self, device: str | torch.device) -> Dataset:
        """The same dataset with every tensor on `device` (self when already there)."""
        device = torch.device(device)
        if self.train_x.device == device:
            return self
        tensors = {
            f.name: getattr(self, f.name).to(device)
            for f in fields(self)
            if isinstance(getattr(self, f.name), torch.Tensor)
        }
        return replace(self, **tensors)

    def describe(self) -> str:
        s = self.sizes()
        return (
            f"{self.label}: {s['train']} train / {s['val']} val / {s['test']} test images, "
            f"{self.channels}x{self.resolution}x{self.resolution}, {self.num_classes} classes"
        )
