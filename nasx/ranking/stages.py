"""The two stages of a search side by side: the search's ranking of its networks and the confirmation
stage's retraining of the top ones (`nasx confirm`), matched by trained architecture."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from nasx.ranking.seeds import seed_stats
from nasx.ranking.verdicts import beaten_by_families

SEARCH, CONFIRM = "search", "confirm"
CONFIRMED_COLUMNS = [
    "trial_id",
    "search_rank",
    "search_mean",
    "confirmed_rank",
    "n",
    "mean",
    "std",
    "se",
    "min",
    "max",
    "reward",
    "macs",
    "full_macs",
    "beaten_by",
    "arch",
    "trials",
]


def stage_rows(frame: pd.DataFrame, stage: str) -> pd.DataFrame:
    return frame[(frame["stage"].fillna(SEARCH) == stage).to_numpy(bool)]


def rank_by(frame: pd.DataFrame) -> str:
    """The `seed_stats` column that ranks by the search's objective: `reward` when the rows have one
    (reward mode), else `mean` (of val/top1)."""
    reward = pd.to_numeric(frame["reward"], errors="coerce") if len(frame) else pd.Series([], dtype=float)
    return "reward" if np.isfinite(reward.to_numpy(float)).any() else "mean"


def _ranked(stats: pd.DataFrame, by: str) -> pd.DataFrame:
    order: np.ndarray | list[int] = np.argsort(-stats[by].to_numpy(float), kind="stable") if len(stats) else []
    out = stats.iloc[order].reset_index(drop=True)
    return out.assign(rank=np.arange(1, len(out) + 1))


def search_ranking(frame: pd.DataFrame) -> pd.DataFrame:
    """The searched (non-reference) networks of the search stage that finished, best first by the search's
    objective (`rank_by`; means over seeds), with a 1-based `rank`."""
    rows = stage_rows(frame, SEARCH)
    rows = rows[(rows["family"].fillna("").astype(str) == "").to_numpy(bool)]
    stats = seed_stats(rows, keys=())
    return _ranked(stats, rank_by(rows))


def confirm_networks(frame: pd.DataFrame) -> pd.DataFrame:
    """`seed_stats` of the confirmation stage (finalists and families), each finalist named by the trial
    id it had in the search (matched by trained architecture)."""
    stats = seed_stats(stage_rows(frame, CONFIRM), keys=())
    ranking = search_ranking(frame)
    names = dict(zip(ranking["arch_key"], ranking["trial_id"]))
    searched = stats["family"].fillna("").astype(str) == ""
    stats.loc[searched, "trial_id"] = [
        names.get(k, t) for k, t in zip(stats.loc[searched, "arch_key"], stats.loc[searched, "trial_id"])
    ]
    return stats


def confirmed_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per confirmed searched network: its search trial id and rank, its confirmed rank (same
    objective, means over the confirmation seeds), n seeds, mean, std, se, min, max of val/top1, and the
    family that dominates it beyond noise (`beaten_by`, empty when none)."""
    rows = stage_rows(frame, CONFIRM)
    stats = confirm_networks(frame)
    confirmed = _ranked(stats[(stats["family"].fillna("").astype(str) == "").to_numpy(bool)], rank_by(rows))
    search = search_ranking(frame).set_index("arch_key")
    beaten = beaten_by_families(stats)
    out = []
    for _, r in confirmed.iterrows():
        s = search.loc[r["arch_key"]] if r["arch_key"] in search.index else None
        out.append(
            {
                "trial_id": r["trial_id"],
                "search_rank": int(s["rank"]) if s is not None else -1,
                "search_mean": float(s["mean"]) if s is not None else math.nan,
                "confirmed_rank": int(r["rank"]),
                "beaten_by": beaten.get(r["trial_id"], ""),
                **{
                    k: r[k]
                    for k in ("n", "mean", "std", "se", "min", "max", "reward", "macs", "full_macs", "arch", "trials")
                },
            }
        )
    return pd.DataFrame(out, columns=CONFIRMED_COLUMNS)
