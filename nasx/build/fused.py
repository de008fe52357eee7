"""Modules for `fr` (Fused-MBConv)."""
from __future__ import annotations

from torch import nn

from nasx.arch.blocks import FusedMBConv
from nasx.build.layers import Residual, conv_bn_act, stage


def fused_block(spec: FusedMBConv, c_in: int, stride: int, drop_path: float) -> nn.Module:
    if spec.single_conv(c_in):
        branch = conv_bn_act(c_in, spec.c, spec.k, stride, act=spec.act)
    else:
        mid = spec.mid(c_in)
        branch = nn.Sequential(conv_bn_act(c_in, mid, spec.k, stride, act=spec.act),
                               conv_bn_act(mid, spec.c, 1, act=None))
    residual = spec.skip and stride == 1 and c_in == spec.c
    return Residual(branch, nn.Identity() if residual else None, drop_path)


def build_fused(spec: FusedMBConv, c_in: int, drop_paths) -> nn.Module:
    return stage(fused_block, spec, c_in, drop_paths)
