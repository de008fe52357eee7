"""Compound scaling runs: the α/β/γ grid at φ=1 under α·β²·γ² ≈ 2, the best triple, scaling curves.

α scales depth (d = α^φ), β width (w = β^φ), γ resolution (r = γ^φ); MACs grow by (α·β²·γ²)^φ.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from nasx.analysis import labels
from nasx.analysis.frame import ACC, as_float
from nasx.analysis.plots import accuracy_axis, log_axis

PAPER = (1.2, 1.1, 1.15)
SCALINGS = ("compound", "depth", "width", "resolution")


def _ok(frame: pd.DataFrame, acc: str) -> pd.DataFrame:
    keep = (
        (frame["status"] == "ok").fillna(False).to_numpy(bool)
        & np.isfinite(as_float(frame[acc]))
        & np.isfinite(as_float(frame["phi"]))
    )
    return frame[keep]


def grid_table(frame: pd.DataFrame, acc: str = ACC) -> pd.DataFrame:
    """One row per (alpha, beta, gamma) tried with compound scaling at φ=1: runs, acc (mean), acc_std,
    macs (mean), constraint = α·β²·γ²; sorted by accuracy, best first."""
    rows = _ok(frame, acc)
    rows = rows[(rows["scaling"].fillna("") == "compound").to_numpy(bool) & (as_float(rows["phi"]) == 1.0)]
    cols = ["alpha", "beta", "gamma", "runs", "acc", "acc_std", "macs", "constraint"]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    data = pd.DataFrame(
        {
            "alpha": as_float(rows["alpha"]),
            "beta": as_float(rows["beta"]),
            "gamma": as_float(rows["gamma"]),
            "acc": as_float(rows[acc]),
            "macs": as_float(rows["macs"]),
        }
    )
    out = (
        data.groupby(["alpha", "beta", "gamma"])
        .agg(runs=("acc", "size"), acc=("acc", "mean"), acc_std=("acc", "std"), macs=("macs", "mean"))
        .reset_index()
    )
    out["acc_std"] = out["acc_std"].fillna(0.0)
    out["constraint"] = out["alpha"] * out["beta"] ** 2 * out["gamma"] ** 2
    return out.sort_values(["acc", "constraint"], ascending=[False, True], kind="stable")[cols].reset_index(drop=True)


def best_triple(grid: pd.DataFrame, target: float = 2.0, tolerance: float = 0.1) -> dict:
    """The grid row of highest accuracy among those with |α·β²·γ² - target| <= tolerance; raises ValueError
    when none satisfies the constraint."""
    within = grid[(grid["constraint"] - target).abs() <= tolerance + 1e-12]
    if within.empty:
        raise ValueError(f"no α/β/γ triple with α·β²·γ² within {tolerance} of {target}")
    return within.iloc[int(np.argmax(within["acc"].to_numpy()))].to_dict()


def heatmap_figure(grid: pd.DataFrame, best: dict | None = None) -> Figure:
    """Accuracy at φ=1 on an α (rows) x β (columns) grid (γ follows from the constraint; the best over γ
    where several were tried); the best triple and the paper's (1.2, 1.1, 1.15) outlined."""
    alphas, betas = sorted(grid["alpha"].unique()), sorted(grid["beta"].unique())
    values = np.full((len(alphas), len(betas)), np.nan)
    gammas = np.full_like(values, np.nan)
    for _, row in grid.iterrows():
        i, j = alphas.index(row["alpha"]), betas.index(row["beta"])
        if np.isnan(values[i, j]) or row["acc"] > values[i, j]:
            values[i, j], gammas[i, j] = row["acc"], row["gamma"]
    fig = Figure(figsize=(6.0, 4.8), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(values, origin="lower", cmap="viridis", aspect="auto")
    bar = fig.colorbar(image, ax=ax, label=f"{labels.metric_name(ACC)} at φ=1 (%)")
    bar.formatter = labels.percent_formatter()
    bar.update_ticks()
    for i in range(len(alphas)):
        for j in range(len(betas)):
            if np.isfinite(values[i, j]):
                ax.text(
                    j,
                    i,
                    f"{100 * values[i, j]:.1f}%\nγ={gammas[i, j]:g}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white",
                )
    for triple, color, inset, name in (
        (PAPER, "red", 0.1, "paper (1.2, 1.1, 1.15)"),
        (None if best is None else (best["alpha"], best["beta"], best["gamma"]), "white", 0.0, "best"),
    ):
        if triple and triple[0] in alphas and triple[1] in betas:
            i, j = alphas.index(triple[0]), betas.index(triple[1])
            ax.add_patch(
                Rectangle(
                    (j - 0.5 + inset, i - 0.5 + inset),
                    1 - 2 * inset,
                    1 - 2 * inset,
                    fill=False,
                    edgecolor=color,
                    linewidth=2.5,
                    label=name,
                )
            )
    ax.set_xticks(range(len(betas)), [f"{b:g}" for b in betas])
    ax.set_yticks(range(len(alphas)), [f"{a:g}" for a in alphas])
    ax.set_xlabel("β (width multiplier per φ)")
    ax.set_ylabel("α (depth multiplier per φ)")
    ax.set_title("Compound-scaling grid at φ=1 under α·β²·γ² ≈ 2", fontsize=10)
    ax.legend(fontsize=7, loc="upper right")
    return fig


def scaling_curves(frame: pd.DataFrame, acc: str = ACC) -> pd.DataFrame:
    """Mean accuracy and MACs per (scaling, φ): for each scaling the (α, β, γ) with the most φ values tried
    (for compound, the triple scaled beyond φ=1); φ=0 rows are shared when a scaling has none of its own.
    Columns scaling, phi, alpha, beta, gamma, acc, macs, runs."""
    rows = _ok(frame, acc)
    data = pd.DataFrame(
        {
            "scaling": rows["scaling"].fillna("").astype(str).to_numpy(),
            "phi": as_float(rows["phi"]),
            "alpha": as_float(rows["alpha"]),
            "beta": as_float(rows["beta"]),
            "gamma": as_float(rows["gamma"]),
            "acc": as_float(rows[acc]),
            "macs": as_float(rows["macs"]),
        }
    )
    base = data[data["phi"] == 0.0]
    parts = []
    for scaling in [s for s in SCALINGS if s in set(data["scaling"])]:
        own = data[data["scaling"] == scaling]
        counts = own.groupby(["alpha", "beta", "gamma"])["phi"].nunique()
        triple = counts.index[int(np.argmax(counts.to_numpy()))]
        chosen = own[(own["alpha"] == triple[0]) & (own["beta"] == triple[1]) & (own["gamma"] == triple[2])]
        if not (chosen["phi"] == 0.0).any():
            chosen = pd.concat([base, chosen])
        curve = chosen.groupby("phi").agg(acc=("acc", "mean"), macs=("macs", "mean"), runs=("acc", "size"))
        curve = curve.reset_index()
        curve.insert(0, "scaling", scaling)
        curve[["alpha", "beta", "gamma"]] = triple
        parts.append(curve)
    cols = ["scaling", "phi", "alpha", "beta", "gamma", "acc", "macs", "runs"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


def curves_figure(curves: pd.DataFrame) -> Figure:
    """Accuracy against MACs (log) for φ = 0..k, one line per scaling (label = scaling), points marked φ."""
    fig = Figure(figsize=(6.5, 4.5), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    for i, (scaling, part) in enumerate(curves.groupby("scaling", sort=False)):
        part = part.sort_values("phi")
        ax.plot(part["macs"], part["acc"], marker="o", color=f"C{i}", label=scaling)
        for _, row in part.iterrows():
            ax.annotate(
                f"φ={row['phi']:g}",
                (row["macs"], row["acc"]),
                textcoords="offset points",
                xytext=(4, -10),
                fontsize=7,
                color=f"C{i}",
            )
    log_axis(ax, "macs")
    accuracy_axis(ax, ACC)
    ax.set_title("Scaling up: compound against single-dimension scaling", fontsize=10)
    ax.legend(fontsize=8)
    return fig
