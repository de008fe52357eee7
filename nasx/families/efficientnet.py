"""EfficientNet-B0, B1..B7 scaled from it by the official multipliers, and EfficientNetV2-S."""

from __future__ import annotations

from dataclasses import replace

from nasx.arch.blocks import ConvBNAct, FusedMBConv, MBConv
from nasx.arch.head import Head
from nasx.arch.spec import ArchSpec
from nasx.families.registry import register
from nasx.generators.compound import scale_spec

# (width_mult, depth_mult, paper resolution, dropout), tensorflow/tpu efficientnet_builder
VARIANTS = {
    "b0": (1.0, 1.0, 224, 0.2),
    "b1": (1.0, 1.1, 240, 0.2),
    "b2": (1.1, 1.2, 260, 0.3),
    "b3": (1.2, 1.4, 300, 0.3),
    "b4": (1.4, 1.8, 380, 0.4),
    "b5": (1.6, 2.2, 456, 0.4),
    "b6": (1.8, 2.6, 528, 0.5),
    "b7": (2.0, 3.1, 600, 0.5),
}
# torchvision's eval crop, the resolution of its published MACs (b2 differs from the paper's 260)
EVAL_RESOLUTION = {"b2": 288}
# timm builds the same B0..B7 under the same names; its pretrained_cfg input sizes
TIMM_RESOLUTION = {"b0": 224, "b1": 240, "b2": 256, "b3": 288, "b4": 320, "b5": 448, "b6": 528, "b7": 600}


def efficientnet_b0() -> ArchSpec:
    """EfficientNet-B0: the MnasNet-space network found under a 400M-MACs target (Tan & Le, 2019)."""

    def mb(r, k, s, e, c):
        return MBConv(r=r, k=k, s=s, e=e, c=c, se=0.25, act="swish")

    stages = (
        mb(1, 3, 1, 1, 16),
        mb(2, 3, 2, 6, 24),
        mb(2, 5, 2, 6, 40),
        mb(3, 3, 2, 6, 80),
        mb(3, 5, 1, 6, 112),
        mb(4, 5, 2, 6, 192),
        mb(1, 3, 1, 6, 320),
    )
    return ArchSpec(
        stem=(ConvBNAct(k=3, s=2, c=32, act="swish"),),
        stages=stages,
        head=Head(c=1280, act="swish", dropout=0.2),
        resolution=224,
        drop_path=0.2,
    )


def efficientnet(variant: str) -> ArchSpec:
    width, depth, resolution, dropout = VARIANTS[variant]
    spec = scale_spec(efficientnet_b0(), width, depth, resolution)
    return replace(spec, head=replace(spec.head, dropout=dropout))


for _v, (_w, _d, _res, _p) in VARIANTS.items():
    register(f"efficientnet_{_v}", EVAL_RESOLUTION.get(_v, _res), timm_resolution=TIMM_RESOLUTION[_v])(
        lambda v=_v: efficientnet(v)
    )


@register("efficientnet_v2_s", 384)
def efficientnet_v2_s() -> ArchSpec:
    """EfficientNetV2-S (Tan & Le, 2021): Fused-MBConv in the first three stages, MBConv with SE after."""
    stages = (
        FusedMBConv(r=2, k=3, s=1, e=1, c=24, act="swish"),
        FusedMBConv(r=4, k=3, s=2, e=4, c=48, act="swish"),
        FusedMBConv(r=4, k=3, s=2, e=4, c=64, act="swish"),
        MBConv(r=6, k=3, s=2, e=4, c=128, se=0.25, act="swish"),
        MBConv(r=9, k=3, s=1, e=6, c=160, se=0.25, act="swish"),
        MBConv(r=15, k=3, s=2, e=6, c=256, se=0.25, act="swish"),
    )
    return ArchSpec(
        stem=(ConvBNAct(k=3, s=2, c=24, act="swish"),),
        stages=stages,
        head=Head(c=1280, act="swish", dropout=0.2),
        drop_path=0.2,
    )
