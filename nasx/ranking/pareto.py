"""The Pareto set of (accuracy to maximise, cost to minimise).

A point dominates another when its accuracy is >= and its cost is <=, with at least one strict.
Exact duplicates do not dominate each other: every copy of a non-dominated point is on the front.
"The Pareto set" that nasx prints (end of a search, `nasx confirm`, `nasx analyze`) is always taken on
the axes below: validation accuracy against the MACs of the trained network, the network both numbers
describe.
"""

from __future__ import annotations

import numpy as np

ACC = "val/top1"
COST = "macs"
AXES = "val/top1 (max) against MACs of the trained network (min)"


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
