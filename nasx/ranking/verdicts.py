"""One verdict per reference family against the searched networks, by the noise rule.

With networks as `seed_stats` rows of one stage (families and searched networks), a family F at
(mean accuracy a_F, cost m_F) is
- "dominated by X beyond noise" when a searched network X with cost m_X <= m_F is more accurate
  beyond noise (`nasx.ranking.noise.beyond_noise` on the two means and their `noise_se`); X is the
  one with the largest margin in standard errors;
- "within noise of X" when some searched network dominates F on the means (as accurate or more at
  no more cost, strictly better in one) but none beyond noise, X the most accurate of them;
- "not decided (noise not measured)" in that case when a standard error is unknown (a single seed
  and no network with several);
- "on the frontier" when no searched network dominates F even on the means.
`beaten_by_families` applies the same rule the other way: which searched networks a family dominates
beyond noise.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from nasx.ranking.noise import beyond_noise, difference_se
from nasx.ranking.pareto import COST

ON_FRONTIER, DOMINATED, WITHIN, UNDECIDED = "on the frontier", "dominated", "within noise", "not decided"
COLUMNS = ["family", "n", "mean", "std", "cost", "verdict", "by", "margin", "margin_se", "text"]


def family_verdicts(networks: pd.DataFrame, cost: str = COST) -> pd.DataFrame:
    """One row per family of `networks`: n, mean, std, cost, verdict, by (the searched trial), margin
    (its mean minus the family's), margin_se (the standard error of that difference), text."""
    fam_mask = networks["family"].fillna("").astype(str) != ""
    fams, search = networks[fam_mask], networks[~fam_mask]
    s_mean, s_cost = search["mean"].to_numpy(float), search[cost].to_numpy(float)
    s_se = search["noise_se"].to_numpy(float)
    out = []
    for _, f in fams.sort_values("family").iterrows():
        a, m, se = float(f["mean"]), float(f[cost]), float(f["noise_se"])
        verdict, by = judge(a, se, m, s_mean, s_se, s_cost)
        who = str(search["trial_id"].iloc[by]) if by >= 0 else ""
        margin = float(s_mean[by] - a) if by >= 0 else math.nan
        margin_se = difference_se(s_se[by], se) if by >= 0 else math.nan
        out.append(
            {
                "family": f["family"],
                "n": int(f["n"]),
                "mean": a,
                "std": float(f["std"]),
                "cost": m,
                "verdict": verdict,
                "by": who,
                "margin": margin,
                "margin_se": margin_se,
                "text": verdict_text(verdict, who, margin, margin_se),
            }
        )
    return pd.DataFrame(out, columns=COLUMNS)


def judge(mean: float, se: float, cost: float, means, ses, costs) -> tuple[str, int]:
    """(verdict, index of the deciding point or -1) of the point (mean, se, cost) against the points
    (means, ses, costs), by the rules of the module docstring."""
    means, ses, costs = (np.asarray(v, dtype=float) for v in (means, ses, costs))
    cheaper = np.flatnonzero(costs <= cost)
    beyond = [i for i in cheaper if beyond_noise(means[i], ses[i], mean, se)]
    if beyond:
        return DOMINATED, int(max(beyond, key=lambda i: (means[i] - mean) / difference_se(ses[i], se)))
    nominal = [i for i in cheaper if means[i] >= mean and (means[i] > mean or costs[i] < cost)]
    if nominal:
        by = int(max(nominal, key=lambda i: means[i]))
        return (WITHIN if math.isfinite(difference_se(ses[by], se)) else UNDECIDED), by
    return ON_FRONTIER, -1


def beaten_by_families(networks: pd.DataFrame, cost: str = COST) -> dict[str, str]:
    """Searched trial id -> the reference family that dominates it beyond noise (the reverse verdict);
    searched networks no family beats are left out."""
    fam_mask = (networks["family"].fillna("").astype(str) != "").to_numpy(bool)
    fams, search = networks[fam_mask], networks[~fam_mask]
    out = {}
    for _, r in search.iterrows():
        verdict, by = judge(
            float(r["mean"]), float(r["noise_se"]), float(r[cost]), fams["mean"], fams["noise_se"], fams[cost]
        )
        if verdict == DOMINATED:
            out[str(r["trial_id"])] = str(fams["family"].iloc[by])
    return out


def verdict_text(verdict: str, by: str, margin: float, margin_se: float) -> str:
    """The one-line verdict, e.g. 'dominated by s0007 beyond noise (+0.0310 ± 0.0042 se)'."""
    if verdict == ON_FRONTIER:
        return ON_FRONTIER
    numbers = f"{margin:+.4f}" + (f" ± {margin_se:.4f} se" if math.isfinite(margin_se) else ", 1 seed")
    if verdict == DOMINATED:
        return f"dominated by {by} beyond noise ({numbers})"
    if verdict == WITHIN:
        return f"within noise of {by} ({numbers})"
    return f"not decided: {by} dominates it on the means ({numbers}) but the seed noise is not measured"
