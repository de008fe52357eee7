"""`vgg`: a plain VGG stage, r 3x3 convs (bias, optional BN, ReLU) then 2x2 max pooling."""

from __future__ import annotations

from dataclasses import dataclass

from nasx.arch import cost
from nasx.arch.blocks.base import Block, State, repeated
from nasx.arch.cost import Tally
from nasx.arch.fields import POSITIVE, fld
from nasx.arch.receptive import Window


@dataclass(frozen=True, kw_only=True)
class VGGStage(Block):
    TYPE = "vgg"
    r: int = fld("r", 1, check=POSITIVE, always=True)
    c: int = fld("c", check=POSITIVE)
    bn: bool = fld("bn", False)

    def cost(self, c_in: int, size: int) -> tuple[Tally, int]:
        def step(t: Tally, c: int, hw: int, s: int) -> State:
            cost.conv(t, c, self.c, 3, 1, hw, bias=True)
            if self.bn:
                cost.bn(t, self.c)
            return self.c, hw, 1

        t, size = repeated(Tally(), self.r, (c_in, size, 1), step)
        return t, cost.conv_out(size, 2, 2, 0)

    def windows(self) -> tuple[Window, ...]:
        return ((3, 1),) * self.r + ((2, 2),)
