"""`compound`: EfficientNet's compound-scaling coefficients around a base network (Tan & Le, 2019).

Parameters alpha (depth), beta (width), gamma (resolution), each in [1, `high`]; the point is the
base scaled by depth alpha^phi, width beta^phi and resolution gamma^phi (`nasx.compound_scale`'s
rules). Only triples with alpha * beta^2 * gamma^2 within `tolerance` (relative) of 2 are points.
mode="grid" steps each coefficient by `step` (1.00, 1.05, ... by default) and enumerates the
valid triples deterministically; mode="continuous" samples them uniformly (by rejection).
The paper's alpha=1.2, beta=1.1, gamma=1.15 (alpha*beta^2*gamma^2 = 1.92) is a point of the defaults.
Resolution is chosen here, so membership ignores only classes, dropout and stochastic depth.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

from nasx import families
from nasx.arch.blocks import ConvBNAct, MBConv
from nasx.arch.rounding import round_half_up
from nasx.arch.spec import ArchSpec
from nasx.generators.compound import scale_spec
from nasx.search_spaces import register
from nasx.search_spaces.base import Size, Space
from nasx.search_spaces.params import Choice, FloatRange, Param

MODES = ("grid", "continuous")
TARGET = 2.0
FINE_STEP = 0.001  # continuous mode: resolution of the search in params_of

TINY = {"alpha": 1.2, "beta": 1.1, "gamma": 1.15}


def constraint(alpha: float, beta: float, gamma: float) -> float:
    """alpha * beta^2 * gamma^2, the MACs factor per unit of phi."""
    return alpha * beta**2 * gamma**2


@register("compound")
class CompoundSpace(Space):
    name = "compound"

    def __init__(
        self,
        *,
        base: str | ArchSpec = "efficientnet_b0",
        phi: float = 1.0,
        mode: str = "grid",
        step: float = 0.05,
        high: float = 1.5,
        tolerance: float = 0.05,
        resolution: int | None = None,
        num_classes: int = 1000,
        **options: Any,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"compound mode={mode!r}: must be one of {', '.join(MODES)}")
        if not (high > 1.0 and step > 0 and tolerance >= 0 and phi > 0):
            raise ValueError(
                f"compound: need high > 1, step > 0, tolerance >= 0, phi > 0; got high={high}, "
                f"step={step}, tolerance={tolerance}, phi={phi}"
            )
        spec = families.get(base) if isinstance(base, str) else base
        spec = replace(spec, num_classes=num_classes, resolution=spec.resolution if resolution is None else resolution)
        super().__init__(resolution=spec.resolution, num_classes=num_classes, **options)
        self.base, self.phi, self.mode, self.tolerance = spec, phi, mode, tolerance
        self._grid: tuple[float, ...] = ()  # grid mode: the values every coefficient takes
        self._params: tuple[Param, ...]
        if mode == "grid":
            n = int(round((high - 1.0) / step))
            self._grid = tuple(round(1.0 + i * step, 6) for i in range(n + 1))
            self._params = tuple(Choice(name, self._grid) for name in ("alpha", "beta", "gamma"))
        else:
            self._params = tuple(FloatRange(name, 1.0, high) for name in ("alpha", "beta", "gamma"))

    def parameters(self) -> tuple[Param, ...]:
        return self._params

    def admits_triple(self, alpha: float, beta: float, gamma: float) -> bool:
        return abs(constraint(alpha, beta, gamma) / TARGET - 1.0) <= self.tolerance + 1e-12

    def _scaled(self, alpha: float = 1.0, beta: float = 1.0, gamma: float = 1.0) -> ArchSpec:
        return scale_spec(
            self.base,
            width_mult=beta**self.phi,
            depth_mult=alpha**self.phi,
            resolution=round_half_up(self.base.resolution * gamma**self.phi),
        )

    def _generate(self, values: dict[str, Any]) -> ArchSpec:
        a, b, g = values["alpha"], values["beta"], values["gamma"]
        if not self.admits_triple(a, b, g):
            raise ValueError(
                f"alpha*beta^2*gamma^2 = {constraint(a, b, g):.4f} is not within {self.tolerance:.0%} of {TARGET}"
            )
        return self._scaled(a, b, g)

    def normalize(self, spec: ArchSpec) -> ArchSpec:
        return replace(spec, num_classes=self.num_classes, drop_path=0.0, head=replace(spec.head, dropout=0.0))

    def _factor_values(self, name: str) -> list[float]:
        p = self.parameter(name)
        if isinstance(p, Choice):
            return list(self._grid)
        n = int(round((p.high - p.low) / FINE_STEP))
        return [round(p.low + i * FINE_STEP, 6) for i in range(n + 1)]

    def params_of(self, spec: ArchSpec) -> dict[str, Any]:
        """Each coefficient acts on one thing (repeats, channels, resolution): match them one at a
        time, then pick a combination that meets the constraint."""
        target = self.normalize(spec)
        depths = tuple(getattr(s, "r", 1) for s in target.stages)

        def channels(s: ArchSpec) -> tuple[tuple[int, ...], int]:
            return tuple(getattr(b, "c", 0) for b in (*s.stem, *s.stages)), s.head.c

        widths = channels(target)

        if len(target.stages) == len(self.base.stages):
            alphas = [
                a
                for a in self._factor_values("alpha")
                if tuple(getattr(s, "r", 1) for s in self._scaled(alpha=a).stages) == depths
            ]
            betas = [b for b in self._factor_values("beta") if channels(self._scaled(beta=b)) == widths]
            gammas = [
                g
                for g in self._factor_values("gamma")
                if round_half_up(self.base.resolution * g**self.phi) == target.resolution
            ]
            shortest_first = lambda vs: sorted(vs, key=lambda v: (len(repr(v)), v))
            for a, b, g in itertools.product(*map(shortest_first, (alphas, betas, gammas))):
                values = {"alpha": a, "beta": b, "gamma": g}
                if self.admits_triple(a, b, g) and self.is_point(spec, values):
                    return values
        raise ValueError(f"not a point of space {self.name}")

    def size(self) -> Size:
        if self.mode == "continuous":
            return Size(float("inf"), exact=True, note="continuous coefficients")
        return Size(
            sum(1 for _ in self.grid(within_budget=False)), exact=True, note="valid triples (distinct networks)"
        )

    def weight_sharing_blocker(self) -> str | None:
        """None when the base has only dense or depthwise `cn` convs and plain `ir` blocks: then depth takes the
        first layers and width the first channels."""
        for where, block in self.base.layers():
            if block.TYPE not in ("cn", "ir", "mp"):
                return f"compound: the base's {where} is a `{block.TYPE}` block, whose elastic structure is undeclared"
            if isinstance(block, ConvBNAct) and block.g not in (1, block.c):
                return f"compound: beta changes the group width of the base's {where} (g={block.g})"
            if isinstance(block, MBConv) and (block.mix, block.exp_groups, block.proj_groups) != (1, 1, 1):
                return f"compound: beta moves the channel splits of the base's {where} (mk, ag, pg)"
        return None

    def largest_points(self) -> list[tuple[dict[str, Any], ArchSpec]]:
        """The base at the largest depth and the largest width the constraint admits, together: alpha and beta
        each at the largest value some admissible triple reaches, gamma (no weights) at its least. The
        constraint keeps the two apart, so this spec bounds every point without being one."""
        low = {p.name: min(self._grid) if isinstance(p, Choice) else p.low for p in self.parameters()}
        top = TARGET * (1.0 + self.tolerance + 1e-12)
        alpha = self._at_most("alpha", top / (low["beta"] ** 2 * low["gamma"] ** 2))
        beta = self._at_most("beta", (top / (low["alpha"] * low["gamma"] ** 2)) ** 0.5)
        values = {"alpha": alpha, "beta": beta, "gamma": low["gamma"]}
        return [(values, self._scaled(alpha, beta, low["gamma"]))]

    def _at_most(self, name: str, bound: float) -> float:
        """The largest value of coefficient `name` that is at most `bound`."""
        p = self.parameter(name)
        if isinstance(p, Choice):  # grid mode: its values are self._grid
            return max((v for v in self._grid if v <= bound), default=min(self._grid))
        return min(p.high, bound)
