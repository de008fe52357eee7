"""Modules for `dense` and `tr`, their layers named as torchvision's DenseNet names them."""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn

from nasx.arch.blocks import DenseBlock, Transition
from nasx.build.layers import activation, named


class DenseLayer(nn.Module):
    """`norm1` relu `conv1` (1x1) -> `norm2` relu `conv2` (3x3), output concatenated to the input."""

    def __init__(self, c_in: int, growth: int, bottleneck: int) -> None:
        super().__init__()
        inner = bottleneck * growth
        self.norm1, self.relu1 = nn.BatchNorm2d(c_in), activation("relu")
        self.conv1 = nn.Conv2d(c_in, inner, 1, bias=False)
        self.norm2, self.relu2 = nn.BatchNorm2d(inner), activation("relu")
        self.conv2 = nn.Conv2d(inner, growth, 3, padding=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv2(self.relu2(self.norm2(self.conv1(self.relu1(self.norm1(x))))))
        return torch.cat([x, out], 1)


def build_dense(spec: DenseBlock, c_in: int, drop_paths: Iterator[float]) -> nn.Module:
    return nn.Sequential(*(DenseLayer(c_in + i * spec.gr, spec.gr, spec.bs) for i in range(spec.r)))


def build_transition(spec: Transition, c_in: int, drop_paths: Iterator[float]) -> nn.Module:
    """`norm` relu `conv` (1x1) `pool` (2x2 average)."""
    return named(
        ("norm", nn.BatchNorm2d(c_in)),
        ("relu", activation("relu")),
        ("conv", nn.Conv2d(c_in, spec.out_channels(c_in), 1, bias=False)),
        ("pool", nn.AvgPool2d(2, 2)),
    )
