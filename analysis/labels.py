"""Figure titles and axis labels in words with their units, and the tick formats that go with them:
accuracies and errors are stored as fractions and shown in percent, MACs and parameters in millions."""

from __future__ import annotations

import re

from matplotlib.ticker import FuncFormatter

METRICS = {
    "val/top1": "Validation top-1",
    "test/top1": "Test top-1",
    "train/top1": "Training top-1",
    "val/top5": "Validation top-5",
    "test/top5": "Test top-5",
    "val/loss": "Validation loss",
    "train/loss": "Training loss",
    "reward": "Reward",
}
COSTS = {
    "macs": "MACs",
    "params": "Parameters",
    "latency_ms": "Latency",
    "full_macs": "MACs at full scale",
    "full_params": "Parameters at full scale",
    "cost": "MACs",
}
COST_UNITS = {"latency_ms": "ms"}  # every other cost is a count, shown in millions
# the last part of a design choice's key (`s3.k`, `b2_filters`, `d4`, `wm`) in words
CHOICES = {
    "k": "kernel size",
    "e": "expansion ratio",
    "se": "SE ratio",
    "r": "repeats",
    "c": "channels",
    "s": "stride",
    "d": "depth",
    "w": "width",
    "w0": "initial width",
    "wa": "width slope",
    "wm": "width multiplier",
    "g": "group width",
    "b": "bottleneck ratio",
    "n": "activation",
    "act": "activation",
    "op": "block type",
    "skip": "residual",
    "filters": "channels",
    "layers": "repeats",
    "groups": "groups",
    "alpha": "depth coefficient",
    "beta": "width coefficient",
    "gamma": "resolution coefficient",
}


def is_percent(key: str) -> bool:
    return "top1" in key or "top5" in key


def metric_name(key: str) -> str:
    """'val/top1' -> 'Validation top-1'; an unknown key is kept as it is."""
    return METRICS.get(key, key)


def metric(key: str) -> str:
    """The axis label of a metric: 'Validation top-1 (%)'."""
    return f"{metric_name(key)} (%)" if is_percent(key) else metric_name(key)


def error(key: str) -> str:
    """The axis label of 1 - metric: 'Validation top-1 error (%)'."""
    return f"{metric_name(key)} error (%)"


def cost_name(key: str) -> str:
    return COSTS.get(key, key)


def cost(key: str, log: bool = False) -> str:
    """The axis label of a cost: 'MACs (millions, log scale)', 'Latency (ms)'."""
    unit = COST_UNITS.get(key, "millions")
    return f"{cost_name(key)} ({unit}{', log scale' if log else ''})"


def choice(key: str) -> str:
    """A design choice in words: 's3.k' -> 's3.k (kernel size)', 'd2' -> 'd2 (depth)'; a key without a known
    last part as it is."""
    last = re.split(r"[._]", key)[-1]
    words = CHOICES.get(last) or CHOICES.get(last.rstrip("0123456789"))
    return f"{key} ({words})" if words else key


def number(value: float) -> str:
    """A tick value without trailing zeros: 3.0 -> '3', 0.25 -> '0.25'."""
    return f"{value:g}"


def percent_formatter() -> FuncFormatter:
    """Ticks of a fraction-valued axis in percent: 0.8 -> '80' (a new formatter per axis)."""
    return FuncFormatter(lambda v, _: number(round(100 * v, 6)))


def cost_formatter(key: str) -> FuncFormatter:
    """Ticks of a cost axis in the unit `cost(key)` names."""
    scale = 1.0 if key in COST_UNITS else 1e-6
    return FuncFormatter(lambda v, _: number(round(v * scale, 6)))
