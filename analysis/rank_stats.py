"""Rank agreement between two scorings of the same architectures (numpy and pandas only).

`spearman` and `kendall_tau_b` handle ties as scipy does (average ranks; tau-b); `bootstrap_interval`
resamples architectures with replacement under a fixed seed; `top_k_recall` counts how many of the
true top fraction a scoring puts in its own top fraction; `seed_noise_floor` is the rank correlation
between two seeds of the same protocol, averaged over seed pairs.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

N_BOOT = 1000
LEVEL = 0.95
TOP_FRACTION = 0.1


def _pair(x, y) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"rank statistics need two 1-d arrays of one length, got {x.shape} and {y.shape}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("rank statistics need finite values (drop missing architectures first)")
    return x, y


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n along the last axis, ties sharing their average rank."""
    frame = pd.DataFrame(np.atleast_2d(values))
    ranks = frame.rank(axis=1, method="average").to_numpy()
    return ranks.reshape(values.shape)


def _rows_pearson(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a - a.mean(axis=-1, keepdims=True)
    b = b - b.mean(axis=-1, keepdims=True)
    denominator = np.sqrt((a * a).sum(axis=-1) * (b * b).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, (a * b).sum(axis=-1) / np.where(denominator > 0, denominator, 1), np.nan)


def spearman(x, y) -> float:
    """Spearman's rho: Pearson's correlation of the average ranks (NaN when either side is constant)."""
    x, y = _pair(x, y)
    return float(_rows_pearson(_average_ranks(x), _average_ranks(y)))


def _tau_b_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Kendall's tau-b of each row pair of (B, n) arrays."""
    sx = np.sign(x[:, :, None] - x[:, None, :])
    sy = np.sign(y[:, :, None] - y[:, None, :])
    upper = np.triu(np.ones(x.shape[1], dtype=bool), k=1)
    score = (sx * sy)[:, upper].sum(axis=1)
    untied_x, untied_y = np.abs(sx)[:, upper].sum(axis=1), np.abs(sy)[:, upper].sum(axis=1)
    denominator = np.sqrt(untied_x * untied_y)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, score / np.where(denominator > 0, denominator, 1), np.nan)


def kendall_tau_b(x, y) -> float:
    """Kendall's tau-b: (concordant - discordant pairs) / sqrt(pairs untied in x * pairs untied in y)."""
    x, y = _pair(x, y)
    return float(_tau_b_rows(x[None], y[None])[0])


STATISTICS = {
    "spearman": lambda x, y: _rows_pearson(_average_ranks(x), _average_ranks(y)),
    "kendall_tau_b": _tau_b_rows,
}


def bootstrap_interval(
    statistic: str, x, y, *, n_boot: int = N_BOOT, seed: int = 0, level: float = LEVEL
) -> tuple[float, float]:
    """Percentile bootstrap interval of `statistic` ("spearman" or "kendall_tau_b"), resampling the
    architectures (pairs) with replacement `n_boot` times from `numpy.random.default_rng(seed)`.
    Resamples in which one side is constant are left out; (NaN, NaN) for fewer than 3 pairs."""
    x, y = _pair(x, y)
    if statistic not in STATISTICS:
        raise ValueError(f"unknown statistic {statistic!r}; choose one of {', '.join(STATISTICS)}")
    if len(x) < 3:
        return (math.nan, math.nan)
    index = np.random.default_rng(seed).integers(0, len(x), size=(n_boot, len(x)))
    values = STATISTICS[statistic](x[index], y[index])
    values = values[np.isfinite(values)]
    if not len(values):
        return (math.nan, math.nan)
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return (float(low), float(high))


def top_k(values, k: int) -> set[int]:
    """Positions of the k largest values (ties broken by position, earlier first)."""
    order = sorted(range(len(values)), key=lambda i: (-float(values[i]), i))
    return set(order[:k])


def top_k_count(n: int, fraction: float = TOP_FRACTION) -> int:
    """k of the top fraction of n architectures: ceil(fraction * n), at least 1."""
    return max(1, math.ceil(fraction * n - 1e-9))


def top_k_recall(predicted, truth, fraction: float = TOP_FRACTION) -> float:
    """Share of the true top `fraction` (by `truth`) that `predicted` also puts in its top `fraction`."""
    predicted, truth = _pair(predicted, truth)
    k = top_k_count(len(truth), fraction)
    return len(top_k(predicted, k) & top_k(truth, k)) / k


def seed_noise_floor(by_seed: pd.DataFrame) -> tuple[float, int]:
    """(mean Spearman rho over seed pairs, number of pairs) of a table with one column per seed and one
    row per architecture; each pair uses the architectures finished under both seeds (at least 3)."""
    values = []
    for a, b in itertools.combinations(by_seed.columns, 2):
        both = by_seed[[a, b]].astype(float).dropna()
        if len(both) >= 3:
            rho = spearman(both[a].to_numpy(), both[b].to_numpy())
            if math.isfinite(rho):
                values.append(rho)
    return (float(np.mean(values)) if values else math.nan, len(values))
