"""The end-of-search summary: counts, the best candidates, and the Pareto set."""
from __future__ import annotations

import pandas as pd

from analysis.pareto import pareto_mask
from nasx.cli.table import human, render

TOP = 5


def _rows(frame: pd.DataFrame) -> list[list]:
    return [[r.trial_id, r.family or "", f"{r['val/top1']:.4f}",
             "-" if pd.isna(r.reward) else f"{r.reward:.4f}", human(r.full_macs), human(r.macs),
             r.arch if len(r.arch) <= 70 else r.arch[:67] + "..."] for _, r in frame.iterrows()]


def summary(frame: pd.DataFrame, setup) -> list[str]:
    """Lines to print when a search ends."""
    counts = frame["status"].value_counts()
    lines = [f"{len(frame)} trials: " + ", ".join(f"{counts.get(s, 0)} {s}" for s in ("ok", "failed", "pruned"))]
    ok = frame[frame["status"] == "ok"]
    if ok.empty:
        return lines + ["no trial finished: nothing to rank"]
    header = ["trial", "family", "val/top1", "reward", "MACs (full)", "MACs (proxy)", "arch"]
    by = "reward" if setup.objective.mode == "reward" else "val/top1"
    lines += [f"best {TOP} by {by}:", render(header, _rows(ok.sort_values(by, ascending=False).head(TOP)),
                                              right={2, 3, 4, 5})]
    front = ok[pareto_mask(ok["val/top1"].to_numpy(float), ok["full_macs"].to_numpy(float))]
    lines += ["Pareto set (val/top1 vs full-scale MACs):",
              render(header, _rows(front.sort_values("full_macs")), right={2, 3, 4, 5})]
    return lines
