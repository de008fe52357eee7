"""What a search and its confirmation stage print when they end: counts, the best networks, the Pareto
set (nasx.ranking.pareto's axes), and each reference family's verdict by the noise rule."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from nasx.ranking import noise, pareto
from nasx.ranking.seeds import seed_stats, spread_text
from nasx.ranking.stages import CONFIRM, SEARCH, confirm_networks, confirmed_table, rank_by, search_ranking, stage_rows
from nasx.ranking.verdicts import family_verdicts
from nasx.table import human, render

TOP = 5
HEADER = ["trial", "family", "seeds", "val/top1 (mean ± std)", "reward", "MACs (full)", "MACs (trained)", "arch"]


def _acc(r) -> str:
    return f"{r['mean']:.4f}" + (f" ± {r['std']:.4f}" if r["n"] > 1 and math.isfinite(r["std"]) else "")


def _rows(stats: pd.DataFrame) -> list[list]:
    return [
        [
            r["trial_id"],
            r["family"],
            r["n"],
            _acc(r),
            "-" if pd.isna(r["reward"]) else f"{r['reward']:.4f}",
            human(r["full_macs"]),
            human(r["macs"]),
            r["arch"] if len(r["arch"]) <= 70 else r["arch"][:67] + "...",
        ]
        for _, r in stats.iterrows()
    ]


def _front(stats: pd.DataFrame) -> pd.DataFrame:
    searched = stats[(stats["family"] == "").to_numpy(bool)]
    return searched[pareto.pareto_mask(searched["mean"], searched[pareto.COST])].sort_values(pareto.COST)


def _verdict_lines(stats: pd.DataFrame, against: str) -> list[str]:
    verdicts = family_verdicts(stats)
    if verdicts.empty:
        return []
    width = max(len(f) for f in verdicts["family"])
    return [f"reference families against the {against} (better = {noise.RULE}):"] + [
        f"  {v['family']:<{width}}  {spread_text(v['mean'], v['std'], v['n'])}  {v['text']}"
        for _, v in verdicts.iterrows()
    ]


def summary(frame: pd.DataFrame, setup=None) -> list[str]:
    """Lines to print when a search ends (its search-stage rows; networks averaged over their seeds). The
    ranking follows the rows (reward when they have one), so `setup` is not needed."""
    frame = stage_rows(frame, SEARCH)
    counts = frame["status"].value_counts()
    lines = [f"{len(frame)} trials: " + ", ".join(f"{counts.get(s, 0)} {s}" for s in ("ok", "failed", "pruned"))]
    stats = seed_stats(frame, keys=())
    if stats.empty:
        return lines + ["no trial finished: nothing to rank"]
    ranking = search_ranking(frame)
    by = "reward" if rank_by(frame[(frame["family"].fillna("") == "").to_numpy(bool)]) == "reward" else "val/top1"
    lines += [f"best {TOP} searched by {by}:", render(HEADER, _rows(ranking.head(TOP)), right={2, 3, 4, 5, 6})]
    lines += [
        f"Pareto set ({pareto.AXES}), searched networks:",
        render(HEADER, _rows(_front(stats)), right={2, 3, 4, 5, 6}),
    ]
    return lines + _front_lines(stats, setup) + _verdict_lines(stats, "searched networks")


def _front_lines(stats: pd.DataFrame, setup) -> list[str]:
    """With several costs (objective.metrics): the searched networks on the front in all the search's objectives,
    and how many finished networks lack a cost (so are not on it)."""
    columns = setup.objective.cost_columns() if setup is not None and setup.objective.mode == "multi" else ()
    if len(columns) < 2:
        return []
    searched = stats[(stats["family"] == "").to_numpy(bool)]
    values = searched[["mean", *columns]].to_numpy(float)
    on = searched[pareto.nondominated(pareto.minimised(values, ("max", *("min",) * len(columns))))]
    names = ", ".join(["val/top1 (max)", *(f"{c} (min)" for c in columns)])
    lines = [f"Pareto set in {len(columns) + 1} objectives ({names}): {', '.join(on['trial_id']) or '-'}"]
    lacking = int((~np.isfinite(values).all(axis=1)).sum())
    if lacking:
        lines.append(f"  {lacking} finished searched networks lack a cost ({', '.join(columns)}): not on that set")
    return lines


def _init_lines(rows: pd.DataFrame) -> list[str]:
    """A line when confirmed networks started from a supernet's weights (init=inherited): which did, and which
    trained from scratch beside them (their verdicts then compare unequal starts)."""
    init = rows["init"].fillna("scratch").astype(str).to_numpy()
    if not (init == "inherited").any():
        return []
    scratch = rows[init == "scratch"]
    names = sorted({f or str(t).split("@")[0] for f, t in zip(scratch["family"].fillna(""), scratch["trial_id"])})
    return [
        "init=inherited: fine-tuned from the supernet's weights"
        + (f"; trained from scratch (not held by the supernet): {', '.join(names)}" if names else "")
    ]


def confirmed_summary(frame: pd.DataFrame) -> list[str]:
    """Lines to print when a confirmation stage ends: search rank against confirmed rank per finalist,
    the confirmed Pareto set, and one verdict per family with its seed spread."""
    rows = stage_rows(frame, CONFIRM)
    counts = rows["status"].value_counts()
    rungs = ", ".join(sorted({str(r) for r in rows["rung"].dropna() if str(r)})) or "-"
    lines = [
        f"confirmed ({rungs}): {len(rows)} trials: "
        + ", ".join(f"{counts.get(s, 0)} {s}" for s in ("ok", "failed", "pruned"))
    ]
    lines += _init_lines(rows)
    table = confirmed_table(frame)
    if table.empty:
        return lines + ["no confirmed trial finished: nothing to rank"]
    lines += [
        "finalists, search rank against confirmed rank:",
        render(
            [
                "trial",
                "search rank",
                "search val/top1",
                "confirmed rank",
                "confirmed val/top1 (mean ± std)",
                "seeds",
                "MACs (trained)",
                "beaten beyond noise by",
            ],
            [
                [
                    r["trial_id"],
                    r["search_rank"] if r["search_rank"] > 0 else "-",
                    f"{r['search_mean']:.4f}",
                    r["confirmed_rank"],
                    _acc(r),
                    r["n"],
                    human(r["macs"]),
                    r["beaten_by"] or "-",
                ]
                for _, r in table.iterrows()
            ],
            right={1, 2, 3, 4, 5, 6},
        ),
    ]
    stats = confirm_networks(frame)
    front = _front(stats)
    lines.append(f"confirmed Pareto set of the finalists ({pareto.AXES}): {', '.join(front['trial_id']) or '-'}")
    return lines + _verdict_lines(stats, "confirmed finalists")
