"""Module for `vgg`: plain 3x3 conv stages (conv bias, optional BN) closed by 2x2 max pooling."""

from __future__ import annotations

from collections.abc import Iterator

from torch import nn

from nasx.arch.blocks import VGGStage
from nasx.build.layers import conv_bn_act, named


def build_vgg(spec: VGGStage, c_in: int, drop_paths: Iterator[float]) -> nn.Module:
    """Units `0` .. `r-1` (`conv` with bias, [`bn`], relu), then `pool`."""
    units = []
    for i in range(spec.r):
        units.append((str(i), conv_bn_act(c_in, spec.c, 3, bn=spec.bn, bias=True)))
        c_in = spec.c
    return named(*units, ("pool", nn.MaxPool2d(2, 2)))
