"""Modules for `fr` (Fused-MBConv)."""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn

from nasx.arch.blocks import FusedMBConv
from nasx.build.layers import activation, drop_path, stage


class FusedMBConvBlock(nn.Module):
    """`conv_exp` (k x k, the stride) `bn1` act -> [`conv_pwl` (1x1) `bn2`], plus the input when `has_skip`;
    without the 1x1 projection `conv_exp` goes straight to the output width."""

    def __init__(self, spec: FusedMBConv, c_in: int, stride: int, drop_p: float) -> None:
        super().__init__()
        single = spec.single_conv(c_in)
        mid = spec.c if single else spec.mid(c_in)
        self.conv_exp = nn.Conv2d(c_in, mid, spec.k, stride, (spec.k - 1) // 2, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.act1 = activation(spec.act)
        self.conv_pwl = None if single else nn.Conv2d(mid, spec.c, 1, bias=False)
        self.bn2: nn.BatchNorm2d | None = None if single else nn.BatchNorm2d(spec.c)
        self.has_skip = spec.skip and stride == 1 and c_in == spec.c
        self.drop_path = drop_path(drop_p, self.has_skip)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.act1(self.bn1(self.conv_exp(x)))
        if self.conv_pwl is not None and self.bn2 is not None:  # set together
            out = self.bn2(self.conv_pwl(out))
        result: torch.Tensor = self.drop_path(out) + x if self.has_skip else out
        return result


def build_fused(spec: FusedMBConv, c_in: int, drop_paths: Iterator[float]) -> nn.Module:
    return stage(FusedMBConvBlock, spec, c_in, drop_paths)
