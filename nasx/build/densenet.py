"""Modules for `dense` and `tr`."""
from __future__ import annotations

import torch
from torch import nn

from nasx.arch.blocks import DenseBlock, Transition
from nasx.build.layers import activation


class DenseLayer(nn.Module):
    """BN-ReLU-1x1-BN-ReLU-3x3, output concatenated to the input."""

    def __init__(self, c_in: int, growth: int, bottleneck: int) -> None:
        super().__init__()
        inner = bottleneck * growth
        self.layers = nn.Sequential(nn.BatchNorm2d(c_in), activation("relu"), nn.Conv2d(c_in, inner, 1, bias=False),
                                    nn.BatchNorm2d(inner), activation("relu"),
                                    nn.Conv2d(inner, growth, 3, padding=1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, self.layers(x)], 1)


def build_dense(spec: DenseBlock, c_in: int, drop_paths) -> nn.Module:
    return nn.Sequential(*(DenseLayer(c_in + i * spec.gr, spec.gr, spec.bs) for i in range(spec.r)))


def build_transition(spec: Transition, c_in: int, drop_paths) -> nn.Module:
    return nn.Sequential(nn.BatchNorm2d(c_in), activation("relu"),
                         nn.Conv2d(c_in, spec.out_channels(c_in), 1, bias=False), nn.AvgPool2d(2, 2))
