"""The frontier of finished rows and the frontier read as a step function; the Pareto rule itself
(`pareto_mask`, `dominated_by`) is nasx.ranking.pareto's, shared with the search summary."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nasx.analysis.frame import ACC, as_float, finished
from nasx.ranking.pareto import dominated_by, pareto_mask

__all__ = ["accuracy_at", "cost_at", "dominated_by", "frontier", "pareto_mask", "step_xy"]


def frontier(frame: pd.DataFrame, cost: str = "macs", acc: str = ACC) -> pd.DataFrame:
    """The non-dominated finished rows of `frame`, sorted by cost then accuracy."""
    rows = finished(frame, cost, acc)
    mask = pareto_mask(as_float(rows[acc]), as_float(rows[cost]))
    front = rows[mask]
    order = np.lexsort((as_float(front[acc]), as_float(front[cost])))
    return front.iloc[order]


def accuracy_at(front_acc, front_cost, cost: float) -> float:
    """Best frontier accuracy at cost <= `cost` (the step line); NaN below the cheapest frontier point."""
    front_acc, front_cost = np.asarray(front_acc, dtype=float), np.asarray(front_cost, dtype=float)
    within = front_cost <= cost
    return float(front_acc[within].max()) if within.any() else float("nan")


def cost_at(front_acc, front_cost, acc: float) -> float:
    """Least frontier cost reaching accuracy >= `acc`; NaN above the best frontier accuracy."""
    front_acc, front_cost = np.asarray(front_acc, dtype=float), np.asarray(front_cost, dtype=float)
    reaching = front_acc >= acc
    return float(front_cost[reaching].min()) if reaching.any() else float("nan")


def step_xy(front_acc, front_cost) -> tuple[np.ndarray, np.ndarray]:
    """Vertices of the frontier's step line, (cost, accuracy), cheapest first: flat until the next point."""
    order = np.argsort(np.asarray(front_cost, dtype=float), kind="stable")
    c, a = np.asarray(front_cost, dtype=float)[order], np.asarray(front_acc, dtype=float)[order]
    xs, ys = [], []
    for i in range(len(c)):
        if i:
            xs.append(c[i])
            ys.append(a[i - 1])
        xs.append(c[i])
        ys.append(a[i])
    return np.array(xs), np.array(ys)
