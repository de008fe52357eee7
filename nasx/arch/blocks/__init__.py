"""Block specs by type token: the registry that the codec, builder and contract tests share."""

from __future__ import annotations

from nasx.arch.blocks.base import Block
from nasx.arch.blocks.branches import (
    BranchBlock,
    Fire,
    Inception,
    InceptionA,
    InceptionB,
    InceptionC,
    InceptionD,
    InceptionE,
)
from nasx.arch.blocks.conv import ConvBNAct, MaxPool
from nasx.arch.blocks.densenet import DenseBlock, Transition
from nasx.arch.blocks.fused import FusedMBConv
from nasx.arch.blocks.mbconv import MBConv
from nasx.arch.blocks.resnet import Basic, Bottleneck, PreActBasic
from nasx.arch.blocks.shufflenet import ShuffleUnit
from nasx.arch.blocks.vgg import VGGStage

BLOCKS: dict[str, type[Block]] = {
    cls.TYPE: cls
    for cls in (
        ConvBNAct,
        MaxPool,
        MBConv,
        FusedMBConv,
        Basic,
        PreActBasic,
        Bottleneck,
        VGGStage,
        DenseBlock,
        Transition,
        ShuffleUnit,
        Fire,
        Inception,
        InceptionA,
        InceptionB,
        InceptionC,
        InceptionD,
        InceptionE,
    )
}
STEM_BLOCKS = ("cn", "mp")

__all__ = [
    "BLOCKS",
    "STEM_BLOCKS",
    "Block",
    "BranchBlock",
    "ConvBNAct",
    "MaxPool",
    "MBConv",
    "FusedMBConv",
    "Basic",
    "PreActBasic",
    "Bottleneck",
    "VGGStage",
    "DenseBlock",
    "Transition",
    "ShuffleUnit",
    "Fire",
    "Inception",
    "InceptionA",
    "InceptionB",
    "InceptionC",
    "InceptionD",
    "InceptionE",
]
