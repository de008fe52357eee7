"""MnasNet-B1 (torchvision mnasnet0_5 / mnasnet1_0) and MnasNet-A1 with SE (Tan et al., 2019)."""

from __future__ import annotations

from nasx.arch.blocks import ConvBNAct, MBConv
from nasx.arch.head import Head
from nasx.arch.rounding import make_divisible
from nasx.arch.spec import ArchSpec
from nasx.families.registry import register

# (kernel, stride, expansion, repeats) of the six inverted-residual stacks of MnasNet-B1
B1_STACKS = ((3, 2, 3, 3), (5, 2, 3, 3), (5, 2, 6, 3), (3, 1, 6, 2), (5, 2, 6, 4), (3, 1, 6, 1))
B1_WIDTHS = (32, 16, 24, 40, 80, 96, 192, 320)  # stem, separable conv, then the six stacks


def mnasnet(alpha: float = 1.0) -> ArchSpec:
    """MnasNet-B1 at width multiplier alpha: widths make_divisible(w * alpha, 8), head conv 1280."""
    w = [make_divisible(c * alpha, 8) for c in B1_WIDTHS]
    stages = [MBConv(r=1, k=3, s=1, e=1, c=w[1], skip=False)]
    stages += [MBConv(r=r, k=k, s=s, e=e, c=c) for (k, s, e, r), c in zip(B1_STACKS, w[2:])]
    return ArchSpec(stem=(ConvBNAct(k=3, s=2, c=w[0]),), stages=tuple(stages), head=Head(c=1280, dropout=0.2))


def mnasnet_a1() -> ArchSpec:
    """MnasNet-A1 (paper Fig. 7a): SE (ratio 0.25 of the block input) in three stages, ReLU."""
    stages = (
        MBConv(r=1, k=3, s=1, e=1, c=16, skip=False),
        MBConv(r=2, k=3, s=2, e=6, c=24),
        MBConv(r=3, k=5, s=2, e=3, c=40, se=0.25),
        MBConv(r=4, k=3, s=2, e=6, c=80),
        MBConv(r=2, k=3, s=1, e=6, c=112, se=0.25),
        MBConv(r=3, k=5, s=2, e=6, c=160, se=0.25),
        MBConv(r=1, k=3, s=1, e=6, c=320),
    )
    return ArchSpec(stem=(ConvBNAct(k=3, s=2, c=32),), stages=stages, head=Head(c=1280, dropout=0.2))


register("mnasnet0_5", 224)(lambda: mnasnet(0.5))
register("mnasnet1_0", 224)(lambda: mnasnet(1.0))
register("mnasnet_a1", 224, source="paper")(mnasnet_a1)
