"""Modules for `ir` (the one inverted-residual / MBConv implementation)."""
from __future__ import annotations

from torch import nn

from nasx.arch.blocks import MBConv
from nasx.build.layers import Residual, SqueezeExcite, split_conv_bn_act, stage


def mbconv_block(spec: MBConv, c_in: int, stride: int, drop_path: float) -> nn.Module:
    mid = spec.mid(c_in)
    layers: list[nn.Module] = []
    if spec.has_expand(c_in):
        layers.append(split_conv_bn_act(c_in, mid, [1] * spec.exp_groups, act=spec.act))
    layers.append(split_conv_bn_act(mid, mid, spec.kernels(), stride, depthwise=True, act=spec.act))
    if spec.se > 0:
        layers.append(SqueezeExcite(mid, spec.squeeze(c_in), spec.se_act or spec.act, spec.se_gate))
    layers.append(split_conv_bn_act(mid, spec.c, [1] * spec.proj_groups, act=spec.act if spec.pw_act else None))
    residual = spec.skip and stride == 1 and c_in == spec.c
    return Residual(nn.Sequential(*layers), nn.Identity() if residual else None, drop_path)


def build_mbconv(spec: MBConv, c_in: int, drop_paths) -> nn.Module:
    return stage(mbconv_block, spec, c_in, drop_paths)
