"""The multi-objective reward of MnasNet / EfficientNet and the objective presets.

    reward(acc, cost, target, alpha, beta) = acc * (cost / target) ** w,   w = alpha if cost <= target else beta

With `metric=latency_ms` and `scale=full` the cost is the latency of the network that ships, known before
any training: predicted from a latency table (`latency_table`, `nasx latency table`) or measured whole at full
scale (`latency_measure`) on `device`, with `batch` images, in `dtype`, with `threads` CPU threads.

`soft` (alpha = beta = -0.07) trades accuracy for cost smoothly; `hard` (alpha = 0, beta = -1) leaves
accuracy alone up to the target and punishes cost above it sharply; `efficientnet_b0` is the
EfficientNet search objective: full-scale MACs against a 400M target with w = -0.07. Raw accuracy
and cost are always recorded with the reward, so any run can be re-scored under another w.
`multi` is Pareto search: accuracy and one cost, or accuracy and several costs (`metrics`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from nasx.checks import check, check_bool, check_finite, check_in, check_positive, require

MODES = ("reward", "multi")
METRICS = ("macs", "params", "latency_ms")
SCALES = ("full", "proxy")


def reward(acc: float, cost: float, target: float, alpha: float = -0.07, beta: float = -0.07) -> float:
    """acc * (cost / target) ** w with w = alpha when cost <= target, else beta (MnasNet)."""
    check_positive("target", target)
    check_positive("cost", cost)
    check(0.0 <= acc <= 1.0, "acc", acc, "must be an accuracy in [0, 1]")
    w = alpha if cost <= target else beta
    return acc * (cost / target) ** w


@dataclass(frozen=True)
class Objective:
    """How a trial is scored. `mode` "reward": one number, reward(acc, cost, target, alpha, beta);
    "multi": accuracy and the costs for Pareto search. `metric` is the cost: macs, params or
    latency_ms. `metrics` (multi mode only): several costs, e.g. (macs, latency_ms), each an objective beside
    accuracy; None: `metric` alone. `scale` "full" takes the cost of the full-scale architecture (e.g.
    EfficientNet-B0 at 224x224, 1000 classes), "proxy" that of the network actually trained (its latency
    measured after training). Full-scale latency (`full_latency`) is known before training: predicted by the
    table in `latency_table`, else measured whole when `latency_measure`, on `device` (cpu, cuda) with
    `batch`, `dtype`, `threads`."""

    name: str = "efficientnet_b0"
    mode: str = "reward"
    metric: str = "macs"
    target: float = 400e6
    alpha: float = -0.07
    beta: float = -0.07
    scale: str = "full"
    device: str = "cpu"
    batch: int = 1
    dtype: str = "fp32"
    threads: int = 1
    latency_table: str | None = None
    latency_measure: bool = True
    metrics: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        from nasx.latency.table import Setting

        check_in("objective.mode", self.mode, MODES)
        check_in("objective.metric", self.metric, METRICS)
        check_in("objective.scale", self.scale, SCALES)
        check_positive("objective.target", self.target)
        if self.metrics is not None:
            object.__setattr__(self, "metrics", check_metrics(self.metrics, self.mode))
        check_finite("objective.alpha", self.alpha)
        check_finite("objective.beta", self.beta)
        Setting(self.device, self.batch, self.dtype, self.threads).check(prefix="objective.")
        check(
            self.latency_table is None or (isinstance(self.latency_table, str) and bool(self.latency_table.strip())),
            "objective.latency_table",
            self.latency_table,
            "must be null or the path of a table of `nasx latency table`",
        )
        check_bool("objective.latency_measure", self.latency_measure)
        require(
            not self.full_latency or self.latency_table is not None or self.latency_measure,
            "objective: latency_ms at scale=full needs objective.latency_table=PATH (a table of `nasx latency "
            "table`) or objective.latency_measure=true (each network measured whole)",
        )

    @property
    def full_latency(self) -> bool:
        """Whether the cost is the full-scale network's latency, known before training."""
        return "latency_ms" in self.costs and self.scale == "full"

    @property
    def costs(self) -> tuple[str, ...]:
        """The costs the objective minimises: `metrics` when given, else (`metric`,)."""
        return self.metrics if self.metrics is not None else (self.metric,)

    def cost_columns(self) -> tuple[str, ...]:
        """The results-row column of each cost: full_macs / full_params at scale full, macs / params at
        scale proxy; latency_ms is its own column."""
        return tuple(cost_column(m, self.scale) for m in self.costs)

    def score(self, acc: float, cost: float) -> float | tuple[float, float]:
        """reward(...) in "reward" mode, (acc, cost) in "multi" mode."""
        if self.mode == "multi":
            return (acc, cost)
        return reward(acc, cost, self.target, self.alpha, self.beta)

    def reward_of(self, acc: float, cost: float) -> float:
        """The row's `reward` column: reward(...) in "reward" mode, NaN in "multi" mode (no single number)."""
        if self.mode == "multi":
            return float("nan")
        return reward(acc, cost, self.target, self.alpha, self.beta)

    def to_dict(self) -> dict:
        return asdict(self)


def cost_column(metric: str, scale: str) -> str:
    """The results-row column holding `metric` at `scale` (latency_ms has one column)."""
    return "full_" + metric if scale == "full" and metric != "latency_ms" else metric


def check_metrics(metrics: Any, mode: str) -> tuple[str, ...]:
    """`objective.metrics` as a tuple: a non-empty list of distinct costs, in multi mode only."""
    shown = list(metrics) if isinstance(metrics, (list, tuple)) else metrics
    check(isinstance(metrics, (list, tuple)), "objective.metrics", shown, "must be a list of costs (or null)")
    check(len(metrics) >= 1, "objective.metrics", shown, f"needs at least one cost ({', '.join(METRICS)}), or null")
    for m in metrics:
        check(m in METRICS, "objective.metrics", shown, f"unknown cost {m!r}; choose from {', '.join(METRICS)}")
    twice = sorted({m for m in metrics if list(metrics).count(m) > 1})
    check(not twice, "objective.metrics", shown, f"{', '.join(map(repr, twice))} given twice")
    check(
        mode == "multi",
        "objective.metrics",
        shown,
        "several costs are Pareto search: needs objective=multi (mode multi); mode reward takes objective.metric",
    )
    return tuple(str(m) for m in metrics)


PRESETS: dict[str, Objective] = {
    "soft": Objective("soft", alpha=-0.07, beta=-0.07),
    "hard": Objective("hard", alpha=0.0, beta=-1.0),
    "efficientnet_b0": Objective("efficientnet_b0", alpha=-0.07, beta=-0.07),
    "multi": Objective("multi", mode="multi"),
}


def preset(name: str, **changes) -> Objective:
    """A named objective, optionally with fields changed: preset("hard", target=300e6)."""
    if name not in PRESETS:
        raise ValueError(f"unknown objective {name!r}; choose one of {', '.join(PRESETS)}")
    return replace(PRESETS[name], **changes) if changes else PRESETS[name]
