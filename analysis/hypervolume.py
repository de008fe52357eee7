"""Hypervolume of the searched front: what it dominates up to a reference point.

In 2-D, (accuracy, MACs): the cost axis is log10(MACs), so a front that halves the MACs gains the same
area at any scale; the area's unit is accuracy x decades of MACs. The reference point is (accuracy 0,
MACs = 2 x the largest MACs among all finished trials being compared), the same for every run of a
comparison and printed with it, so each finished trial adds area and the values of different searchers
are comparable. Reference families are not searched, so they are left out of a searcher's hypervolume.

In k objectives (accuracy and several costs, `Box`), the same normalised axes: accuracy as it is, each
cost as log10 of it; the reference point is accuracy 0 and, per cost, 2 x its largest value among the
finished trials that have every cost; the volume (accuracy x decades of each cost) is exact
(`nasx.analysis.dominated_volume`). With one cost it equals the 2-D area.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from nasx.analysis import dominated_volume
from nasx.analysis.frame import ACC, as_float, finished, finished_in, searched
from nasx.analysis.pareto import pareto_mask


@dataclass(frozen=True)
class Reference:
    """Hypervolume reference point: accuracy and MACs (raw count; the area uses log10 of it)."""

    acc: float
    macs: float

    def __str__(self) -> str:
        return f"(accuracy {self.acc:g}, MACs {self.macs:,.0f})"


def reference_point(frame: pd.DataFrame, cost: str = "macs", acc: str = ACC) -> Reference:
    """(0, 2 x max finished cost) over every row of `frame`."""
    rows = finished(frame, cost, acc)
    if rows.empty:
        raise ValueError("no finished trial with an accuracy and a cost: nothing to take a hypervolume of")
    return Reference(0.0, 2.0 * float(as_float(rows[cost]).max()))


def hypervolume(acc, cost, ref: Reference) -> float:
    """Area dominated by the points in (accuracy up, log10 cost down) space, bounded by `ref`."""
    acc, cost = np.asarray(acc, dtype=float), np.asarray(cost, dtype=float)
    keep = np.isfinite(acc) & np.isfinite(cost) & (cost > 0) & (acc > ref.acc) & (cost < ref.macs)
    acc, cost = acc[keep], cost[keep]
    front = pareto_mask(acc, cost)
    acc, log_cost = acc[front], np.log10(cost[front])
    order = np.lexsort((acc, log_cost))
    area, level = 0.0, ref.acc
    for a, c in zip(acc[order], log_cost[order]):
        if a > level:
            area += (a - level) * (np.log10(ref.macs) - c)
            level = a
    return float(area)


@dataclass(frozen=True)
class Box:
    """Hypervolume reference point in k objectives: accuracy and each cost column's value (raw; the
    volume uses log10 of it)."""

    acc: float
    costs: tuple[tuple[str, float], ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.costs)

    def __str__(self) -> str:
        return f"(accuracy {self.acc:g}, " + ", ".join(f"{c} {_count(v)}" for c, v in self.costs) + ")"


def _count(value: float) -> str:
    """4e8 -> '400,000,000'; 8.0 -> '8'; 0.125 -> '0.125'."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.6g}"


def reference_box(frame: pd.DataFrame, columns, acc: str = ACC) -> Box:
    """(0, 2 x max of each cost) over the rows of `frame` finished in every cost column."""
    rows = finished_in(frame, columns, acc)
    if rows.empty:
        raise ValueError(
            f"no finished trial with an accuracy and every cost ({', '.join(columns)}): "
            "nothing to take a hypervolume of"
        )
    return Box(0.0, tuple((c, 2.0 * float(as_float(rows[c]).max())) for c in columns))


