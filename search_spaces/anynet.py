"""`anynet`: AnyNetX (Radosavovic et al., 2020), four stages with free per-stage choices.

Per stage i = 1..4: d{i} blocks 1..16 (log-uniform), w{i} width 8..1024 in multiples of 8
(log-uniform), b{i} bottleneck ratio {1, 2, 4} (inner width w / b), g{i} group width
{1, 2, 4, 8, 16, 32}; plus `se` 0 or 0.25 shared by all stages (0 is AnyNetX; 0.25 makes
RegNetY's AnyNet points comparable). Widths snap to the group width by the pycls rule, as in
`regnet`, with which it shares stem (3x3 s2, 32), stride-2 bottleneck stages, SE width rounding
(round(c_in * se), pycls) and head, so the
two spaces are compared on equal terms: every RegNet with four stages is an AnyNet point.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from nasx.arch.blocks import Bottleneck, ConvBNAct
from nasx.arch.head import Head
from nasx.arch.spec import ArchSpec
from nasx.generators.regnet import compatible_width
from nasx.search_spaces import register
from nasx.search_spaces.base import Space
from nasx.search_spaces.params import Choice, IntRange, Param
from nasx.search_spaces.regnet import STEM_W, bottleneck_stages

STAGES = 4
RATIOS = (1, 2, 4)
GROUP_WS = (1, 2, 4, 8, 16, 32)

TINY = {
    **{f"d{i}": 1 for i in range(1, 5)},
    "w1": 16,
    "w2": 32,
    "w3": 48,
    "w4": 64,
    **{f"b{i}": 1 for i in range(1, 5)},
    **{f"g{i}": 8 for i in range(1, 5)},
    "se": 0.0,
}


@register("anynet")
class AnyNetSpace(Space):
    name = "anynet"

    def parameters(self) -> tuple[Param, ...]:
        per_stage: list[Param] = []
        for i in range(1, STAGES + 1):
            per_stage += [
                IntRange(f"d{i}", 1, 16, log=True),
                IntRange(f"w{i}", 8, 1024, step=8, log=True),
                Choice(f"b{i}", RATIOS),
                Choice(f"g{i}", GROUP_WS),
            ]
        return (*per_stage, Choice("se", (0.0, 0.25)))

    def _generate(self, values: dict[str, Any]) -> ArchSpec:
        stages = []
        for i in range(1, STAGES + 1):
            bot_mul = 1.0 / values[f"b{i}"]
            width, g = compatible_width(values[f"w{i}"], bot_mul, values[f"g{i}"], "pycls")
            stages.append(
                Bottleneck(
                    r=values[f"d{i}"],
                    s=2,
                    c=width,
                    b=bot_mul,
                    g=round(width * bot_mul) // g,
                    se=values["se"],
                    se_round="round",
                )
            )
        return ArchSpec(
            stem=(ConvBNAct(k=3, s=2, c=STEM_W),),
            stages=tuple(stages),
            head=Head(),
            resolution=self.resolution,
            num_classes=self.num_classes,
        )

    def params_of(self, spec: ArchSpec) -> dict[str, Any]:
        stages = bottleneck_stages(self.normalize(spec))
        if stages and len(stages) == STAGES and len({s.se for s in stages}) == 1:
            values: dict[str, Any] = {"se": stages[0].se}
            for i, s in enumerate(stages, 1):
                values.update({f"d{i}": s.r, f"w{i}": s.c, f"b{i}": round(1 / s.b)})
            for group_ws in _group_width_options(stages):
                values.update({f"g{i}": g for i, g in enumerate(group_ws, 1)})
                if self.is_point(spec, values):
                    return self.values_from(values)
        raise ValueError(f"not a point of space {self.name}")

    def weight_sharing_blocker(self) -> str:
        return (
            "anynet: `g1`..`g4` (group width) set the grouping of each stage's 3x3 convs, so the weights of "
            "one group width are not a slice of another's"
        )


def _group_width_options(stages: list[Bottleneck]) -> Iterator[tuple[int, ...]]:
    """Group widths that may have produced each stage: its own, or any larger one clipped to w_b."""
    options = []
    for s in stages:
        gw = s.width // s.g
        options.append([g for g in GROUP_WS if g == gw or (g > gw and gw == s.width)])
    yield from itertools.product(*options)
