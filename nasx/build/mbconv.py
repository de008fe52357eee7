"""Modules for `ir` (the one inverted-residual / MBConv implementation)."""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn

from nasx.arch.blocks import MBConv
from nasx.build.layers import SqueezeExcite, activation, drop_path, split_conv, stage


class MBConvBlock(nn.Module):
    """[`conv_pw` `bn1` act] -> `conv_dw` `bn2` act -> [`se`] -> `conv_pwl` `bn3` [act], plus the input when
    `has_skip`. Names follow the role, whatever the expansion: `conv_dw` is always the depthwise conv, `bn2`
    always its BN; a block without expansion has no `conv_pw` / `bn1`."""

    def __init__(self, spec: MBConv, c_in: int, stride: int, drop_p: float) -> None:
        super().__init__()
        mid = spec.mid(c_in)
        self.conv_pw: nn.Module | None = None
        self.bn1: nn.BatchNorm2d | None = None
        self.act1: nn.Module | None = None
        if spec.has_expand(c_in):
            self.conv_pw = split_conv(c_in, mid, [1] * spec.exp_groups)
            self.bn1 = nn.BatchNorm2d(mid)
            self.act1 = activation(spec.act)
        self.conv_dw = split_conv(mid, mid, spec.kernels(), stride, depthwise=True)
        self.bn2 = nn.BatchNorm2d(mid)
        self.act2 = activation(spec.act)
        self.se = SqueezeExcite(mid, spec.squeeze(c_in), spec.se_act or spec.act, spec.se_gate) if spec.se > 0 else None
        self.conv_pwl = split_conv(mid, spec.c, [1] * spec.proj_groups)
        self.bn3 = nn.BatchNorm2d(spec.c)
        self.act3 = activation(spec.act) if spec.pw_act else nn.Identity()
        self.has_skip = spec.skip and stride == 1 and c_in == spec.c
        self.drop_path = drop_path(drop_p, self.has_skip)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        if self.conv_pw is not None and self.bn1 is not None and self.act1 is not None:  # set together
            out = self.act1(self.bn1(self.conv_pw(x)))
        out = self.act2(self.bn2(self.conv_dw(out)))
        if self.se is not None:
            out = self.se(out)
        out = self.act3(self.bn3(self.conv_pwl(out)))
        result: torch.Tensor = self.drop_path(out) + x if self.has_skip else out
        return result


def build_mbconv(spec: MBConv, c_in: int, drop_paths: Iterator[float]) -> nn.Module:
    return stage(MBConvBlock, spec, c_in, drop_paths)
