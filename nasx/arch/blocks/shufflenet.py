"""`shuffle`: the ShuffleNetV2 unit (Ma et al., 2018), channel split, two branches, channel shuffle."""

from __future__ import annotations

from dataclasses import dataclass

from nasx.arch import cost
from nasx.arch.blocks.base import Block, repeat_cost
from nasx.arch.cost import Tally
from nasx.arch.fields import POSITIVE, STRIDE, fld
from nasx.arch.receptive import Window


@dataclass(frozen=True, kw_only=True)
class ShuffleUnit(Block):
    """Stride 2: both branches see the whole input (branch 1: dw 3x3 s2-BN-1x1-BN-ReLU). Stride 1: the
    input is split in halves and one half goes through 1x1-BN-ReLU-dw 3x3-BN-1x1-BN-ReLU. Each branch
    outputs c/2; the concatenation is shuffled across the two groups."""

    TYPE = "shuffle"
    r: int = fld("r", 1, check=POSITIVE, always=True)
    s: int = fld("s", 2, check=STRIDE, always=True)
    c: int = fld("c", check=POSITIVE)

    def _check(self) -> None:
        if self.c % 2:
            raise ValueError(f"shuffle.c={self.c}: output channels must be even (two branches of c/2)")

    def check_input(self, c_in: int) -> None:
        if self.s == 1 and c_in != self.c:
            raise ValueError(
                f"shuffle.s=1: a stride-1 unit keeps its width, but the input has {c_in} channels and c={self.c}"
            )

    def cost(self, c_in: int, size: int) -> tuple[Tally, int]:
        half = self.c // 2

        def unit(t: Tally, c: int, hw: int, s: int) -> int:
            if s > 1:
                reduced = cost.conv(t, c, c, 3, s, hw, groups=c)
                cost.bn(t, c)
                cost.conv(t, c, half, 1, 1, reduced)
                cost.bn(t, half)
            cost.conv(t, c if s > 1 else half, half, 1, 1, hw)
            cost.bn(t, half)
            out = cost.conv(t, half, half, 3, s, hw, groups=half)
            cost.bn(t, half)
            cost.conv(t, half, half, 1, 1, out)
            cost.bn(t, half)
            return out

        return repeat_cost(self, c_in, size, unit)

    def unit_windows(self, stride: int) -> tuple[Window, ...]:
        return ((3, stride),)  # both branches of a stride-2 unit: one 3x3 depthwise conv
