"""`basic` and `bot`: the residual blocks of ResNet, ResNeXt, Wide ResNet and RegNetX/Y."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from nasx.arch import cost
from nasx.arch.blocks.base import Block, repeat_cost
from nasx.arch.cost import Tally
from nasx.arch.fields import POS_FLOAT, POSITIVE, RATIO, STRIDE, fld
from nasx.arch.receptive import Window
from nasx.arch.rounding import round_half_up, round_se, scale_channels, scale_repeats


def _shortcut(t: Tally, c_in: int, c_out: int, size: int, stride: int) -> None:
    """1x1 projection + BN when the shape changes (ResNet option B)."""
    if stride != 1 or c_in != c_out:
        cost.conv(t, c_in, c_out, 1, stride, size)
        cost.bn(t, c_out)


@dataclass(frozen=True, kw_only=True)
class Basic(Block):
    """ResNet basic block: 3x3 (stride s) -> 3x3, BN after each, ReLU, projection shortcut."""

    TYPE = "basic"
    DROP_PATH = True
    r: int = fld("r", 1, check=POSITIVE, always=True)
    s: int = fld("s", 1, check=STRIDE, always=True)
    c: int = fld("c", check=POSITIVE)

    def cost(self, c_in: int, size: int) -> tuple[Tally, int]:
        def unit(t: Tally, c: int, hw: int, s: int) -> int:
            _shortcut(t, c, self.c, hw, s)
            out = cost.conv(t, c, self.c, 3, s, hw)
            cost.bn(t, self.c)
            cost.conv(t, self.c, self.c, 3, 1, out)
            cost.bn(t, self.c)
            return out

        return repeat_cost(self, c_in, size, unit)

    def unit_windows(self, stride: int) -> tuple[Window, ...]:
        return ((3, stride), (3, 1))


@dataclass(frozen=True, kw_only=True)
class PreActBasic(Block):
    """Pre-activation basic block (He et al., 2016): BN-ReLU-3x3 (stride s)-BN-ReLU-3x3; the 1x1
    projection shortcut (no BN) takes the pre-activated input when the shape changes."""

    TYPE = "preact"
    DROP_PATH = True
    r: int = fld("r", 1, check=POSITIVE, always=True)
    s: int = fld("s", 1, check=STRIDE, always=True)
    c: int = fld("c", check=POSITIVE)

    def cost(self, c_in: int, size: int) -> tuple[Tally, int]:
        def unit(t: Tally, c: int, hw: int, s: int) -> int:
            cost.bn(t, c)
            if s != 1 or c != self.c:
                cost.conv(t, c, self.c, 1, s, hw)
            out = cost.conv(t, c, self.c, 3, s, hw)
            cost.bn(t, self.c)
            cost.conv(t, self.c, self.c, 3, 1, out)
            return out

        return repeat_cost(self, c_in, size, unit)

    def unit_windows(self, stride: int) -> tuple[Window, ...]:
        return ((3, stride), (3, 1))


@dataclass(frozen=True, kw_only=True)
class Bottleneck(Block):
    """1x1 -> 3x3 grouped (stride s) -> [SE] -> 1x1, BN after each, ReLU, projection shortcut.

    b: bottleneck ratio, inner width w_b = round(c * b) (ResNet 0.25, RegNet 1.0).
    g: groups of the 3x3 conv, i.e. cardinality; group width = w_b / g.
    se: SE ratio. se_at="mid": SE on the w_b channels after the 3x3, squeeze = max(1, floor(c_in * se))
       (RegNetY); se_at="out": SE on the c output channels before the add, squeeze = max(1, floor(c * se))
       (SENet, reduction 16 = 0.0625); se_round: "floor" or "round" (Python's round, half to even: pycls,
       timm and torchvision's RegNet).
    stride_at: the conv that takes the stride, "3x3" (torchvision's ResNet v1.5) or "1x1" (the
       original ResNet v1 and SENet).
    """

    TYPE = "bot"
    DROP_PATH = True
    r: int = fld("r", 1, check=POSITIVE, always=True)
    s: int = fld("s", 1, check=STRIDE, always=True)
    c: int = fld("c", check=POSITIVE)
    b: float = fld("b", 1.0, check=POS_FLOAT)
    g: int = fld("g", 1, check=POSITIVE)
    se: float = fld("se", 0.0, check=RATIO)
    se_at: str = fld("sa", "mid", codes={"mid": "m", "out": "o"})
    stride_at: str = fld("st", "3x3", codes={"3x3": "3", "1x1": "1"})
    se_round: str = fld("sr", "floor", codes={"floor": "f", "round": "r"}, omit_default=True)

    @property
    def width(self) -> int:
        return round_half_up(self.c * self.b)

    def _check(self) -> None:
        if self.width < 1:
            raise ValueError(f"bot.b={self.b}: bottleneck width round(c*b) must be >= 1")
        if self.width % self.g:
            raise ValueError(f"bot.g={self.g}: groups must divide the bottleneck width round(c*b)={self.width}")
        if self.se == 0.0:
            object.__setattr__(self, "se_at", "mid")
            object.__setattr__(self, "se_round", "floor")

    def squeeze(self, c_in: int) -> int:
        return round_se((c_in if self.se_at == "mid" else self.c) * self.se, self.se_round)

    def strides(self, s: int) -> tuple[int, int]:
        """(stride of the first 1x1, stride of the 3x3) for a block of stride s."""
        return (s, 1) if self.stride_at == "1x1" else (1, s)

    def cost(self, c_in: int, size: int) -> tuple[Tally, int]:
        w = self.width

        def unit(t: Tally, c: int, hw: int, s: int) -> int:
            s1, s3 = self.strides(s)
            _shortcut(t, c, self.c, hw, s)
            mid = cost.conv(t, c, w, 1, s1, hw)
            cost.bn(t, w)
            out = cost.conv(t, w, w, 3, s3, mid, groups=self.g)
            cost.bn(t, w)
            if self.se > 0 and self.se_at == "mid":
                cost.squeeze_excite(t, w, self.squeeze(c))
            cost.conv(t, w, self.c, 1, 1, out)
            cost.bn(t, self.c)
            if self.se > 0 and self.se_at == "out":
                cost.squeeze_excite(t, self.c, self.squeeze(c))
            return out

        return repeat_cost(self, c_in, size, unit)

    def unit_windows(self, stride: int) -> tuple[Window, ...]:
        """The stride on the first 1x1 (v1) doubles the jump before the 3x3: a larger field than v1.5's."""
        s1, s3 = self.strides(stride)
        return ((1, s1), (3, s3))

    def scaled(self, width_mult: float, depth_mult: float) -> Bottleneck:
        """Scaled widths keep the group width when it still divides, else the groups' largest common divisor."""
        new = replace(self, c=scale_channels(self.c, width_mult), r=scale_repeats(self.r, depth_mult), g=1)
        group_w = self.width // self.g
        if self.g > 1 and new.width % group_w == 0:
            return replace(new, g=new.width // group_w)
        return replace(new, g=math.gcd(new.width, self.g))
