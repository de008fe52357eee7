"""`cn`: conv-bn-act, repeated; and `mp`: max (or average) pooling."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from nasx.arch import cost
from nasx.arch.blocks.base import Block, repeat_cost
from nasx.arch.cost import Tally
from nasx.arch.fields import ACTIVATIONS, ODD_KERNEL, POSITIVE, fld
from nasx.arch.receptive import Window
from nasx.arch.rounding import scale_channels, scale_repeats


@dataclass(frozen=True, kw_only=True)
class ConvBNAct(Block):
    """k x k conv (groups g, padding p, default (k-1)//2) + BN + act, repeated r times.

    Without BN (`nobn`) the conv has a bias, as in AlexNet-style plain convs.
    """

    TYPE = "cn"
    r: int = fld("r", 1, check=POSITIVE, always=True)
    k: int = fld("k", check=ODD_KERNEL)
    s: int = fld("s", 1, check=(lambda v: v in (1, 2, 4), "stride must be 1, 2 or 4"), always=True)
    c: int = fld("c", check=POSITIVE)
    g: int = fld("g", 1, check=POSITIVE)
    p: int | None = fld("p", None, check=(lambda v: v >= 0, "padding must be >= 0"))
    act: str = fld("n", "relu", codes=ACTIVATIONS)
    bn: bool = fld("bn", True)

    def _check(self) -> None:
        if self.c % self.g:
            raise ValueError(f"cn.g={self.g}: groups must divide the output channels c={self.c}")

    def check_input(self, c_in: int) -> None:
        if c_in % self.g:
            raise ValueError(f"cn.g={self.g}: groups must divide the input channels {c_in}")

    def scaled(self, width_mult: float, depth_mult: float) -> ConvBNAct:
        """A depthwise conv (g == c) stays depthwise; other groups keep their largest common divisor."""
        c = scale_channels(self.c, width_mult)
        g = c if self.g == self.c else math.gcd(c, self.g)
        return replace(self, c=c, r=scale_repeats(self.r, depth_mult), g=g)

    def cost(self, c_in: int, size: int) -> tuple[Tally, int]:
        def unit(t: Tally, c: int, hw: int, s: int) -> int:
            hw = cost.conv(t, c, self.c, self.k, s, hw, groups=self.g, p=self.p, bias=not self.bn)
            if self.bn:
                cost.bn(t, self.c)
            return hw

        return repeat_cost(self, c_in, size, unit)

    def unit_windows(self, stride: int) -> tuple[Window, ...]:
        return ((self.k, stride),)


@dataclass(frozen=True, kw_only=True)
class MaxPool(Block):
    """k x k max pooling with stride s and padding p (default (k-1)//2); `ceil` rounds the output size up;
    `avg` averages instead (padded zeros count in the average, as torch's AvgPool2d). No parameters."""

    TYPE = "mp"
    k: int = fld("k", check=POSITIVE)
    s: int = fld("s", 2, check=(lambda v: v in (1, 2), "stride must be 1 or 2"), always=True)
    p: int | None = fld("p", None, check=(lambda v: v >= 0, "padding must be >= 0"))
    ceil: bool = fld("ceil", False)
    avg: bool = fld("avg", False)

    @property
    def padding(self) -> int:
        return (self.k - 1) // 2 if self.p is None else self.p

    def _check(self) -> None:
        if 2 * self.padding > self.k:
            raise ValueError(f"mp.p={self.p}: padding must be at most half the kernel k={self.k}")

    def out_channels(self, c_in: int) -> int:
        return c_in

    def cost(self, c_in: int, size: int) -> tuple[Tally, int]:
        return Tally(), cost.conv_out(size, self.k, self.s, self.padding, self.ceil)

    def unit_windows(self, stride: int) -> tuple[Window, ...]:
        return ((self.k, stride),)
