"""DenseNet-121/169/201 (Huang et al., 2017): growth 32, bottleneck 4, compression 0.5."""

from __future__ import annotations

from nasx.arch.blocks import Block, ConvBNAct, DenseBlock, MaxPool, Transition
from nasx.arch.head import Head
from nasx.arch.spec import ArchSpec
from nasx.families.registry import register

DEPTHS = {"densenet121": (6, 12, 24, 16), "densenet169": (6, 12, 32, 32), "densenet201": (6, 12, 48, 32)}


def densenet(depths: tuple[int, ...], growth: int = 32, stem_w: int = 64) -> ArchSpec:
    stages: list[Block] = []
    for i, d in enumerate(depths):
        stages.append(DenseBlock(r=d, gr=growth))
        if i < len(depths) - 1:
            stages.append(Transition(cr=0.5))
    return ArchSpec(stem=(ConvBNAct(k=7, s=2, c=stem_w), MaxPool(k=3, s=2)), stages=tuple(stages), head=Head(norm=True))


for _name, _depths in DEPTHS.items():
    register(_name, 224)(lambda d=_depths: densenet(d))
