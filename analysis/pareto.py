"""Pareto front of (accuracy to maximise, cost to minimise) and the frontier read as a step function.

A point dominates another when its accuracy is >= and its cost is <=, with at least one strict.
Exact duplicates do not dominate each other: every copy of a non-dominated point is on the front.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.frame import ACC, as_float, finished


def pareto_mask(acc, cost) -> np.ndarray:
    """True where (acc[i], cost[i]) is not dominated; rows with a NaN accuracy or cost are never on the front."""
    acc, cost = np.asarray(acc, dtype=float), np.asarray(cost, dtype=float)
    valid = np.isfinite(acc) & np.isfinite(cost)
    mask = np.zeros(len(acc), dtype=bool)
    for i in np.flatnonzero(valid):
        others = valid & (acc >= acc[i]) & (cost <= cost[i]) & ((acc > acc[i]) | (cost < cost[i]))
        mask[i] = not others.any()
    return mask


def dominated_by(acc: float, cost: float, accs, costs) -> int:
    """How many of (accs, costs) dominate the point (acc, cost)."""
    accs, costs = np.asarray(accs, dtype=float), np.asarray(costs, dtype=float)
    return int(np.sum((accs >= acc) & (costs <= cost) & ((accs > acc) | (costs < cost))))


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
