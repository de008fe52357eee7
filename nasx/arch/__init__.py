"""The architecture language: pure data, no torch."""

from nasx.arch.blocks import BLOCKS, Basic, Block, Bottleneck, ConvBNAct, MaxPool, MBConv, VGGStage
from nasx.arch.codec import decode, encode
from nasx.arch.head import Head
from nasx.arch.spec import ArchSpec

__all__ = [
    "ArchSpec",
    "Head",
    "Block",
    "BLOCKS",
    "ConvBNAct",
    "MaxPool",
    "MBConv",
    "Basic",
    "Bottleneck",
    "VGGStage",
    "encode",
    "decode",
]
