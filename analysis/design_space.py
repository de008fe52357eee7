"""Design-space statistics (Radosavovic et al., "On Network Design Spaces for Visual Recognition", 2019):
error EDFs per space, complexity-normalised, and error against each design parameter.

Complexity normalisation: log10(MACs) is cut into `bins` equal-width bins over all samples. A bin is
shared when every space has a sample in it; each space's samples in a shared bin get weight
1 / (shared bins x samples of that space in the bin), samples outside shared bins weight 0. Every space's
weights then sum to 1 and spread uniformly over the same bins, so the spaces are compared at matched
complexity. The EDF is F(e) = sum of the weights of the samples with error <= e.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from nasx.analysis.frame import ACC, as_float, finished, parse_choices, searched


def design_samples(frame: pd.DataFrame, cost: str = "macs", acc: str = ACC) -> pd.DataFrame:
    """Finished searched rows with a space: columns space, error (1 - accuracy), macs, choices (dict)."""
    rows = searched(finished(frame, cost, acc))
    rows = rows[rows["space"].fillna("").astype(str).str.len().to_numpy() > 0]
    return pd.DataFrame({"space": rows["space"].astype(str).to_numpy(), "error": 1.0 - as_float(rows[acc]),
                         "macs": as_float(rows[cost]), "choices": [parse_choices(t) for t in rows["choices"]]})


def complexity_weights(macs, spaces, bins: int = 10) -> np.ndarray:
    """Weights that give every space the same (uniform over shared log-MACs bins) complexity distribution."""
    log_macs, spaces = np.log10(np.asarray(macs, dtype=float)), np.asarray(spaces, dtype=object)
    lo, hi = log_macs.min(), log_macs.max()
    edges = np.linspace(lo, hi, bins + 1) if hi > lo else np.array([lo - 0.5, lo + 0.5])
    which = np.clip(np.searchsorted(edges, log_macs, side="right") - 1, 0, len(edges) - 2)
    names = sorted(set(spaces))
    counts = {s: np.bincount(which[spaces == s], minlength=len(edges) - 1) for s in names}
    shared = np.all([counts[s] > 0 for s in names], axis=0)
    weights = np.zeros(len(log_macs))
    for i, (s, b) in enumerate(zip(spaces, which)):
        if shared[b]:
            weights[i] = 1.0 / (shared.sum() * counts[s][b])
    return weights


def edf(errors, weights=None) -> tuple[np.ndarray, np.ndarray]:
    """Sorted errors and the (weighted) fraction of samples with error <= each; zero-weight samples dropped."""
    errors = np.asarray(errors, dtype=float)
    weights = np.ones(len(errors)) if weights is None else np.asarray(weights, dtype=float)
    keep = weights > 0
    errors, weights = errors[keep], weights[keep]
    order = np.argsort(errors, kind="stable")
    return errors[order], np.cumsum(weights[order]) / weights.sum()


def edf_table(samples: pd.DataFrame, normalized: bool = True, bins: int = 10) -> pd.DataFrame:
    """Per space: samples, used (non-zero weight), min error, and the (weighted) median error and share of
    samples within 1% error of the best of all spaces."""
    weights = complexity_weights(samples["macs"], samples["space"], bins) if normalized else np.ones(len(samples))
    best = samples["error"].min()
    out = []
    for space in sorted(samples["space"].unique()):
        part = (samples["space"] == space).to_numpy()
        x, f = edf(samples["error"].to_numpy()[part], weights[part])
        out.append({"space": space, "samples": int(part.sum()), "used": len(x),
                    "min_error": float(x.min()) if len(x) else float("nan"),
                    "median_error": float(x[np.searchsorted(f, 0.5 - 1e-12)]) if len(x) else float("nan"),
                    "within_1pct": float(f[x <= best + 0.01][-1]) if (x <= best + 0.01).any() else 0.0})
    return pd.DataFrame(out, columns=["space", "samples", "used", "min_error", "median_error", "within_1pct"])


def edf_figure(samples: pd.DataFrame, normalized: bool = True, bins: int = 10) -> Figure:
    """Error EDF per space (line label = space; x = error, y = cumulative share), as in pycls."""
    weights = complexity_weights(samples["macs"], samples["space"], bins) if normalized else np.ones(len(samples))
    fig = Figure(figsize=(6.0, 4.2), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    for space in sorted(samples["space"].unique()):
        part = (samples["space"] == space).to_numpy()
        x, f = edf(samples["error"].to_numpy()[part], weights[part])
        ax.plot(x, f, drawstyle="steps-post", label=f"{space}")
    ax.set_xlabel("error (1 - validation accuracy)")
    ax.set_ylabel("cumulative share of models")
    ax.set_ylim(0, 1.02)
    ax.set_title("Error EDF" + (", complexity-normalised" if normalized else ""), fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def parameter_table(samples: pd.DataFrame) -> pd.DataFrame:
    """Per space, design parameter (choice key) and value: n, mean and min error."""
    records = [{"space": s, "parameter": k, "value": str(v), "number": _number(v), "error": e}
               for s, e, ch in zip(samples["space"], samples["error"], samples["choices"]) for k, v in ch.items()]
    cols = ["space", "parameter", "value", "n", "mean_error", "min_error"]
    if not records:
        return pd.DataFrame(columns=cols)
    data = pd.DataFrame(records)
    out = data.groupby(["space", "parameter", "number", "value"], sort=True, dropna=False)["error"].agg(
        n="size", mean_error="mean", min_error="min")
    return out.reset_index()[cols]


def _number(value) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else float("nan")


def parameters_figure(samples: pd.DataFrame, max_parameters: int = 12) -> Figure:
    """Error against each design parameter: one panel per choice key (title = key), one scatter per space
    (label = space); numeric values on a numeric axis, others as categories."""
    keys = sorted({k for ch in samples["choices"] for k in ch})[:max_parameters]
    cols = min(4, max(1, len(keys)))
    rows = max(1, -(-len(keys) // cols))
    fig = Figure(figsize=(3.0 * cols, 2.5 * rows), dpi=100, layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, key in zip(axes, keys):
        values = [ch.get(key) for ch in samples["choices"]]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values if v is not None)
        categories = sorted({str(v) for v in values if v is not None})
        for i, space in enumerate(sorted(samples["space"].unique())):
            pick = [j for j, (s, v) in enumerate(zip(samples["space"], values)) if s == space and v is not None]
            x = [values[j] if numeric else categories.index(str(values[j])) for j in pick]
            ax.scatter(x, samples["error"].to_numpy()[pick], s=8, alpha=0.6, color=f"C{i}", label=space)
        if not numeric:
            ax.set_xticks(range(len(categories)), categories, fontsize=6)
        ax.set_title(key, fontsize=8)
        ax.set_ylabel("error", fontsize=7)
        ax.grid(True, alpha=0.3)
    for ax in axes[len(keys):]:
        ax.set_visible(False)
    if keys:
        axes[0].legend(fontsize=6)
    return fig
