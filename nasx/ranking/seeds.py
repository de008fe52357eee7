"""One row per trained network over its seeds: mean, sample standard deviation, standard error, n.

A network is a reference family (by name) or a searched architecture (by the key of its trained spec; its trial id
when it has no key), grouped further by `keys` (default: the stage, so search and confirm numbers never mix). Its
seeds are its rows: trial ids `ref-efficientnet_b0`, `ref-efficientnet_b0@s1`, ... (`base_trial_id` strips the
suffix). `noise_se` is the standard error the noise rule uses: the network's own when it has several seeds; otherwise
the pooled seed standard deviation of the networks of the same group that have several (sqrt of their variances
averaged with n - 1 weights) over sqrt(n); NaN when no network of the group has two seeds (the noise is then
unmeasured).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from nasx.ranking.pareto import ACC

SEED_SUFFIX = re.compile(r"@s\d+$")
COSTS = ("macs", "params", "full_macs", "full_params", "latency_ms")
COLUMNS = [
    "network",
    "trial_id",
    "family",
    "arch",
    "arch_key",
    "full_arch",
    *COSTS,
    "n",
    "mean",
    "std",
    "se",
    "noise_se",
    "min",
    "max",
    "reward",
    "seeds",
    "trials",
]


def seed_trial_id(trial_id: str, seed: int, first_seed: int) -> str:
    """The trial id of one seed of a network: the plain id for the first seed, `ID@sSEED` for the others."""
    return trial_id if seed == first_seed else f"{trial_id}@s{seed}"


def base_trial_id(trial_id: str) -> str:
    """`ref-efficientnet_b0@s2` -> `ref-efficientnet_b0`."""
    return SEED_SUFFIX.sub("", str(trial_id))


def _floats(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").astype("float64").to_numpy()


def _text(value) -> str:
    return "" if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) else str(value)


def _mean(series: pd.Series) -> float:
    values = _floats(series)
    return float(np.nanmean(values)) if np.isfinite(values).any() else math.nan


def network_of(frame: pd.DataFrame) -> pd.Series:
    """The network each row trained: its family name, else its trained arch key, else its trial id
    without the seed suffix."""
    family = frame["family"].fillna("").astype(str)
    key = frame["arch_key"].fillna("").astype(str)
    key = key.where(key != "", frame["trial_id"].astype(str).map(base_trial_id))
    return family.where(family != "", key)


def pooled_std(n, std) -> float:
    """sqrt(sum((n_i - 1) s_i^2) / sum(n_i - 1)) over the networks with n_i >= 2; NaN when there are none."""
    n, std = np.asarray(n, dtype=float), np.asarray(std, dtype=float)
    several = (n >= 2) & np.isfinite(std)
    dof = float(np.sum(n[several] - 1))
    return math.sqrt(float(np.sum((n[several] - 1) * std[several] ** 2)) / dof) if dof else math.nan


def seed_stats(frame: pd.DataFrame, *, acc: str = ACC, keys: tuple[str, ...] = ("stage",)) -> pd.DataFrame:
    """Per network and `keys` group, over the rows with status ok and a finite accuracy (see the module
    docstring); sorted by the group keys, then by mean accuracy, best first."""
    a = _floats(frame[acc]) if len(frame) else np.array([])
    ok = frame[(frame["status"] == "ok").fillna(False).to_numpy(bool) & np.isfinite(a)] if len(frame) else frame
    if ok.empty:
        return pd.DataFrame(columns=[*keys, *COLUMNS])
    ok = ok.assign(
        network=network_of(ok).to_numpy(),
        _acc=_floats(ok[acc]),
        _seed=pd.to_numeric(ok["seed"], errors="coerce").fillna(-1).to_numpy(),
    )
    out = []
    for group, part in ok.groupby([*keys, "network"], sort=False, dropna=False):
        part = part.sort_values("_seed", kind="stable")
        first, values = part.iloc[0], part["_acc"].to_numpy()
        std = float(np.std(values, ddof=1)) if len(values) > 1 else math.nan
        out.append(
            {
                **dict(zip([*keys, "network"], group if isinstance(group, tuple) else (group,))),
                "trial_id": base_trial_id(first["trial_id"]),
                "family": _text(first["family"]),
                "arch": _text(first["arch"]),
                "arch_key": _text(first["arch_key"]),
                "full_arch": _text(first["full_arch"]),
                **{c: _mean(part[c]) for c in COSTS},
                "n": len(values),
                "mean": float(values.mean()),
                "std": std,
                "se": std / math.sqrt(len(values)),
                "noise_se": math.nan,
                "min": float(values.min()),
                "max": float(values.max()),
                "reward": _mean(part["reward"]),
                "seeds": ",".join(str(int(s)) for s in part["_seed"] if s >= 0),
                "trials": ",".join(map(str, part["trial_id"])),
            }
        )
    stats = pd.DataFrame(out, columns=[*keys, *COLUMNS])
    for _, part in stats.groupby(list(keys), sort=False, dropna=False) if keys else [(None, stats)]:
        idx = part.index
        pooled = pooled_std(part["n"], part["std"])
        n = part["n"].to_numpy(float)
        stats.loc[idx, "noise_se"] = np.where(n >= 2, part["se"].to_numpy(float), pooled / np.sqrt(n))
    order = [*keys, "mean"]
    return stats.sort_values(order, ascending=[True] * len(keys) + [False], kind="stable").reset_index(drop=True)


def spread_text(mean: float, std: float, n: int) -> str:
    """'0.9512 ± 0.0031 (3 seeds)'; one seed: '0.9512 (1 seed)'."""
    if n >= 2 and math.isfinite(std):
        return f"{mean:.4f} ± {std:.4f} ({n} seeds)"
    return f"{mean:.4f} ({n} seed{'s' if n != 1 else ''})"
