"""ResNet, ResNeXt, Wide ResNet (torchvision's v1.5), PreAct ResNet-18 and SE-ResNet-50, from one generator."""

from __future__ import annotations

from nasx.families.registry import register
from nasx.generators.resnet import resnet

# name: (stage depths, block, groups, width per group)
RESNETS = {
    "resnet18": ((2, 2, 2, 2), "basic", 1, 64),
    "resnet34": ((3, 4, 6, 3), "basic", 1, 64),
    "resnet50": ((3, 4, 6, 3), "bottleneck", 1, 64),
    "resnet101": ((3, 4, 23, 3), "bottleneck", 1, 64),
    "resnet152": ((3, 8, 36, 3), "bottleneck", 1, 64),
    "resnext50_32x4d": ((3, 4, 6, 3), "bottleneck", 32, 4),
    "resnext101_32x8d": ((3, 4, 23, 3), "bottleneck", 32, 8),
    "resnext101_64x4d": ((3, 4, 23, 3), "bottleneck", 64, 4),
    "wide_resnet50_2": ((3, 4, 6, 3), "bottleneck", 1, 128),
    "wide_resnet101_2": ((3, 4, 23, 3), "bottleneck", 1, 128),
}

for _name, (_depths, _block, _groups, _wpg) in RESNETS.items():
    register(_name, 224)(lambda d=_depths, b=_block, g=_groups, w=_wpg: resnet(d, b, groups=g, width_per_group=w))

register("preact_resnet18", 224, source="paper")(lambda: resnet((2, 2, 2, 2), "preact"))
register("se_resnet50", 224, source="paper")(
    lambda: resnet((3, 4, 6, 3), se_ratio=1 / 16, se_at="out", stride_at="1x1")
)
