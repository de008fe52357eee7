"""Modules for `basic` and `bot`: the one ResNet basic block and the one bottleneck block."""
from __future__ import annotations

import torch
from torch import nn

from nasx.arch.blocks import Basic, Bottleneck, PreActBasic
from nasx.build.layers import DropPath, Residual, SqueezeExcite, activation, conv_bn_act, stage


def _shortcut(c_in: int, c_out: int, stride: int) -> nn.Module:
    if stride == 1 and c_in == c_out:
        return nn.Identity()
    return conv_bn_act(c_in, c_out, 1, stride, act=None)


def basic_block(spec: Basic, c_in: int, stride: int, drop_path: float) -> nn.Module:
    branch = nn.Sequential(conv_bn_act(c_in, spec.c, 3, stride), conv_bn_act(spec.c, spec.c, 3, act=None))
    return Residual(branch, _shortcut(c_in, spec.c, stride), drop_path, activation("relu"))


def bottleneck_block(spec: Bottleneck, c_in: int, stride: int, drop_path: float) -> nn.Module:
    w = spec.width
    s1, s3 = spec.strides(stride)
    layers: list[nn.Module] = [conv_bn_act(c_in, w, 1, s1), conv_bn_act(w, w, 3, s3, groups=spec.g)]
    if spec.se > 0 and spec.se_at == "mid":
        layers.append(SqueezeExcite(w, spec.squeeze(c_in)))
    layers.append(conv_bn_act(w, spec.c, 1, act=None))
    if spec.se > 0 and spec.se_at == "out":
        layers.append(SqueezeExcite(spec.c, spec.squeeze(c_in)))
    return Residual(nn.Sequential(*layers), _shortcut(c_in, spec.c, stride), drop_path, activation("relu"))


class PreActBlock(nn.Module):
    """BN-ReLU first; the projection shortcut (1x1, no BN) reads the pre-activated input."""

    def __init__(self, spec: PreActBasic, c_in: int, stride: int, drop_path: float) -> None:
        super().__init__()
        self.pre = nn.Sequential(nn.BatchNorm2d(c_in), activation("relu"))
        self.proj = nn.Conv2d(c_in, spec.c, 1, stride, bias=False) if stride != 1 or c_in != spec.c else None
        self.branch = nn.Sequential(nn.Conv2d(c_in, spec.c, 3, stride, 1, bias=False), nn.BatchNorm2d(spec.c),
                                    activation("relu"), nn.Conv2d(spec.c, spec.c, 3, 1, 1, bias=False))
        self.drop_path = DropPath(drop_path)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.pre(x)
        shortcut = x if self.proj is None else self.proj(out)
        return self.drop_path(self.branch(out)) + shortcut


def build_basic(spec: Basic, c_in: int, drop_paths) -> nn.Module:
    return stage(basic_block, spec, c_in, drop_paths)


def build_bottleneck(spec: Bottleneck, c_in: int, drop_paths) -> nn.Module:
    return stage(bottleneck_block, spec, c_in, drop_paths)


def build_preact(spec: PreActBasic, c_in: int, drop_paths) -> nn.Module:
    return stage(PreActBlock, spec, c_in, drop_paths)
