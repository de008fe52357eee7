"""Searchers compared over runs (seeds): the best accuracy and reward each run found, mean and spread."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nasx.analysis.frame import ACC, as_float, finished, searched

COLUMNS = ["searcher", "runs", "trials", "best_acc_mean", "best_acc_std", "best_reward_mean", "best_reward_std"]


def _spread(values: list[float]) -> tuple[float, float]:
    values = [v for v in values if np.isfinite(v)]
    if not values:
        return float("nan"), float("nan")
    return float(np.mean(values)), float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def best_per_searcher(frame: pd.DataFrame, acc: str = ACC) -> pd.DataFrame:
    """Per searcher: runs, mean searched trials per run, and the mean and sample standard deviation over
    runs of each run's best accuracy and best reward (finished searched trials only)."""
    rows = []
    done = searched(finished(frame, acc=acc))
    for name, part in searched(frame).groupby("searcher", sort=True):
        runs = part["run"].unique()
        best_acc, best_reward = [], []
        for run in runs:
            ok = done[(done["run"] == run).to_numpy(bool) & (done["searcher"] == name).to_numpy(bool)]
            best_acc.append(float(np.nanmax(as_float(ok[acc]))) if len(ok) else float("nan"))
            reward = as_float(ok["reward"])
            best_reward.append(float(np.nanmax(reward)) if np.isfinite(reward).any() else float("nan"))
        rows.append(
            {
                "searcher": name,
                "runs": len(runs),
                "trials": len(part) / len(runs),
                **dict(zip(("best_acc_mean", "best_acc_std"), _spread(best_acc))),
                **dict(zip(("best_reward_mean", "best_reward_std"), _spread(best_reward))),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
