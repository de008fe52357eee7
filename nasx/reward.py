"""The multi-objective reward of MnasNet / EfficientNet and the objective presets.

    reward(acc, cost, target, alpha, beta) = acc * (cost / target) ** w,   w = alpha if cost <= target else beta

`soft` (alpha = beta = -0.07) trades accuracy for cost smoothly; `hard` (alpha = 0, beta = -1) leaves
accuracy alone up to the target and punishes cost above it sharply; `efficientnet_b0` is the
EfficientNet search objective: full-scale MACs against a 400M target with w = -0.07. Raw accuracy
and cost are always recorded with the reward, so any run can be re-scored under another w.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from nasx.checks import check, check_finite, check_in, check_positive, require

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
    "multi": the pair (accuracy, cost) for Pareto search. `metric` is the cost: macs, params or
    latency_ms (measured). `scale` "full" takes params/MACs of the full-scale architecture
    (e.g. EfficientNet-B0 at 224x224, 1000 classes), "proxy" those of the network actually trained."""

    name: str = "efficientnet_b0"
    mode: str = "reward"
    metric: str = "macs"
    target: float = 400e6
    alpha: float = -0.07
    beta: float = -0.07
    scale: str = "full"

    def __post_init__(self) -> None:
        check_in("objective.mode", self.mode, MODES)
        check_in("objective.metric", self.metric, METRICS)
        check_in("objective.scale", self.scale, SCALES)
        check_positive("objective.target", self.target)
        check_finite("objective.alpha", self.alpha)
        check_finite("objective.beta", self.beta)
        require(
            not (self.metric == "latency_ms" and self.scale == "full"),
            "objective: latency_ms is measured on the trained network; use scale=proxy",
        )

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
