"""Module for `shuffle`: the ShuffleNetV2 unit."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import torch
from torch import nn

from nasx.arch.blocks import ShuffleUnit
from nasx.build.layers import activation, named, stage


def _conv(c_in: int, c_out: int, k: int, stride: int = 1, groups: int = 1) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, k, stride, (k - 1) // 2, groups=groups, bias=False)


class ShuffleBlock(nn.Module):
    """Two branches concatenated then channel-shuffled. `branch2`: `conv_pw` `bn1` relu -> `conv_dw` `bn2` ->
    `conv_pwl` `bn3` relu on half the channels (stride 1) or all of them (stride 2); `branch1` (stride 2 only):
    `conv_dw` `bn2` -> `conv_pwl` `bn3` relu. The names are MBConv's: the role, not the position."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        half = c_out // 2
        self.stride = stride
        self.branch1 = (
            named(
                ("conv_dw", _conv(c_in, c_in, 3, stride, c_in)),
                ("bn2", nn.BatchNorm2d(c_in)),
                ("conv_pwl", _conv(c_in, half, 1)),
                ("bn3", nn.BatchNorm2d(half)),
                ("act3", activation("relu")),
            )
            if stride > 1
            else None
        )
        self.branch2 = named(
            ("conv_pw", _conv(c_in if stride > 1 else half, half, 1)),
            ("bn1", nn.BatchNorm2d(half)),
            ("act1", activation("relu")),
            ("conv_dw", _conv(half, half, 3, stride, half)),
            ("bn2", nn.BatchNorm2d(half)),
            ("conv_pwl", _conv(half, half, 1)),
            ("bn3", nn.BatchNorm2d(half)),
            ("act3", activation("relu")),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.branch1 is None:
            keep, x = x.chunk(2, dim=1)
            out = torch.cat([keep, self.branch2(x)], 1)
        else:
            out = torch.cat([self.branch1(x), self.branch2(x)], 1)
        n, c, h, w = out.shape
        return out.view(n, 2, c // 2, h, w).transpose(1, 2).reshape(n, c, h, w)


def build_shuffle(spec: ShuffleUnit, c_in: int, drop_paths: Iterator[float]) -> nn.Module:
    def block(spec: ShuffleUnit, c_in: int, stride: int, drop_path: float) -> nn.Module:
        return ShuffleBlock(c_in, spec.c, stride)

    return stage(block, spec, c_in, itertools.repeat(0.0))
