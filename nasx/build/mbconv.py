"""Module for `ir`: the one inverted-residual / MBConv implementation."""
from __future__ import annotations

from torch import nn

from nasx.arch.blocks import FusedMBConv, MBConv
from nasx.build.layers import Residual, SqueezeExcite, conv_bn_act, stage


def mbconv_block(spec: MBConv, c_in: int, stride: int, drop_path: float) -> nn.Module:
    mid = spec.mid(c_in)
    layers: list[nn.Module] = []
    if mid != c_in:
        layers.append(conv_bn_act(c_in, mid, 1, act=spec.act))
    layers.append(conv_bn_act(mid, mid, spec.k, stride, groups=mid, act=spec.act))
    if spec.se > 0:
        layers.append(SqueezeExcite(mid, spec.squeeze(c_in), spec.se_act or spec.act, spec.se_gate))
    layers.append(conv_bn_act(mid, spec.c, 1, act=None))
    residual = spec.skip and stride == 1 and c_in == spec.c
    return Residual(nn.Sequential(*layers), nn.Identity() if residual else None, drop_path)


def build_mbconv(spec: MBConv, c_in: int, drop_paths) -> nn.Module:
    return stage(mbconv_block, spec, c_in, drop_paths)


def fused_block(spec: FusedMBConv, c_in: int, stride: int, drop_path: float) -> nn.Module:
    mid = spec.mid(c_in)
    if mid == c_in:
        branch = conv_bn_act(c_in, spec.c, spec.k, stride, act=spec.act)
    else:
        branch = nn.Sequential(conv_bn_act(c_in, mid, spec.k, stride, act=spec.act), conv_bn_act(mid, spec.c, 1, act=None))
    residual = spec.skip and stride == 1 and c_in == spec.c
    return Residual(branch, nn.Identity() if residual else None, drop_path)


def build_fused(spec: FusedMBConv, c_in: int, drop_paths) -> nn.Module:
    return stage(fused_block, spec, c_in, drop_paths)
