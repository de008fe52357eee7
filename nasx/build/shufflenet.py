"""Module for `shuffle`: the ShuffleNetV2 unit."""
from __future__ import annotations

import itertools

import torch
from torch import nn

from nasx.arch.blocks import ShuffleUnit
from nasx.build.layers import conv_bn_act, stage


class ShuffleBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        half = c_out // 2
        self.stride = stride
        self.branch1 = nn.Sequential(conv_bn_act(c_in, c_in, 3, stride, groups=c_in, act=None),
                                     conv_bn_act(c_in, half, 1)) if stride > 1 else None
        self.branch2 = nn.Sequential(conv_bn_act(c_in if stride > 1 else half, half, 1),
                                     conv_bn_act(half, half, 3, stride, groups=half, act=None),
                                     conv_bn_act(half, half, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.branch1 is None:
            keep, x = x.chunk(2, dim=1)
            out = torch.cat([keep, self.branch2(x)], 1)
        else:
            out = torch.cat([self.branch1(x), self.branch2(x)], 1)
        n, c, h, w = out.shape
        return out.view(n, 2, c // 2, h, w).transpose(1, 2).reshape(n, c, h, w)


def build_shuffle(spec: ShuffleUnit, c_in: int, drop_paths) -> nn.Module:
    def block(spec: ShuffleUnit, c_in: int, stride: int, drop_path: float) -> nn.Module:
        return ShuffleBlock(c_in, spec.c, stride)
    return stage(block, spec, c_in, itertools.repeat(0.0))
