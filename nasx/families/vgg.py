"""VGG-11/16/19 (configurations A, D, E of Simonyan & Zisserman, 2015), with and without BN."""

from __future__ import annotations

from nasx.arch.blocks import VGGStage
from nasx.arch.head import Head
from nasx.arch.spec import ArchSpec
from nasx.families.registry import register

# convs per stage for widths 64, 128, 256, 512, 512
CONFIGS = {"vgg11": (1, 1, 2, 2, 2), "vgg16": (2, 2, 3, 3, 3), "vgg19": (2, 2, 4, 4, 4)}
WIDTHS = (64, 128, 256, 512, 512)


def vgg(convs: tuple[int, ...], bn: bool = False) -> ArchSpec:
    stages = tuple(VGGStage(r=r, c=c, bn=bn) for r, c in zip(convs, WIDTHS))
    return ArchSpec(stages=stages, head=Head(pool=7, hidden=(4096, 4096), dropout=0.5))


for _name, _convs in CONFIGS.items():
    register(_name, 224)(lambda c=_convs: vgg(c))
for _name in ("vgg11", "vgg16"):
    register(f"{_name}_bn", 224)(lambda c=CONFIGS[_name]: vgg(c, bn=True))
