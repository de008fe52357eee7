"""Modules for `cn` (conv-bn-act stages) and `mp` (max pooling)."""

from __future__ import annotations

from collections.abc import Iterator

from torch import nn

from nasx.arch.blocks import ConvBNAct, MaxPool
from nasx.build.layers import conv_bn_act


def build_conv(spec: ConvBNAct, c_in: int, drop_paths: Iterator[float]) -> nn.Module:
    layers = []
    for i in range(spec.r):
        layers.append(
            conv_bn_act(
                c_in, spec.c, spec.k, spec.s if i == 0 else 1, groups=spec.g, act=spec.act, bn=spec.bn, padding=spec.p
            )
        )
        c_in = spec.c
    return layers[0] if spec.r == 1 else nn.Sequential(*layers)


def build_pool(spec: MaxPool, c_in: int, drop_paths: Iterator[float]) -> nn.Module:
    pool = nn.AvgPool2d if spec.avg else nn.MaxPool2d
    return pool(spec.k, spec.s, spec.padding, ceil_mode=spec.ceil)
