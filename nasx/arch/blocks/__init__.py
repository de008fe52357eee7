"""Block specs by type token: the registry that the codec, builder and contract tests share."""
from __future__ import annotations

from nasx.arch.blocks.base import Block
from nasx.arch.blocks.conv import ConvBNAct, MaxPool
from nasx.arch.blocks.mbconv import MBConv
from nasx.arch.blocks.resnet import Basic, Bottleneck
from nasx.arch.blocks.vgg import VGGStage

BLOCKS: dict[str, type[Block]] = {cls.TYPE: cls for cls in (ConvBNAct, MaxPool, MBConv, Basic, Bottleneck, VGGStage)}
STEM_BLOCKS = ("cn", "mp")

__all__ = ["BLOCKS", "STEM_BLOCKS", "Block", "ConvBNAct", "MaxPool", "MBConv", "Basic", "Bottleneck", "VGGStage"]
