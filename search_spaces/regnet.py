"""`regnet`: the RegNet design space (Radosavovic et al., 2020), six numbers and one generator.

  d         total blocks                 paper: d < 64          pycls sweep: 12..28, uniform
  w0        initial width, multiple of 8 8..248, log-uniform, q = 8
  wa        width slope                  8..256, log-uniform, q = 0.1 (paper: wa < 256)
  wm        width multiplier             paper: 1.5..3          pycls sweep: 2..3, log-uniform, q = 0.001
  group_w   group width                  paper: 1, 2, ..., 32   pycls sweep: 8..128, powers of two
  b         bottleneck ratio, inner width w / b: paper {1, 2, 4}, pycls sweep 1
  se        SE ratio of the block input: 0 (RegNetX) or 0.25 (RegNetY)
Stage widths u_j = w0 + wa*j quantized in log_wm steps (`nasx.regnet_widths`); configurations whose
quantization leaves a stage empty are rejected (pycls `check_regnet_constraints`). Bottleneck widths
snap to the group width by the pycls rule. `ranges="paper"` (default) or `"pycls"`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, TypedDict

import numpy as np

from nasx.arch.blocks import Bottleneck, ConvBNAct
from nasx.arch.head import Head
from nasx.arch.spec import ArchSpec
from nasx.generators.regnet import compatible_width, regnet, regnet_block_stages, regnet_widths
from nasx.search_spaces import register
from nasx.search_spaces.base import Space
from nasx.search_spaces.params import Choice, FloatRange, IntRange, Param


class Ranges(TypedDict):
    """One set of ranges: d (low, high), wm (low, high), the group widths and the bottleneck ratios."""

    d: tuple[int, int]
    wm: tuple[float, float]
    group_w: tuple[int, ...]
    b: tuple[int, ...]


RANGES: dict[str, Ranges] = {
    "paper": {"d": (1, 63), "wm": (1.5, 3.0), "group_w": (1, 2, 4, 8, 16, 32), "b": (1, 2, 4)},
    "pycls": {"d": (12, 28), "wm": (2.0, 3.0), "group_w": (8, 16, 32, 64, 128), "b": (1,)},
}
W0, WA = (8, 248), (8.0, 256.0)
W0_Q, WA_Q, WM_Q = 8, 0.1, 0.001
STEM_W = 32

TINY = {"d": 4, "w0": 16, "wa": 16.0, "wm": 2.0, "group_w": 8, "b": 1, "se": 0.0}


def bottleneck_stages(spec: ArchSpec) -> list[Bottleneck] | None:
    """The stages of a RegNet/AnyNet-shaped spec (3x3 s2 32 stem, stride-2 bottlenecks, bare head)."""
    if spec.stem != (ConvBNAct(k=3, s=2, c=STEM_W),) or spec.head != Head():
        return None
    stages = [
        s for s in spec.stages if isinstance(s, Bottleneck) and s.s == 2 and s.stride_at == "3x3" and s.se_at == "mid"
    ]
    return stages if len(stages) == len(spec.stages) else None


@register("regnet")
class RegNetSpace(Space):
    name = "regnet"

    def __init__(self, *, ranges: str = "paper", rounding: str = "pycls", **options: Any) -> None:
        super().__init__(**options)
        if ranges not in RANGES:
            raise ValueError(f"regnet ranges={ranges!r}: must be one of {', '.join(RANGES)}")
        self.ranges, self.rounding = RANGES[ranges], rounding
        r = self.ranges
        self._params: tuple[Param, ...] = (
            IntRange("d", *r["d"]),
            IntRange("w0", *W0, step=W0_Q, log=True),
            FloatRange("wa", *WA, q=WA_Q, log=True),
            FloatRange("wm", *r["wm"], q=WM_Q, log=True),
            Choice("group_w", r["group_w"]),
            Choice("b", r["b"]),
            Choice("se", (0.0, 0.25)),
        )

    def parameters(self) -> tuple[Param, ...]:
        return self._params

    def _generate(self, values: dict[str, Any]) -> ArchSpec:
        shape = values["w0"], values["wa"], values["wm"], values["d"]
        widths, _ = regnet_widths(*shape)
        total_stages = int(regnet_block_stages(*shape).max()) + 1
        if len(widths) != total_stages:
            raise ValueError(f"regnet: quantization leaves {total_stages - len(widths)} stage(s) empty")
        return regnet(
            values["w0"],
            values["wa"],
            values["wm"],
            values["d"],
            values["group_w"],
            bot_mul=1.0 / values["b"],
            se_ratio=values["se"],
            rounding=self.rounding,
            stem_w=STEM_W,
            num_classes=self.num_classes,
            resolution=self.resolution,
        )

    def params_of(self, spec: ArchSpec) -> dict[str, Any]:
        """Searches the quantized grid: (w0, wm, group width) must give the stage widths, then the
        stage depths bound wa to an interval, whose grid points are checked by regeneration."""
        stages = bottleneck_stages(self.normalize(spec))
        if stages:
            for values in self._candidates(stages):
                if self.is_point(spec, values):
                    return self.values_from(values)
        raise ValueError(f"not a point of space {self.name}")

    def weight_sharing_blocker(self) -> str:
        return (
            "regnet: `group_w` (group width) sets the grouping of every 3x3 conv, so the weights of one group "
            "width are not a slice of another's (and d, w0, wa, wm move blocks between stages)"
        )

    def _candidates(self, stages: list[Bottleneck]) -> Iterator[dict[str, Any]]:
        bot_mul, se = stages[0].b, stages[0].se
        if any(s.b != bot_mul or s.se != se for s in stages) or round(1 / bot_mul) not in self.ranges["b"]:
            return
        widths = [s.c for s in stages]
        depths = [s.r for s in stages]
        d = sum(depths)
        lo_d, hi_d = self.ranges["d"]
        if not lo_d <= d <= hi_d or widths != sorted(widths):
            return
        wm_param = self.parameter("wm")
        wms = np.array(wm_param.grid())
        n = len(widths)
        powers = wms[:, None] ** np.arange(n)
        stage_of = np.repeat(np.arange(n), depths)[1:]
        j = np.arange(1, d)
        for group_w in self.ranges["group_w"]:
            # snapping moves a width by at most half a group (<= 32 * 4 / 2 channels)
            allowed = [
                [
                    w
                    for w in range(max(8, st.c - 128), st.c + 136, 8)
                    if compatible_width(w, bot_mul, group_w, self.rounding) == (st.c, st.width // st.g)
                ]
                for st in stages
            ]
            if not all(allowed):
                continue
            for w0 in range(W0[0], W0[1] + 1, W0_Q):
                raw = np.round(w0 * powers / 8) * 8
                ok = np.ones(len(wms), dtype=bool)
                for s, stage_allowed in enumerate(allowed):
                    ok &= np.isin(raw[:, s], stage_allowed)
                for wm in wms[ok]:
                    lo = np.max(w0 * (wm ** (stage_of - 0.5) - 1) / j, initial=WA[0] - WA_Q)
                    hi = np.min(w0 * (wm ** (stage_of + 0.5) - 1) / j, initial=WA[1] + WA_Q)
                    k = math.ceil(max(lo, WA[0]) / WA_Q - 1e-9)
                    for wa in (k * WA_Q, (k + 1) * WA_Q):
                        if wa <= min(hi, WA[1]) + 1e-9:
                            yield {
                                "d": d,
                                "w0": w0,
                                "wa": round(wa, 1),
                                "wm": float(wm),
                                "group_w": group_w,
                                "b": round(1 / bot_mul),
                                "se": se,
                            }
