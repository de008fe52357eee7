"""Where each reference family stands against the frontier of the searched networks.

For a family at (accuracy a, cost m), against the searched front:
- `dominated_by`: how many searched networks have accuracy >= a and cost <= m, one of them strictly;
  `on_frontier` when none does.
- `gap_at_equal_cost` = a - (best searched accuracy at cost <= m), the frontier read as a step line;
  negative when the search found a better network for the same budget; NaN when no searched network
  is that cheap.
- `cost_ratio_at_equal_acc` = m / (least searched cost reaching accuracy >= a); above 1 when the search
  reaches the family's accuracy more cheaply; NaN when no searched network is that accurate.
- `nearest`: the searched architecture closest in the space's choices, by normalised Hamming distance
  (`choice_distance`); only for families that are points of a space (non-empty choices).
Several runs or seeds of the same family are averaged (mean accuracy and cost): `seeds` counts its
rows, `acc_std` is their sample standard deviation, and `verdict` is nasx.ranking.verdicts' line by the
noise rule (dominated only beyond the measured seed noise).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nasx.analysis.frame import ACC, as_float, finished, parse_choices, references, searched
from nasx.analysis.pareto import accuracy_at, cost_at, dominated_by, frontier
from nasx.ranking.seeds import seed_stats
from nasx.ranking.verdicts import family_verdicts

COLUMNS = [
    "family",
    "runs",
    "seeds",
    "acc",
    "acc_std",
    "cost",
    "verdict",
    "on_frontier",
    "dominated_by",
    "gap_at_equal_cost",
    "cost_ratio_at_equal_acc",
    "nearest_trial",
    "nearest_distance",
    "nearest_acc",
    "nearest_arch",
]


def choice_distance(a: dict, b: dict) -> float:
    """Share of the choice keys (union of both) whose values differ or that only one side has; 0..1.
    NaN when both are empty."""
    keys = set(a) | set(b)
    if not keys:
        return float("nan")
    return sum(1 for k in keys if k not in a or k not in b or a[k] != b[k]) / len(keys)


def nearest(target: dict, candidates: list[dict]) -> tuple[int, float]:
    """Index and distance of the candidate closest to `target` (first one on ties); (-1, NaN) if none."""
    if not target or not candidates:
        return -1, float("nan")
    distances = [choice_distance(target, c) if c else float("nan") for c in candidates]
    if all(np.isnan(d) for d in distances):
        return -1, float("nan")
    i = int(np.nanargmin(distances))
    return i, float(distances[i])


def family_table(frame: pd.DataFrame, cost: str = "macs", acc: str = ACC) -> pd.DataFrame:
    """One row per reference family with a finished trial (see the module docstring for the columns)."""
    rows = finished(frame, cost, acc)
    search = searched(rows)
    front = frontier(search, cost, acc)
    front_acc, front_cost = as_float(front[acc]), as_float(front[cost])
    s_acc, s_cost = as_float(search[acc]), as_float(search[cost])
    s_choices = [parse_choices(t) for t in search["choices"]]
    out: list[dict] = []
    if not len(rows):  # no finished trial, so no family either
        return pd.DataFrame(out, columns=COLUMNS)
    verdicts = family_verdicts(seed_stats(rows, acc=acc, keys=()), cost=cost).set_index("family")
    for name, fam in references(rows).groupby("family", sort=True):
        a, m = float(as_float(fam[acc]).mean()), float(as_float(fam[cost]).mean())
        count = dominated_by(a, m, s_acc, s_cost)
        gap = a - accuracy_at(front_acc, front_cost, m)
        ratio = m / cost_at(front_acc, front_cost, a)
        i, distance = nearest(parse_choices(fam["choices"].iloc[0]), s_choices)
        accs = as_float(fam[acc])
        out.append(
            {
                "family": name,
                "runs": fam["run"].nunique() if "run" in fam else 1,
                "seeds": len(fam),
                "acc": a,
                "acc_std": float(np.std(accs, ddof=1)) if len(accs) > 1 else float("nan"),
                "cost": m,
                "verdict": verdicts.loc[name, "text"],
                "on_frontier": count == 0,
                "dominated_by": count,
                "gap_at_equal_cost": gap,
                "cost_ratio_at_equal_acc": ratio,
                "nearest_trial": search["trial_id"].iloc[i] if i >= 0 else "",
                "nearest_arch": search["arch"].iloc[i] if i >= 0 else "",
                "nearest_distance": distance,
                "nearest_acc": float(s_acc[i]) if i >= 0 else float("nan"),
            }
        )
    return pd.DataFrame(out, columns=COLUMNS)
