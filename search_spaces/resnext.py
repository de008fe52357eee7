"""`resnext`: bottleneck ResNets with free stage depths and widths, cardinality, bottleneck width, SE.

Parameters (stage i = 1..4, output stride 4 after the ResNet stem, then 1, 2, 2, 2):
  d{i}      blocks in stage i: 1..8 (stage 3: 1..36, so ResNet-101/152 depths are points)
  w{i}      output channels of stage i: {0.5, 0.75, 1, 1.25, 1.5} x ResNet's (256, 512, 1024, 2048)
  groups    cardinality of the 3x3 conv: 1, 2, 4, ..., 64
  b         bottleneck width ratio, inner width round(w * b): 0.25 (ResNet), 0.5 (ResNeXt 32x4d,
            Wide ResNet-2), 1.0 (ResNeXt 64x4d)
  se        squeeze-and-excite on the block output: 0 (off) or 1/16 of the width (SENet)
A combination is invalid when the groups do not divide a stage's inner width; sampling rejects it.
Stem: 7x7 s2 conv 64 + 3x3 s2 max pool; head: pool + linear; stride on the 3x3 conv (torchvision).
"""

from __future__ import annotations

from typing import Any

from nasx.arch.blocks import Block, Bottleneck, ConvBNAct, MaxPool
from nasx.arch.head import Head
from nasx.arch.rounding import round_half_up
from nasx.arch.spec import ArchSpec
from nasx.search_spaces import register
from nasx.search_spaces.base import Size, Space
from nasx.search_spaces.params import Choice, IntRange, Param

BASE_WIDTHS = (256, 512, 1024, 2048)
WIDTH_MULTS = (0.5, 0.75, 1.0, 1.25, 1.5)
MAX_DEPTHS = (8, 8, 36, 8)
GROUPS = (1, 2, 4, 8, 16, 32, 64)
RATIOS = (0.25, 0.5, 1.0)
SE_RATIOS = (0.0, 0.0625)
STRIDES = (1, 2, 2, 2)

TINY = {
    "d1": 1,
    "d2": 1,
    "d3": 1,
    "d4": 1,
    "w1": 128,
    "w2": 256,
    "w3": 512,
    "w4": 1024,
    "groups": 1,
    "b": 0.25,
    "se": 0.0,
}


def stem() -> tuple[Block, ...]:
    return (ConvBNAct(k=7, s=2, c=64), MaxPool(k=3, s=2))


@register("resnext")
class ResNeXtSpace(Space):
    name = "resnext"

    def parameters(self) -> tuple[Param, ...]:
        return (
            *(IntRange(f"d{i + 1}", 1, m) for i, m in enumerate(MAX_DEPTHS)),
            *(Choice(f"w{i + 1}", tuple(int(w * m) for m in WIDTH_MULTS)) for i, w in enumerate(BASE_WIDTHS)),
            Choice("groups", GROUPS),
            Choice("b", RATIOS),
            Choice("se", SE_RATIOS),
        )

    def _generate(self, values: dict[str, Any]) -> ArchSpec:
        stages = tuple(
            Bottleneck(
                r=values[f"d{i + 1}"],
                s=STRIDES[i],
                c=values[f"w{i + 1}"],
                b=values["b"],
                g=values["groups"],
                se=values["se"],
                se_at="out",
            )
            for i in range(4)
        )
        return ArchSpec(
            stem=stem(), stages=stages, head=Head(), resolution=self.resolution, num_classes=self.num_classes
        )

    def params_of(self, spec: ArchSpec) -> dict[str, Any]:
        stages = [s for s in spec.stages if isinstance(s, Bottleneck)]
        if len(stages) == 4 and len(spec.stages) == 4:
            first = stages[0]
            values = {
                **{f"d{i + 1}": s.r for i, s in enumerate(stages)},
                **{f"w{i + 1}": s.c for i, s in enumerate(stages)},
                "groups": first.g,
                "b": first.b,
                "se": first.se,
            }
            if self.is_point(spec, values):
                return self.values_from(values)
        raise ValueError(f"not a point of space {self.name}")

    def size(self) -> Size:
        """Exact: per (groups, b), the product over stages of the widths the groups divide."""
        total = 0
        for g in GROUPS:
            for b in RATIOS:
                n = 1
                for i, base in enumerate(BASE_WIDTHS):
                    widths = [int(base * m) for m in WIDTH_MULTS]
                    n *= MAX_DEPTHS[i] * sum(1 for w in widths if round_half_up(w * b) % g == 0)
                total += n
        return Size(total * len(SE_RATIOS), exact=True)

    def weight_sharing_blocker(self) -> str:
        return (
            "resnext: `groups` (cardinality) sets the grouping of every 3x3 conv, so the weights of one "
            "cardinality are not a slice of another's"
        )
