"""Learning curves in the report: validation accuracy after each epoch of the search's best trials and of
the reference families (mean over their seeds, band from the lowest to the highest seed), and of the
confirmation stage's networks, from each run's curves (`nasx.results.curves`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from nasx.analysis.frame import ACC, stack_runs
from nasx.analysis.plots import new_figure
from nasx.ranking.stages import CONFIRM, SEARCH, rank_by, stage_rows
from nasx.results import curves

TOP = 5  # searched trials drawn at most (fewer with `nasx analyze --top N`)
TABLE_COLUMNS = ["curve", "stage", "trials", "epochs", f"last {ACC}", f"best {ACC}"]


def load_curves(run_dirs: list[str | Path]) -> pd.DataFrame:
    """The curves of `run_dirs` stacked, with a `run` column (`run_names`); runs without curves add no rows."""
    return stack_runs(run_dirs, curves.load, curves.empty_frame().assign(run=[]))


def _ok(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[(rows["status"] == "ok").fillna(False).to_numpy(bool)]


def _having(rows: pd.DataFrame, have: set) -> np.ndarray:
    """Mask of the rows whose (run, trial_id) has a curve."""
    return np.array([(r, t) in have for r, t in zip(rows["run"], rows["trial_id"])], dtype=bool)


def curve_groups(frame: pd.DataFrame, curve_frame: pd.DataFrame, top: int = TOP) -> list[tuple[str, str, list]]:
    """(label, stage, [(run, trial_id), ...]) of every curve to draw: the `top` searched trials of the search
    stage by its objective (reward, else val/top1), each reference family over its seeds and runs, and each
    network of the confirmation stage over its seeds; only trials that have a curve."""
    have = set(zip(curve_frame["run"], curve_frame["trial_id"]))
    groups = []
    search = _ok(stage_rows(frame, SEARCH))
    search = search[_having(search, have)]
    family = search["family"].fillna("").astype(str)
    searched = search[(family == "").to_numpy(bool)]
    if len(searched):
        by = "reward" if rank_by(searched) == "reward" else ACC
        best = (
            searched.assign(_by=pd.to_numeric(searched[by], errors="coerce"))
            .sort_values("_by", ascending=False, kind="stable")
            .head(top)
        )
        several = frame["run"].nunique() > 1
        for rank, (_, r) in enumerate(best.iterrows(), 1):
            label = f"#{rank} {r['trial_id']}" + (f" ({r['run']})" if several else "")
            groups.append((label, SEARCH, [(r["run"], r["trial_id"])]))
    for name, rows in search[(family != "").to_numpy(bool)].groupby("family", sort=True):
        groups.append((str(name), SEARCH, list(zip(rows["run"], rows["trial_id"]))))
    confirm = _ok(stage_rows(frame, CONFIRM))
    confirm = confirm[_having(confirm, have)]
    if len(confirm):
        stems = confirm["trial_id"].astype(str).str.split("@").str[0]
        for stem, rows in confirm.groupby(stems.to_numpy(), sort=True):
            fam = str(rows["family"].fillna("").iloc[0])
            groups.append((fam or stem.removeprefix("confirm-"), CONFIRM, list(zip(rows["run"], rows["trial_id"]))))
    return groups


def group_curve(curve_frame: pd.DataFrame, trials: list) -> pd.DataFrame:
    """Per epoch: mean, min and max of val/top1 over `trials` (the epochs where it was measured) and how many."""
    keys = pd.MultiIndex.from_frame(curve_frame[["run", "trial_id"]].astype(str))
    rows = curve_frame[keys.isin([(str(r), str(t)) for r, t in trials])]
    rows = rows.assign(acc=pd.to_numeric(rows[ACC], errors="coerce")).dropna(subset=["acc"])
    stats = rows.groupby("epoch")["acc"].agg(["mean", "min", "max", "count"]).reset_index()
    return stats.astype({"epoch": int})


def curves_table(frame: pd.DataFrame, curve_frame: pd.DataFrame, top: int = TOP) -> pd.DataFrame:
    out = []
    for label, stage, trials in curve_groups(frame, curve_frame, top):
        stats = group_curve(curve_frame, trials)
        if len(stats):
            out.append(
                {
                    "curve": label,
                    "stage": stage,
                    "trials": len(trials),
                    "epochs": int(stats["epoch"].max()),
                    f"last {ACC}": float(stats["mean"].iloc[-1]),
                    f"best {ACC}": float(stats["mean"].max()),
                }
            )
    return pd.DataFrame(out, columns=TABLE_COLUMNS)


def curves_figure(frame: pd.DataFrame, curve_frame: pd.DataFrame, top: int = TOP) -> Figure:
    """Validation accuracy against epoch, one panel per stage that has curves. A searched trial is one line
    (label '#rank trial_id'); a family or confirmed network is its mean over its trials (seeds x runs; label
    '<name> (mean of <n> trials)')
    with a band from the lowest to the highest seed."""
    groups = curve_groups(frame, curve_frame, top)
    stages = [s for s in (SEARCH, CONFIRM) if any(g[1] == s for g in groups)]
    fig = new_figure(12.0 if len(stages) > 1 else 7.0, 4.2)
    axes = fig.subplots(1, max(len(stages), 1), squeeze=False)[0]
    for ax, stage in zip(axes, stages):
        for i, (label, _, trials) in enumerate(g for g in groups if g[1] == stage):
            stats = group_curve(curve_frame, trials)
            if stats.empty:
                continue
            x, y = stats["epoch"].to_numpy(int), stats["mean"].to_numpy(float)
            name = f"{label} (mean of {len(trials)} trials)" if len(trials) > 1 else label
            dashed = stage == SEARCH and not label.startswith("#")
            ax.plot(x, y, marker="o", markersize=3, color=f"C{i % 10}", linestyle="--" if dashed else "-", label=name)
            if len(trials) > 1:
                ax.fill_between(
                    x, stats["min"].to_numpy(float), stats["max"].to_numpy(float), color=f"C{i % 10}", alpha=0.15
                )
        ax.set_xlabel("epoch")
        ax.set_ylabel(f"validation top-1 accuracy ({ACC})")
        ax.set_title(
            "search stage: best trials (one seed each) and reference families"
            if stage == SEARCH
            else "confirmation stage: each network's mean over its seeds",
            fontsize=10,
        )
        last = max((int(curve_frame["epoch"].max()) if len(curve_frame) else 1), 1)
        ax.set_xlim(0.5, last + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    if not stages:
        axes[0].set_axis_off()
    fig.suptitle("Learning curves: validation accuracy after each epoch", fontsize=11)
    return fig


def trials_with_curves(curve_frame: pd.DataFrame) -> int:
    return (
        int(np.unique(curve_frame[["run", "trial_id"]].astype(str).agg("/".join, axis=1)).size)
        if len(curve_frame)
        else 0
    )
