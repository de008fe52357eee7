"""`ir`: the inverted residual / MBConv block of MobileNetV2/V3, MnasNet, EfficientNet, MixNet, FBNet and LCNet."""

from __future__ import annotations

from dataclasses import dataclass

from nasx.arch import cost
from nasx.arch.blocks.base import Block, repeat_cost
from nasx.arch.cost import Tally
from nasx.arch.fields import (
    ACTIVATIONS,
    GATES,
    ODD_KERNEL,
    POS_FLOAT,
    POSITIVE,
    RATIO,
    SE_BASES,
    SE_ROUNDINGS,
    STRIDE,
    fld,
)
from nasx.arch.limits import MAX_KERNEL
from nasx.arch.receptive import Window
from nasx.arch.rounding import make_divisible, round_half_up, round_se, split_channels

_SE_DEFAULT_ROUND = {"in": "floor", "mid": "div8"}  # the squeeze rounding of each SE base when `sr` is unset


def expanded(c_in: int, e: float, divisor: int = 1) -> int:
    """Mid channels of an expansion-e block: c_in itself when e == 1, else round(c_in * e); with a
    divisor > 1, make_divisible(c_in * e, divisor) at every e (timm's rule)."""
    if divisor > 1:
        return make_divisible(c_in * e, divisor)
    return c_in if e == 1.0 else max(1, round_half_up(c_in * e))


def split_conv(t: Tally, c_in: int, c_out: int, kernels: list[int], s: int, size: int, *, depthwise: bool) -> int:
    """A conv whose channels are split into len(kernels) parts (MixConv, timm's rule), part i with kernel i."""
    if len(kernels) == 1:
        return cost.conv(t, c_in, c_out, kernels[0], s, size, groups=c_in if depthwise else 1)
    out = size
    for k, ci, co in zip(kernels, split_channels(c_in, len(kernels)), split_channels(c_out, len(kernels))):
        out = cost.conv(t, ci, co, k, s, size, groups=ci if depthwise else 1)
    return out


@dataclass(frozen=True, kw_only=True)
class MBConv(Block):
    """[1x1 expand] -> k x k depthwise -> [SE] -> 1x1 project [-> act], residual when shape allows.

    e: expansion ratio; mid channels = c_in if e == 1 else round(c_in * e), or make_divisible(c_in * e, md)
       with a mid divisor md > 1 (timm); the expand conv exists when mid != c_in or `x` is set (timm's `ir`
       with e=1 keeps it: FBNet-C).
    mk: mixed depthwise kernels (MixConv): mid split into mk parts with kernels k, k+2, ..., k+2(mk-1).
    ag, pg: the 1x1 expansion / projection split into that many groups (timm's a1.1 / p1.1, MixNet);
       channel splits are equal with the remainder in the first part.
    se: SE ratio (0 = no SE) relative to `se_base`: the block input ("in", EfficientNet, MnasNet) or the
       expanded channels ("mid", MobileNetV3); the squeeze width is rounded by `se_round`: floor (the
       default for "in", torchvision), round (Python's, timm and pycls) or div8 (make_divisible(., 8), the
       default for "mid", MobileNetV3).
    se_act: activation inside SE (default: the block's act); se_gate: sigmoid or hsigmoid.
    pw_act: the block's activation after the projection too (timm's `dsa`, LCNet).
    skip: identity residual when stride 1 and c_in == c (and stochastic depth on the branch).
    """

    TYPE = "ir"
    DROP_PATH = True
    r: int = fld("r", 1, check=POSITIVE, always=True)
    k: int = fld("k", check=ODD_KERNEL)
    s: int = fld("s", 1, check=STRIDE, always=True)
    e: float = fld("e", 1.0, check=POS_FLOAT)
    c: int = fld("c", check=POSITIVE)
    se: float = fld("se", 0.0, check=RATIO)
    se_base: str = fld("sb", "in", codes=SE_BASES)
    act: str = fld("n", "relu", codes=ACTIVATIONS)
    se_act: str | None = fld("sn", None, codes=ACTIVATIONS)
    se_gate: str = fld("sg", "sigmoid", codes=GATES)
    skip: bool = fld("skip", True)
    expand: bool = fld("x", False, omit_default=True)
    mid_div: int = fld("md", 1, check=POSITIVE, omit_default=True)
    mix: int = fld("mk", 1, check=POSITIVE, omit_default=True)
    exp_groups: int = fld("ag", 1, check=POSITIVE, omit_default=True)
    proj_groups: int = fld("pg", 1, check=POSITIVE, omit_default=True)
    se_round: str | None = fld("sr", None, codes=SE_ROUNDINGS, omit_default=True)
    pw_act: bool = fld("pa", False, omit_default=True)

    def _check(self) -> None:
        """Canonical form: SE settings are reset when there is no SE, se_act when it equals act,
        se_round when it is the base's default."""
        if self.se == 0.0:
            for name, default in (("se_base", "in"), ("se_act", None), ("se_gate", "sigmoid"), ("se_round", None)):
                object.__setattr__(self, name, default)
        if self.se_act == self.act:
            object.__setattr__(self, "se_act", None)
        if self.se_round == _SE_DEFAULT_ROUND[self.se_base]:
            object.__setattr__(self, "se_round", None)
        if self.k + 2 * (self.mix - 1) > MAX_KERNEL:
            raise ValueError(f"ir.mk={self.mix}: the largest mixed kernel k+2(mk-1) must be at most {MAX_KERNEL}")
        if self.proj_groups > self.c:
            raise ValueError(f"ir.pg={self.proj_groups}: more projection groups than output channels c={self.c}")

    def check_input(self, c_in: int) -> None:
        for c in (c_in, self.c):
            mid = self.mid(c)
            if self.mix > mid or self.exp_groups > min(c, mid) or self.proj_groups > mid:
                raise ValueError(
                    f"ir: {mid} mid channels cannot be split into mk={self.mix}, ag={self.exp_groups} "
                    f"or pg={self.proj_groups} parts"
                )

    def mid(self, c_in: int) -> int:
        return expanded(c_in, self.e, self.mid_div)

    def has_expand(self, c_in: int) -> bool:
        return self.expand or self.mid(c_in) != c_in

    def kernels(self) -> list[int]:
        return [self.k + 2 * i for i in range(self.mix)]

    def squeeze(self, c_in: int) -> int:
        width = c_in if self.se_base == "in" else self.mid(c_in)
        return round_se(width * self.se, self.se_round or _SE_DEFAULT_ROUND[self.se_base])

    def cost(self, c_in: int, size: int) -> tuple[Tally, int]:
        def unit(t: Tally, c: int, hw: int, s: int) -> int:
            mid = self.mid(c)
            if self.has_expand(c):
                split_conv(t, c, mid, [1] * self.exp_groups, 1, hw, depthwise=False)
                cost.bn(t, mid)
            hw = split_conv(t, mid, mid, self.kernels(), s, hw, depthwise=True)
            cost.bn(t, mid)
            if self.se > 0:
                cost.squeeze_excite(t, mid, self.squeeze(c))
            split_conv(t, mid, self.c, [1] * self.proj_groups, 1, hw, depthwise=False)
            cost.bn(t, self.c)
            return hw

        return repeat_cost(self, c_in, size, unit)

    def unit_windows(self, stride: int) -> tuple[Window, ...]:
        return ((max(self.kernels()), stride),)  # mixed kernels: the largest
