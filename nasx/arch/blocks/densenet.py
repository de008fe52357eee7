"""`dense` and `tr`: DenseNet's dense block and transition (Huang et al., 2017)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from nasx.arch import cost
from nasx.arch.blocks.base import Block
from nasx.arch.cost import Tally
from nasx.arch.fields import POSITIVE, fld
from nasx.arch.receptive import Window
from nasx.arch.rounding import scale_channels, scale_repeats


@dataclass(frozen=True, kw_only=True)
class DenseBlock(Block):
    """r dense layers, each BN-ReLU-1x1 (bs * gr)-BN-ReLU-3x3 (gr) concatenated to its input:
    c_in channels in, c_in + r * gr out. gr: growth rate, bs: bottleneck size."""

    TYPE = "dense"
    r: int = fld("r", 1, check=POSITIVE, always=True)
    gr: int = fld("gr", check=POSITIVE)
    bs: int = fld("bs", 4, check=POSITIVE)

    def out_channels(self, c_in: int) -> int:
        return c_in + self.r * self.gr

    def cost(self, c_in: int, size: int) -> tuple[Tally, int]:
        # layer i sees c_in + i * gr channels: the sums over i are closed forms, O(1) in the repeats
        t, r, inner, positions = Tally(), self.r, self.bs * self.gr, size * size
        channels = r * c_in + self.gr * r * (r - 1) // 2  # sum of every layer's input width
        t.params = 2 * channels + channels * inner + r * (2 * inner + 9 * inner * self.gr)
        t.macs = (channels * inner + r * 9 * inner * self.gr) * positions
        t.acts = r * (inner + self.gr) * positions
        return t, size

    def unit_windows(self, stride: int) -> tuple[Window, ...]:
        return ((3, 1),)

    def scaled(self, width_mult: float, depth_mult: float) -> DenseBlock:
        return replace(self, r=scale_repeats(self.r, depth_mult), gr=scale_channels(self.gr, width_mult))


@dataclass(frozen=True, kw_only=True)
class Transition(Block):
    """BN-ReLU-1x1 conv to floor(c_in * cr) channels, then 2x2 average pooling with stride 2."""

    TYPE = "tr"
    cr: float = fld("cr", 0.5, check=(lambda v: 0.0 < v <= 1.0, "compression must be in (0, 1]"))

    def out_channels(self, c_in: int) -> int:
        return max(1, int(c_in * self.cr))

    def cost(self, c_in: int, size: int) -> tuple[Tally, int]:
        t = Tally()
        cost.bn(t, c_in)
        cost.conv(t, c_in, self.out_channels(c_in), 1, 1, size)
        return t, cost.conv_out(size, 2, 2, 0)

    def windows(self) -> tuple[Window, ...]:
        return ((2, 2),)
