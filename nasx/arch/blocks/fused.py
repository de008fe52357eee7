"""`fr`: Fused-MBConv (EfficientNetV2; timm's EdgeResidual `er`)."""

from __future__ import annotations

from dataclasses import dataclass

from nasx.arch import cost
from nasx.arch.blocks.base import Block, repeat_cost
from nasx.arch.blocks.mbconv import expanded
from nasx.arch.cost import Tally
from nasx.arch.fields import ACTIVATIONS, ODD_KERNEL, POS_FLOAT, POSITIVE, STRIDE, fld
from nasx.arch.receptive import Window


@dataclass(frozen=True, kw_only=True)
class FusedMBConv(Block):
    """Fused-MBConv: k x k expand conv (stride) + BN + act -> 1x1 project + BN. Residual when stride 1 and
    c_in == c.

    e: expansion; mid channels as `ir` (round(c_in * e), or make_divisible(c_in * e, md) with md > 1).
    With mid == c_in the block is a single k x k conv + BN + act straight to c (torchvision), unless `x`
    keeps the 1x1 projection (timm's `er` with e=1: EfficientNetV2-rw).
    """

    TYPE = "fr"
    DROP_PATH = True
    r: int = fld("r", 1, check=POSITIVE, always=True)
    k: int = fld("k", check=ODD_KERNEL)
    s: int = fld("s", 1, check=STRIDE, always=True)
    e: float = fld("e", 1.0, check=POS_FLOAT)
    c: int = fld("c", check=POSITIVE)
    act: str = fld("n", "relu", codes=ACTIVATIONS)
    skip: bool = fld("skip", True)
    expand: bool = fld("x", False, omit_default=True)
    mid_div: int = fld("md", 1, check=POSITIVE, omit_default=True)

    def mid(self, c_in: int) -> int:
        return expanded(c_in, self.e, self.mid_div)

    def single_conv(self, c_in: int) -> bool:
        """True when the block is one k x k conv to c (no 1x1 projection)."""
        return self.mid(c_in) == c_in and not self.expand

    def cost(self, c_in: int, size: int) -> tuple[Tally, int]:
        def unit(t: Tally, c: int, hw: int, s: int) -> int:
            if self.single_conv(c):
                hw = cost.conv(t, c, self.c, self.k, s, hw)
                cost.bn(t, self.c)
                return hw
            mid = self.mid(c)
            hw = cost.conv(t, c, mid, self.k, s, hw)
            cost.bn(t, mid)
            cost.conv(t, mid, self.c, 1, 1, hw)
            cost.bn(t, self.c)
            return hw

        return repeat_cost(self, c_in, size, unit)

    def unit_windows(self, stride: int) -> tuple[Window, ...]:
        return ((self.k, stride),)
