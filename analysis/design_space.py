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

from nasx.analysis import labels
from nasx.analysis.frame import ACC, as_float, finished, parse_choices, searched


def design_samples(frame: pd.DataFrame, cost: str = "macs", acc: str = ACC) -> pd.DataFrame:
    """Finished searched rows with a space: columns space, error (1 - accuracy), macs, choices (dict)."""
    rows = searched(finished(frame, cost, acc))
    rows = rows[rows["space"].fillna("").astype(str).str.len().to_numpy() > 0]
    return pd.DataFrame(
        {
            "space": rows["space"].astype(str).to_numpy(),
            "error": 1.0 - as_float(rows[acc]),
            "macs": as_float(rows[cost]),
            "choices": [parse_choices(t) for t in rows["choices"]],
        }
    )


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
        out.append(
            {
                "space": space,
                "samples": int(part.sum()),
                "used": len(x),
                "min_error": float(x.min()) if len(x) else float("nan"),
                "median_error": float(x[np.searchsorted(f, 0.5 - 1e-12)]) if len(x) else float("nan"),
                "within_1pct": float(f[x <= best + 0.01][-1]) if (x <= best + 0.01).any() else 0.0,
            }
        )
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
    ax.xaxis.set_major_formatter(labels.percent_formatter())
    ax.yaxis.set_major_formatter(labels.percent_formatter())
    ax.set_xlabel(labels.error(ACC))
    ax.set_ylabel("Models with at most this error (%)")
    ax.set_ylim(0, 1.02)
    ax.set_title(
        "Cumulative distribution of the error" + (", complexity-normalised" if normalized else ""), fontsize=10
    )
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return fig


MAX_CATEGORIES = 12  # a choice the space does not declare is drawn as categories up to this many values


def declared_parameters(spaces) -> dict[str, dict[str, tuple | None]]:
    """Per space name, what the registered space (at its default options) declares of each parameter: the
    values of a `Choice`, None for a numeric range. A space nasx does not have declares nothing."""
    from nasx import search_spaces
    from nasx.search_spaces.params import Choice

    out: dict[str, dict[str, tuple | None]] = {}
    for name in sorted(set(spaces)):
        try:
            params = search_spaces.get(name).parameters()
        except ValueError:
            params = ()
        out[name] = {p.name: tuple(p.values) if isinstance(p, Choice) else None for p in params}
    return out


def value_text(value) -> str:
    """A choice value as the table and the tick labels show it: 3 and 3.0 -> '3', 0.25 -> '0.25'."""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _numeric(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parameter_axes(samples: pd.DataFrame, declared: dict | None = None) -> dict[str, list[str] | None]:
    """Every choice key of the samples -> its categories in order (the space's declared values first, then
    any other value drawn), or None for a numeric axis: a declared range, or an undeclared key with more than
    MAX_CATEGORIES numeric values."""
    declared = declared_parameters(samples["space"]) if declared is None else declared
    drawn: dict[str, list] = {}
    for choices in samples["choices"]:
        for key, value in choices.items():
            if value is not None:
                drawn.setdefault(key, []).append(value)
    axes: dict[str, list[str] | None] = {}
    for key in sorted(drawn):
        kinds = [params[key] for params in declared.values() if key in params]
        values = drawn[key]
        if kinds and all(kind is None for kind in kinds):
            axes[key] = None
            continue
        if not kinds and all(_numeric(v) for v in values) and len({value_text(v) for v in values}) > MAX_CATEGORIES:
            axes[key] = None
            continue
        ordered = [value_text(v) for kind in kinds if kind for v in kind]
        rest = sorted(set(values), key=lambda v: (not _numeric(v), v if _numeric(v) else str(v)))
        axes[key] = list(dict.fromkeys(ordered + [value_text(v) for v in rest]))
    return axes


def parameter_table(samples: pd.DataFrame, declared: dict | None = None) -> pd.DataFrame:
    """Per space, design parameter (choice key) and value: n, mean and min error. Every value of a
    categorical parameter gets a row, the ones never drawn with n = 0; a numeric one, a row per value drawn."""
    cols = ["space", "parameter", "value", "n", "mean_error", "min_error"]
    axes = parameter_axes(samples, declared)
    out = []
    for space in sorted(samples["space"].unique()):
        part = samples[(samples["space"] == space).to_numpy()]
        for key, categories in axes.items():
            errors: dict[str, list[float]] = {}
            for e, choices in zip(part["error"], part["choices"]):
                if choices.get(key) is not None:
                    errors.setdefault(value_text(choices[key]), []).append(float(e))
            if not errors:
                continue
            values = (
                categories
                if categories is not None
                else [value_text(v) for v in sorted({c[key] for c in part["choices"] if c.get(key) is not None})]
            )
            for value in values:
                got = errors.get(value, [])
                out.append(
                    {
                        "space": space,
                        "parameter": key,
                        "value": value,
                        "n": len(got),
                        "mean_error": float(np.mean(got)) if got else float("nan"),
                        "min_error": float(np.min(got)) if got else float("nan"),
                    }
                )
    return pd.DataFrame(out, columns=cols)


def parameters_figure(samples: pd.DataFrame, declared: dict | None = None, acc: str = ACC) -> Figure:
    """Error against every design parameter: one panel per choice key (title: the key in words), one scatter
    per space (label = space). A categorical parameter's values sit at 0, 1, ... with the values as tick labels;
    a numeric range on a numeric axis."""
    axes_of = parameter_axes(samples, declared)
    keys = list(axes_of)
    cols = min(5, max(1, len(keys)))
    rows = max(1, -(-len(keys) // cols))
    fig = Figure(figsize=(2.8 * cols, 2.3 * rows + 0.4), dpi=100, layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, key in zip(axes, keys):
        categories = axes_of[key]
        values = [ch.get(key) for ch in samples["choices"]]
        for i, space in enumerate(sorted(samples["space"].unique())):
            pick = [j for j, (s, v) in enumerate(zip(samples["space"], values)) if s == space and v is not None]
            x = [values[j] if categories is None else categories.index(value_text(values[j])) for j in pick]
            ax.scatter(x, samples["error"].to_numpy()[pick], s=8, alpha=0.6, color=f"C{i}", label=space)
        if categories is not None:
            ax.set_xticks(
                range(len(categories)), categories, fontsize=7, rotation=45 if sum(map(len, categories)) > 24 else 0
            )
            ax.set_xlim(-0.5, len(categories) - 0.5)
        else:
            drawn = sorted({v for v in values if v is not None})
            if len(drawn) <= MAX_CATEGORIES:  # a range drawn at few values: ticks at those values
                ax.set_xticks(drawn, [value_text(v) for v in drawn], fontsize=7)
        ax.yaxis.set_major_formatter(labels.percent_formatter())
        ax.set_title(labels.choice(key), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(True, alpha=0.3)
    for ax in axes[::cols]:
        ax.set_ylabel(labels.error(acc), fontsize=7)
    for ax in axes[len(keys) :]:
        ax.set_visible(False)
    if keys:
        axes[0].legend(fontsize=6)
        fig.suptitle(f"{labels.metric_name(acc)} error against each design choice", fontsize=10)
    return fig
