"""The multi-objective reward of MnasNet / EfficientNet and the objective presets.

    reward(acc, cost, target, alpha, beta) = acc * (cost / target) ** w,   w = alpha if cost <= target else beta

`soft` (alpha = beta = -0.07) trades accuracy for cost smoothly; `hard` (alpha = 0, beta = -1) leaves
accuracy alone up to the target and punishes cost above it sharply; `efficientnet_b0` is the
EfficientNet search objective: full-scale MACs against a 400M target with w = -0.07. Raw accuracy
and cost are always recorded with the reward, so any run can be re-scored under another w.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

MODES = ("reward", "multi")
METRICS = ("macs", "params", "latency_ms")
SCALES = ("full", "proxy")


def reward(acc: float, cost: float, target: float, alpha: float = -0.07, beta: float = -0.07) -> float:
    """acc * (cost / target) ** w with w = alpha when cost <= target, else beta (MnasNet)."""
    if not target > 0 or not math.isfinite(target):
        raise ValueError(f"target={target!r}: must be a positive finite number")
    if not cost > 0 or not math.isfinite(cost):
        raise ValueError(f"cost={cost!r}: must be a positive finite number")
    if not 0.0 <= acc <= 1.0:
        raise ValueError(f"acc={acc!r}: must be an accuracy in [0, 1]")
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
        if self.mode not in MODES:
            raise ValueError(f"objective.mode={self.mode!r}: choose one of {', '.join(MODES)}")
        if self.metric not in METRICS:
            raise ValueError(f"objective.metric={self.metric!r}: choose one of {', '.join(METRICS)}")
        if self.scale not in SCALES:
            raise ValueError(f"objective.scale={self.scale!r}: choose one of {', '.join(SCALES)}")
        if not self.target > 0 or not math.isfinite(self.target):
            raise ValueError(f"objective.target={self.target!r}: must be a positive finite number")
        if self.metric == "latency_ms" and self.scale == "full":
            raise ValueError("objective: latency_ms is measured on the trained network; use scale=proxy")

    def score(self, acc: float, cost: float) -> float | tuple[float, float]:
        """reward(...) in "reward" mode, (acc, cost) in "multi" mode."""
        if self.mode == "multi":
            return (acc, cost)
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
