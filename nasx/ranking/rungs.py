"""Multi-objective successive halving (MO-ASHA, after syne-tune): rung epochs, the ranking of the results
recorded at a rung, whether a trial continues, and the rung records a resumed search rebuilds from its rows.

A rung's points are minimised in every column (accuracy negated; costs known before training, exact).
They are ordered by non-dominated sorting (front 1, front 2, ...) and, within each front, by an ε-net:
the point best in the first column first, then repeatedly the point farthest (Euclidean, in columns scaled
to [0, 1] over the rung's points) from those already taken, so that a front's survivors spread along it.
A trial continues when its position is among the first ceil(n / η) of the n points recorded at the rung.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nasx.ranking.pareto import nondominated


def rung_epochs(grace_epochs: int, eta: int, epochs: int, rungs=None) -> tuple[int, ...]:
    """The epochs where a trial is ranked, each before the last epoch: `rungs` when given, else grace·η^k."""
    if rungs is not None:
        return tuple(int(r) for r in rungs if int(r) < epochs)
    out, epoch = [], grace_epochs
    while epoch < epochs:
        out.append(epoch)
        epoch *= eta
    return tuple(out)


def fronts(points) -> np.ndarray:
    """Each row's front by non-dominated sorting (0: not dominated; k: not dominated once fronts < k are
    removed); rows with a NaN get the last front + 1."""
    pts = np.asarray(points, dtype=float)
    front = np.full(len(pts), -1)
    left = np.isfinite(pts).all(axis=1) if len(pts) else np.zeros(0, dtype=bool)
    k = 0
    while left.any():
        idx = np.flatnonzero(left)
        on = idx[nondominated(pts[idx])]
        front[on] = k
        left[on] = False
        k += 1
    front[front < 0] = k
    return front


def epsilon_net(points) -> list[int]:
    """The ε-net order of `points` (n x k, minimised): the best in column 0 first (ties: lower index), then
    the point farthest from the chosen ones, in columns scaled to [0, 1] (ties: lower index)."""
    pts = np.asarray(points, dtype=float)
    if not len(pts):
        return []
    span = pts.max(axis=0) - pts.min(axis=0)
    scaled = (pts - pts.min(axis=0)) / np.where(span > 0, span, 1.0)
    order = [int(np.argmin(pts[:, 0]))]
    nearest = np.linalg.norm(scaled - scaled[order[0]], axis=1)
    while len(order) < len(pts):
        nearest[order] = -1.0
        nxt = int(np.argmax(nearest))
        order.append(nxt)
        nearest = np.minimum(nearest, np.linalg.norm(scaled - scaled[nxt], axis=1))
    return order


def rank_order(points) -> list[int]:
    """Row indices best first: by front, then by the ε-net within each front."""
    pts = np.asarray(points, dtype=float)
    front = fronts(pts)
    order: list[int] = []
    for k in range(int(front.max()) + 1 if len(front) else 0):
        idx = np.flatnonzero(front == k)
        order.extend(int(idx[i]) for i in epsilon_net(pts[idx]))
    return order


@dataclass(frozen=True)
class Decision:
    """Whether a trial continues past a rung, and why: its front and position among the rung's n points."""

    keep: bool
    rung: int  # the rung's epoch
    front: int  # 1-based
    fronts: int
    position: int  # 1-based
    n: int
    kept: int  # ceil(n / eta)

    def reason(self) -> str:
        """One line for the row's stop_reason."""
        return (
            f"front {self.front} of {self.fronts}, position {self.position} of {self.n} at epoch {self.rung}; "
            f"the first {self.kept} continue"
        )


def decide(points, index: int, eta: int, rung: int) -> Decision:
    """Whether row `index` of the rung's `points` continues: among the first ceil(n / eta) by `rank_order`."""
    pts = np.asarray(points, dtype=float)
    order, front = rank_order(pts), fronts(pts)
    n = len(pts)
    kept = max(1, math.ceil(n / eta))
    position = order.index(index) + 1
    return Decision(position <= kept, rung, int(front[index]) + 1, int(front.max()) + 1, position, n, kept)


def point(val_top1: float, costs) -> tuple[float, ...]:
    """A rung's point of a trial: its validation accuracy (negated: minimised) and its costs."""
    return (-float(val_top1), *(float(c) for c in costs))


def records_from_rows(rows, curves, rungs, cost_columns) -> dict[int, dict[str, tuple[float, ...]]]:
    """The rung records of trials already recorded (a resumed search): rung epoch -> {trial_id: point}, from
    each search row's curve (val/top1 at the rung's epoch) and its cost columns; rows without a finite cost or
    accuracy there are left out."""
    records: dict[int, dict[str, tuple[float, ...]]] = {r: {} for r in rungs}
    if not len(rows) or not len(curves):
        return records
    by_trial = {
        (trial, int(epoch)): float(val)
        for trial, epoch, val in zip(curves["trial_id"], curves["epoch"], curves["val/top1"], strict=True)
        if isinstance(epoch, int | np.integer) and isinstance(val, float | np.floating) and math.isfinite(val)
    }
    for row in rows.to_dict("records"):
        if row.get("stage", "search") not in ("search", "", None) or row.get("family"):
            continue
        costs = [row.get(c) for c in cost_columns]
        if not all(isinstance(c, int | float) and math.isfinite(c) for c in costs):
            continue
        for rung in rungs:
            val = by_trial.get((row["trial_id"], rung))
            if val is not None:
                records[rung][row["trial_id"]] = point(val, costs)
    return records