def hypervolume_k(acc, costs, ref: Box) -> float:
    """Volume dominated by the points in (accuracy up, log10 of each cost down) space, bounded by `ref`;
    `costs` holds one column per cost of `ref` (n x k-1)."""
    acc = np.asarray(acc, dtype=float)
    costs = np.asarray(costs, dtype=float).reshape(len(acc), len(ref.costs))
    keep = np.isfinite(acc) & np.isfinite(costs).all(axis=1) & (costs > 0).all(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        points = np.column_stack([-acc[keep], np.log10(costs[keep])])
    bound = [-ref.acc, *(np.log10(v) for _, v in ref.costs)]
    return dominated_volume.volume(points, bound)


def curve(frame: pd.DataFrame, ref: Reference | Box, cost: str = "macs", acc: str = ACC) -> pd.DataFrame:
    """Hypervolume after each searched trial in completion order: columns `trials` (1, 2, ...; failed and
    pruned trials count as spent budget) and `hypervolume`. With a `Box`, in all of its objectives (a
    trial lacking one of its costs adds nothing)."""
    rows = searched(frame)
    rows = rows.iloc[np.argsort(as_float(rows["order"]), kind="stable")]
    columns = ref.columns if isinstance(ref, Box) else (cost,)
    ok = rows.index.isin(finished_in(rows, columns, acc).index)
    a = as_float(rows[acc])
    c = np.column_stack([as_float(rows[column]) for column in columns]) if len(rows) else np.empty((0, len(columns)))
    values, value = [], 0.0
    for n in range(len(rows)):
        before = ok[:n]
        covered = ((a[:n][before] >= a[n]) & (c[:n][before] <= c[n]).all(axis=1)).any()
        if ok[n] and not covered:  # a point another one covers adds nothing: the volume stays
            upto = ok[: n + 1]
            value = (
                hypervolume_k(a[: n + 1][upto], c[: n + 1][upto], ref)
                if isinstance(ref, Box)
                else hypervolume(a[: n + 1][upto], c[: n + 1][upto, 0], ref)
            )
        values.append(value)
    return pd.DataFrame({"trials": np.arange(1, len(rows) + 1), "hypervolume": values})


def curves(frame: pd.DataFrame, ref: Reference | Box, cost: str = "macs", acc: str = ACC) -> pd.DataFrame:
    """`curve` of every run: columns run, searcher, seed, trials, hypervolume."""
    parts = []
    for run, rows in frame.groupby("run", sort=False):
        part = curve(rows, ref, cost, acc)
        names = searched(rows)["searcher"].dropna().unique()
        part.insert(0, "seed", _first(searched(rows)["seed"]))
        part.insert(0, "searcher", ",".join(sorted(map(str, names))) or "unknown")
        part.insert(0, "run", run)
        parts.append(part)
    return (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["run", "searcher", "seed", "trials", "hypervolume"])
    )


def by_searcher(hv_curves: pd.DataFrame) -> pd.DataFrame:
    """Mean and spread (sample std; 0 for one run) of the hypervolume per searcher at each trial count,
    over the runs that reached that count: columns searcher, trials, runs, mean, std."""
    grouped = hv_curves.groupby(["searcher", "trials"])["hypervolume"]
    out = grouped.agg(runs="count", mean="mean", std=lambda s: float(s.std(ddof=1)) if len(s) > 1 else 0.0)
    return out.reset_index()


def final(hv_curves: pd.DataFrame) -> pd.DataFrame:
    """Per searcher at the largest trial count that every run reached (equal budgets for all searchers):
    columns searcher, runs, trials, mean, std."""
    rows: list[dict[str, Any]] = []
    if hv_curves.empty:
        return pd.DataFrame(rows, columns=["searcher", "runs", "trials", "mean", "std"])
    budget = int(hv_curves.groupby("run")["trials"].max().min())
    for searcher, part in hv_curves.groupby("searcher"):
        at = part[part["trials"] == budget]["hypervolume"]
        rows.append(
            {
                "searcher": searcher,
                "runs": len(at),
                "trials": budget,
                "mean": float(at.mean()),
                "std": float(at.std(ddof=1)) if len(at) > 1 else 0.0,
            }
        )
    return pd.DataFrame(rows, columns=["searcher", "runs", "trials", "mean", "std"])


def _first(series: pd.Series):
    values = series.dropna()
    return int(values.iloc[0]) if len(values) else pd.NA
