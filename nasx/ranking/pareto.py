"""The Pareto set of (accuracy to maximise, cost to minimise).

A point dominates another when its accuracy is >= and its cost is <=, with at least one strict.
Exact duplicates do not dominate each other: every copy of a non-dominated point is on the front.
`nondominated` is the same rule in any number of objectives (a Pareto search's accuracy and costs).
"The Pareto set" that nasx prints (end of a search, `nasx confirm`, `nasx analyze`) is always taken on
the axes below: validation accuracy against the MACs of the trained network, the network both numbers
describe.
"""

from __future__ import annotations

import numpy as np

ACC = "val/top1"
COST = "macs"
AXES = "val/top1 (max) against MACs of the trained network (min)"


def nondominated(points) -> np.ndarray:
    """The Pareto set in any number of objectives, every column minimised: True where row i of `points`
    (n x k) is not dominated (another row <= in every column and < in one). Rows with a NaN are never on
    the front and dominate nothing."""
    pts = np.asarray(points, dtype=float)
    pts = pts.reshape(len(pts), -1) if pts.size else pts.reshape(len(pts), 0)
    valid = np.isfinite(pts).all(axis=1) if pts.shape[1] else np.zeros(len(pts), dtype=bool)
    mask = np.zeros(len(pts), dtype=bool)
    for i in np.flatnonzero(valid):
        others = valid & (pts <= pts[i]).all(axis=1) & (pts < pts[i]).any(axis=1)
        mask[i] = not others.any()
    return mask


def minimised(values, directions) -> np.ndarray:
    """The columns of `values` (n x k) turned so that each is minimised: a "max" column is negated."""
    pts = np.asarray(values, dtype=float).reshape(-1, len(directions))
    return pts * np.array([-1.0 if d == "max" else 1.0 for d in directions])


def pareto_mask(acc, cost) -> np.ndarray:
    """True where (acc[i], cost[i]) is not dominated; rows with a NaN accuracy or cost are never on the front."""
    acc, cost = np.asarray(acc, dtype=float), np.asarray(cost, dtype=float)
    return nondominated(np.column_stack([-acc, cost])) if len(acc) else np.zeros(0, dtype=bool)


def dominated_by(acc: float, cost: float, accs, costs) -> int:
    """How many of (accs, costs) dominate the point (acc, cost)."""
    accs, costs = np.asarray(accs, dtype=float), np.asarray(costs, dtype=float)
    return int(np.sum((accs >= acc) & (costs <= cost) & ((accs > acc) | (costs < cost))))
