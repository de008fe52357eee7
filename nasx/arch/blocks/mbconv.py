"""`ir`: the inverted residual / MBConv block of MobileNetV2/V3, MnasNet and EfficientNet."""
from __future__ import annotations

from dataclasses import dataclass

from nasx.arch import cost
from nasx.arch.blocks.base import Block, repeat_cost
from nasx.arch.cost import Tally
from nasx.arch.fields import (ACTIVATIONS, GATES, ODD_KERNEL, POS_FLOAT, POSITIVE, RATIO, SE_BASES,
                              STRIDE, fld)
from nasx.arch.receptive import Window
from nasx.arch.rounding import make_divisible, round_half_up


def expanded(c_in: int, e: float) -> int:
    """Mid channels of an expansion-e block: c_in itself when e == 1, else round(c_in * e)."""
    return c_in if e == 1.0 else max(1, round_half_up(c_in * e))


@dataclass(frozen=True, kw_only=True)
class MBConv(Block):
    """[1x1 expand] -> k x k depthwise -> [SE] -> 1x1 project, residual when shape allows.

    e: expansion ratio; mid channels = c_in if e == 1 else round(c_in * e); the expand conv
       exists only when mid != c_in (so e=1 is the depthwise-separable block).
    se: SE ratio (0 = no SE) relative to `se_base`: the block input ("in", EfficientNet, MnasNet;
       squeeze = max(1, floor(c_in * se))) or the expanded channels ("mid", MobileNetV3;
       squeeze = make_divisible(mid * se, 8)).
    se_act: activation inside SE (default: the block's act); se_gate: sigmoid or hsigmoid.
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

    def _check(self) -> None:
        """Canonical form: SE settings are reset when there is no SE, se_act when it equals act."""
        if self.se == 0.0:
            for name, default in (("se_base", "in"), ("se_act", None), ("se_gate", "sigmoid")):
                object.__setattr__(self, name, default)
        if self.se_act == self.act:
            object.__setattr__(self, "se_act", None)

    def mid(self, c_in: int) -> int:
        return expanded(c_in, self.e)

    def squeeze(self, c_in: int) -> int:
        if self.se_base == "in":
            return max(1, int(c_in * self.se))
        return make_divisible(self.mid(c_in) * self.se, 8)

    def cost(self, c_in: int, size: int) -> tuple[Tally, int]:
        def unit(t: Tally, c: int, hw: int, s: int) -> int:
            mid = self.mid(c)
            if mid != c:
                cost.conv(t, c, mid, 1, 1, hw)
                cost.bn(t, mid)
            hw = cost.conv(t, mid, mid, self.k, s, hw, groups=mid)
            cost.bn(t, mid)
            if self.se > 0:
                cost.squeeze_excite(t, mid, self.squeeze(c))
            cost.conv(t, mid, self.c, 1, 1, hw)
            cost.bn(t, self.c)
            return hw
        return repeat_cost(self, c_in, size, unit)

    def unit_windows(self, stride: int) -> tuple[Window, ...]:
        return ((self.k, stride),)


@dataclass(frozen=True, kw_only=True)
class FusedMBConv(Block):
    """Fused-MBConv (EfficientNetV2): k x k expand conv (stride) -> 1x1 project; with e == 1 a single
    k x k conv + BN + act straight to c. Residual when stride 1 and c_in == c."""

    TYPE = "fr"
    DROP_PATH = True
    r: int = fld("r", 1, check=POSITIVE, always=True)
    k: int = fld("k", check=ODD_KERNEL)
    s: int = fld("s", 1, check=STRIDE, always=True)
    e: float = fld("e", 1.0, check=POS_FLOAT)
    c: int = fld("c", check=POSITIVE)
    act: str = fld("n", "relu", codes=ACTIVATIONS)
    skip: bool = fld("skip", True)

    def mid(self, c_in: int) -> int:
        return expanded(c_in, self.e)

    def cost(self, c_in: int, size: int) -> tuple[Tally, int]:
        def unit(t: Tally, c: int, hw: int, s: int) -> int:
            mid = self.mid(c)
            if mid == c:
                hw = cost.conv(t, c, self.c, self.k, s, hw)
                cost.bn(t, self.c)
                return hw
            hw = cost.conv(t, c, mid, self.k, s, hw)
            cost.bn(t, mid)
            cost.conv(t, mid, self.c, 1, 1, hw)
            cost.bn(t, self.c)
            return hw
        return repeat_cost(self, c_in, size, unit)

    def unit_windows(self, stride: int) -> tuple[Window, ...]:
        return ((self.k, stride),)
