"""GoogLeNet (Inception-v1, Szegedy et al., 2015) and Inception-v3 (Szegedy et al., 2016), no auxiliary heads."""

from __future__ import annotations

from nasx.arch.blocks import ConvBNAct, Inception, InceptionA, InceptionB, InceptionC, InceptionD, InceptionE, MaxPool
from nasx.arch.head import Head
from nasx.arch.spec import ArchSpec
from nasx.families.registry import register

# (1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj) of modules 3a..5b, the paper's Table 1
GOOGLENET = {
    "3a": (64, 96, 128, 16, 32, 32),
    "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64),
    "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}


@register("googlenet", 224)
def googlenet() -> ArchSpec:
    """torchvision's GoogLeNet: the "5x5" branch uses a 3x3 kernel; ceil-mode max pooling."""

    def module(name: str) -> Inception:
        a, br, b, cr, c, d = GOOGLENET[name]
        return Inception(a=a, br=br, b=b, cr=cr, c=c, ck=3, d=d)

    def pool(k: int = 3) -> MaxPool:
        return MaxPool(k=k, s=2, p=0, ceil=True)

    stem = (ConvBNAct(k=7, s=2, c=64), pool(), ConvBNAct(k=1, s=1, c=64), ConvBNAct(k=3, s=1, c=192), pool())
    stages = (
        module("3a"),
        module("3b"),
        pool(),
        *(module(m) for m in ("4a", "4b", "4c", "4d", "4e")),
        pool(2),
        module("5a"),
        module("5b"),
    )
    return ArchSpec(stem=stem, stages=stages, head=Head(dropout=0.2))


@register("inception_v3", 299)
def inception_v3() -> ArchSpec:
    """Inception-v3 with torchvision's module widths (Mixed_5b .. Mixed_7c)."""
    stem = (
        ConvBNAct(k=3, s=2, p=0, c=32),
        ConvBNAct(k=3, s=1, p=0, c=32),
        ConvBNAct(k=3, s=1, c=64),
        MaxPool(k=3, s=2, p=0),
        ConvBNAct(k=1, s=1, c=80),
        ConvBNAct(k=3, s=1, p=0, c=192),
        MaxPool(k=3, s=2, p=0),
    )
    stages = (
        InceptionA(pp=32),
        InceptionA(r=2, pp=64),
        InceptionB(),
        InceptionC(m=128),
        InceptionC(r=2, m=160),
        InceptionC(m=192),
        InceptionD(),
        InceptionE(r=2),
    )
    return ArchSpec(stem=stem, stages=stages, head=Head(dropout=0.5))
