"""ResNet, ResNeXt and Wide ResNet from one generator (torchvision v1.5: stride on the 3x3 conv)."""

from __future__ import annotations

from nasx.arch.blocks import Basic, Block, Bottleneck, ConvBNAct, MaxPool, PreActBasic
from nasx.arch.head import Head
from nasx.arch.spec import ArchSpec

BLOCK_TYPES = ("basic", "preact", "bottleneck")


def resnet(
    depths: tuple[int, ...],
    block: str = "bottleneck",
    *,
    groups: int = 1,
    width_per_group: int = 64,
    base_width: int = 64,
    se_ratio: float = 0.0,
    se_at: str = "mid",
    stride_at: str = "3x3",
    num_classes: int = 1000,
    resolution: int = 224,
) -> ArchSpec:
    """Stage i has planes = base_width * 2^i; a bottleneck outputs 4 * planes with inner width
    planes * width_per_group / 64 * groups (ResNeXt 32x4d: groups=32, width_per_group=4;
    Wide ResNet-50-2: width_per_group=128). "preact" blocks end in a BN-ReLU head; SENet puts
    SE at the block output (se_at="out") and, like ResNet v1, the stride on the 1x1 (stride_at="1x1")."""
    if block not in BLOCK_TYPES:
        raise ValueError(f"block={block!r}: must be one of {', '.join(BLOCK_TYPES)}")
    if not depths or any(d < 1 for d in depths):
        raise ValueError(f"depths={depths!r}: need one or more positive stage depths")
    stages: list[Block] = []
    for i, d in enumerate(depths):
        planes, stride = base_width * 2**i, 1 if i == 0 else 2
        if block == "basic":
            stages.append(Basic(r=d, s=stride, c=planes))
        elif block == "preact":
            stages.append(PreActBasic(r=d, s=stride, c=planes))
        else:
            inner = int(planes * width_per_group / 64) * groups
            out = 4 * planes
            stages.append(
                Bottleneck(r=d, s=stride, c=out, b=inner / out, g=groups, se=se_ratio, se_at=se_at, stride_at=stride_at)
            )
    stem = (ConvBNAct(k=7, s=2, c=base_width), MaxPool(k=3, s=2))
    return ArchSpec(
        stem=stem,
        stages=tuple(stages),
        head=Head(norm=block == "preact"),
        resolution=resolution,
        num_classes=num_classes,
    )
