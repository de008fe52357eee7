"""Modules for `basic`, `bot` and `preact`: the one ResNet basic block, bottleneck block and pre-activation
block, their layers named as torchvision's and timm's ResNets name them (`conv1`, `bn1`, ..., `downsample`)."""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn

from nasx.arch.blocks import Basic, Bottleneck, PreActBasic
from nasx.build.layers import SqueezeExcite, activation, conv_bn_act, drop_path, stage


def _downsample(c_in: int, c_out: int, stride: int) -> nn.Module | None:
    """The 1x1 projection shortcut (`conv`, `bn`) where the shape changes, else None (the identity)."""
    if stride == 1 and c_in == c_out:
        return None
    return conv_bn_act(c_in, c_out, 1, stride, act=None)


def _conv(c_in: int, c_out: int, k: int, stride: int = 1, groups: int = 1) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, k, stride, (k - 1) // 2, groups=groups, bias=False)


class BasicBlock(nn.Module):
    """`conv1` (3x3, the stride) `bn1` relu -> `conv2` (3x3) `bn2`, plus the input or its `downsample`, relu."""

    def __init__(self, spec: Basic, c_in: int, stride: int, drop_p: float) -> None:
        super().__init__()
        self.conv1, self.bn1, self.act1 = _conv(c_in, spec.c, 3, stride), nn.BatchNorm2d(spec.c), activation("relu")
        self.conv2, self.bn2 = _conv(spec.c, spec.c, 3), nn.BatchNorm2d(spec.c)
        self.downsample = _downsample(c_in, spec.c, stride)
        self.drop_path = drop_path(drop_p, True)
        self.act2 = activation("relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv2(self.act1(self.bn1(self.conv1(x)))))
        shortcut = x if self.downsample is None else self.downsample(x)
        result: torch.Tensor = self.act2(self.drop_path(out) + shortcut)
        return result


class BottleneckBlock(nn.Module):
    """`conv1` (1x1) `bn1` relu -> `conv2` (3x3, groups) `bn2` relu -> [`se`] -> `conv3` (1x1) `bn3` -> [`se`],
    plus the input or its `downsample`, relu. The stride is on conv2 (ResNet v1.5) or conv1 (v1); `se` sits
    after conv2 (se_at="mid", RegNetY) or after conv3 (se_at="out", SENet)."""

    def __init__(self, spec: Bottleneck, c_in: int, stride: int, drop_p: float) -> None:
        super().__init__()
        w = spec.width
        s1, s3 = spec.strides(stride)
        self.conv1, self.bn1, self.act1 = _conv(c_in, w, 1, s1), nn.BatchNorm2d(w), activation("relu")
        self.conv2, self.bn2, self.act2 = _conv(w, w, 3, s3, spec.g), nn.BatchNorm2d(w), activation("relu")
        self.se: SqueezeExcite | None = None
        self.se_at = spec.se_at if spec.se > 0 else None
        if self.se_at == "mid":
            self.se = SqueezeExcite(w, spec.squeeze(c_in))
        self.conv3, self.bn3 = _conv(w, spec.c, 1), nn.BatchNorm2d(spec.c)
        if self.se_at == "out":
            self.se = SqueezeExcite(spec.c, spec.squeeze(c_in))
        self.downsample = _downsample(c_in, spec.c, stride)
        self.drop_path = drop_path(drop_p, True)
        self.act3 = activation("relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.act2(self.bn2(self.conv2(self.act1(self.bn1(self.conv1(x))))))
        if self.se is not None and self.se_at == "mid":
            out = self.se(out)
        out = self.bn3(self.conv3(out))
        if self.se is not None and self.se_at == "out":
            out = self.se(out)
        shortcut = x if self.downsample is None else self.downsample(x)
        result: torch.Tensor = self.act3(self.drop_path(out) + shortcut)
        return result


class PreActBlock(nn.Module):
    """`bn1` relu first; `conv1` (3x3, the stride) `bn2` relu `conv2` (3x3), plus the input or the `downsample`
    (1x1, no BN) of the pre-activated input."""

    def __init__(self, spec: PreActBasic, c_in: int, stride: int, drop_p: float) -> None:
        super().__init__()
        self.bn1, self.act1 = nn.BatchNorm2d(c_in), activation("relu")
        self.downsample = nn.Conv2d(c_in, spec.c, 1, stride, bias=False) if stride != 1 or c_in != spec.c else None
        self.conv1, self.bn2, self.act2 = _conv(c_in, spec.c, 3, stride), nn.BatchNorm2d(spec.c), activation("relu")
        self.conv2 = _conv(spec.c, spec.c, 3)
        self.drop_path = drop_path(drop_p, True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.act1(self.bn1(x))
        shortcut = x if self.downsample is None else self.downsample(out)
        result: torch.Tensor = self.drop_path(self.conv2(self.act2(self.bn2(self.conv1(out))))) + shortcut
        return result


def build_basic(spec: Basic, c_in: int, drop_paths: Iterator[float]) -> nn.Module:
    return stage(BasicBlock, spec, c_in, drop_paths)


def build_bottleneck(spec: Bottleneck, c_in: int, drop_paths: Iterator[float]) -> nn.Module:
    return stage(BottleneckBlock, spec, c_in, drop_paths)


def build_preact(spec: PreActBasic, c_in: int, drop_paths: Iterator[float]) -> nn.Module:
    return stage(PreActBlock, spec, c_in, drop_paths)
