"""MobileNetV1 (Howard et al., 2017), V2 (Sandler et al., 2018) and V3 Large/Small (Howard et al., 2019)."""

from __future__ import annotations

from nasx.arch.blocks import ConvBNAct, MBConv
from nasx.arch.head import Head
from nasx.arch.rounding import make_divisible
from nasx.arch.spec import ArchSpec
from nasx.families.registry import register

# (output channels, stride of the depthwise conv) of V1's 13 depthwise-separable layers, the paper's Table 1
V1_LAYERS = (
    (64, 1),
    (128, 2),
    (128, 1),
    (256, 2),
    (256, 1),
    (512, 2),
    (512, 1),
    (512, 1),
    (512, 1),
    (512, 1),
    (512, 1),
    (1024, 2),
    (1024, 1),
)


def mobilenet_v1(width_mult: float = 1.0) -> ArchSpec:
    """MobileNetV1: 3x3 depthwise conv-BN-ReLU then 1x1 conv-BN-ReLU, both as `cn` stages."""

    def w(c: int) -> int:
        return make_divisible(c * width_mult, 8)

    c_in, stages = w(32), []
    for c, s in V1_LAYERS:
        stages += [ConvBNAct(k=3, s=s, c=c_in, g=c_in), ConvBNAct(k=1, s=1, c=w(c))]
        c_in = w(c)
    return ArchSpec(stem=(ConvBNAct(k=3, s=2, c=w(32)),), stages=tuple(stages), head=Head())


# (expansion t, channels c, repeats n, stride s), the paper's Table 2
V2_SETTINGS = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)


def mobilenet_v2(width_mult: float = 1.0) -> ArchSpec:
    """MobileNetV2 with channels make_divisible(c * width_mult, 8) and ReLU6."""

    def w(c: int) -> int:
        return make_divisible(c * width_mult, 8)

    stages = tuple(MBConv(r=n, k=3, s=s, e=t, c=w(c), act="relu6") for t, c, n, s in V2_SETTINGS)
    return ArchSpec(
        stem=(ConvBNAct(k=3, s=2, c=w(32), act="relu6"),),
        stages=stages,
        head=Head(c=make_divisible(1280 * max(1.0, width_mult), 8), act="relu6", dropout=0.2),
    )


def _v3(r, k, s, e, c, se, act) -> MBConv:
    """A MobileNetV3 stage: SE on the expanded channels (make_divisible(mid/4, 8)), ReLU + h-sigmoid in SE."""
    return MBConv(
        r=r, k=k, s=s, e=e, c=c, se=0.25 if se else 0.0, se_base="mid", act=act, se_act="relu", se_gate="hsigmoid"
    )


def mobilenet_v3_large() -> ArchSpec:
    re, hs = "relu", "hswish"
    stages = (
        _v3(1, 3, 1, 1, 16, False, re),
        _v3(1, 3, 2, 4, 24, False, re),
        _v3(1, 3, 1, 3, 24, False, re),
        _v3(3, 5, 2, 3, 40, True, re),
        _v3(1, 3, 2, 6, 80, False, hs),
        _v3(1, 3, 1, 2.5, 80, False, hs),
        _v3(2, 3, 1, 2.3, 80, False, hs),
        _v3(2, 3, 1, 6, 112, True, hs),
        _v3(3, 5, 2, 6, 160, True, hs),
    )
    return ArchSpec(
        stem=(ConvBNAct(k=3, s=2, c=16, act=hs),),
        stages=stages,
        head=Head(c=960, act=hs, hidden=(1280,), hidden_act=hs, dropout=0.2),
    )


def mobilenet_v3_small() -> ArchSpec:
    re, hs = "relu", "hswish"
    stages = (
        _v3(1, 3, 2, 1, 16, True, re),
        _v3(1, 3, 2, 4.5, 24, False, re),
        _v3(1, 3, 1, 3.67, 24, False, re),
        _v3(1, 5, 2, 4, 40, True, hs),
        _v3(2, 5, 1, 6, 40, True, hs),
        _v3(2, 5, 1, 3, 48, True, hs),
        _v3(3, 5, 2, 6, 96, True, hs),
    )
    return ArchSpec(
        stem=(ConvBNAct(k=3, s=2, c=16, act=hs),),
        stages=stages,
        head=Head(c=576, act=hs, hidden=(1024,), hidden_act=hs, dropout=0.2),
    )


register("mobilenet_v2", 224)(mobilenet_v2)
register("mobilenet_v3_large", 224)(mobilenet_v3_large)
register("mobilenet_v3_small", 224)(mobilenet_v3_small)
register("mobilenet_v1", 224, source="paper")(mobilenet_v1)
