"""Module for `vgg`: plain 3x3 conv stages (conv bias, optional BN) closed by 2x2 max pooling."""
from __future__ import annotations

from torch import nn

from nasx.arch.blocks import VGGStage
from nasx.build.layers import activation


def build_vgg(spec: VGGStage, c_in: int, drop_paths) -> nn.Module:
    layers: list[nn.Module] = []
    for _ in range(spec.r):
        layers.append(nn.Conv2d(c_in, spec.c, 3, padding=1))
        if spec.bn:
            layers.append(nn.BatchNorm2d(spec.c))
        layers.append(activation("relu"))
        c_in = spec.c
    layers.append(nn.MaxPool2d(2, 2))
    return nn.Sequential(*layers)
