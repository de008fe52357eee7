"""Compact and early CNNs: ShuffleNetV2 (Ma et al., 2018), SqueezeNet (Iandola et al., 2016), AlexNet (2012)."""

from __future__ import annotations

from nasx.arch.blocks import ConvBNAct, Fire, MaxPool, ShuffleUnit
from nasx.arch.head import Head
from nasx.arch.spec import ArchSpec
from nasx.families.registry import register


@register("shufflenet_v2_x1_0", 224)
def shufflenet_v2_x1_0() -> ArchSpec:
    stages = (ShuffleUnit(r=4, s=2, c=116), ShuffleUnit(r=8, s=2, c=232), ShuffleUnit(r=4, s=2, c=464))
    return ArchSpec(stem=(ConvBNAct(k=3, s=2, c=24), MaxPool(k=3, s=2)), stages=stages, head=Head(c=1024))


def _ceil_pool() -> MaxPool:
    return MaxPool(k=3, s=2, p=0, ceil=True)


@register("squeezenet1_0", 224)
def squeezenet1_0() -> ArchSpec:
    stages = (
        Fire(r=2, q=16, x=64),
        Fire(q=32, x=128),
        _ceil_pool(),
        Fire(q=32, x=128),
        Fire(r=2, q=48, x=192),
        Fire(q=64, x=256),
        _ceil_pool(),
        Fire(q=64, x=256),
    )
    return ArchSpec(
        stem=(ConvBNAct(k=7, s=2, p=0, c=96, bn=False), _ceil_pool()),
        stages=stages,
        head=Head(conv_cls=True, dropout=0.5),
    )


@register("squeezenet1_1", 224)
def squeezenet1_1() -> ArchSpec:
    stages = (
        Fire(r=2, q=16, x=64),
        _ceil_pool(),
        Fire(r=2, q=32, x=128),
        _ceil_pool(),
        Fire(r=2, q=48, x=192),
        Fire(r=2, q=64, x=256),
    )
    return ArchSpec(
        stem=(ConvBNAct(k=3, s=2, p=0, c=64, bn=False), _ceil_pool()),
        stages=stages,
        head=Head(conv_cls=True, dropout=0.5),
    )


@register("alexnet", 224)
def alexnet() -> ArchSpec:
    """torchvision's single-tower AlexNet: plain convs with bias, no BN."""

    def pool() -> MaxPool:
        return MaxPool(k=3, s=2, p=0)

    stages = (
        ConvBNAct(k=5, s=1, c=192, bn=False),
        pool(),
        ConvBNAct(k=3, s=1, c=384, bn=False),
        ConvBNAct(r=2, k=3, s=1, c=256, bn=False),
        pool(),
    )
    return ArchSpec(
        stem=(ConvBNAct(k=11, s=4, p=2, c=64, bn=False), pool()),
        stages=stages,
        head=Head(pool=6, hidden=(4096, 4096), dropout=0.5),
    )
