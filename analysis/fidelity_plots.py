"""Figures of a fidelity study: rank correlation against cost per rung, and each rung against the reference."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from nasx.analysis import labels
from nasx.analysis.plots import new_figure

KIND_COLORS = {"baseline": "tab:gray", "zero_cost": "tab:orange", "supernet": "tab:green", "training": "tab:blue"}


def rho_cost_figure(summary: dict) -> Figure:
    """Spearman rho (95% interval) of every scoring against its trial-seconds per architecture and seed
    (log axis; the analytic baselines, which cost nothing, sit at the left edge), the target as a
    dashed line, each training and supernet rung's seed noise floor as an open marker (a supernet rung's cost:
    its training amortised over the study's architectures). Artist labels: the kinds,
    'target', 'noise floor'."""
    entries = [e for e in summary["rungs"] if e["rho"] is not None]
    costs = [e["cost_trial_s"] for e in entries if e["cost_trial_s"]]
    floor_x = min(costs) / 4 if costs else 0.1
    fig = new_figure()
    ax = fig.add_subplot()
    for kind, color in KIND_COLORS.items():
        group = [e for e in entries if e["kind"] == kind]
        if not group:
            continue
        x = [e["cost_trial_s"] or floor_x for e in group]
        y = [e["rho"] for e in group]
        low = [e["rho"] - (e["rho_ci"][0] if e["rho_ci"][0] is not None else e["rho"]) for e in group]
        high = [(e["rho_ci"][1] if e["rho_ci"][1] is not None else e["rho"]) - e["rho"] for e in group]
        ax.errorbar(x, y, yerr=[low, high], fmt="o", color=color, capsize=3, label=kind.replace("_", "-"))
        for xi, yi, e in zip(x, y, group):
            ax.annotate(
                e["rung"].replace("zero_cost/", ""), (xi, yi), textcoords="offset points", xytext=(5, 4), fontsize=8
            )
    floors = [e for e in summary["rungs"] if e["kind"] in ("training", "supernet") and e["noise_floor"] is not None]
    if floors:
        ax.scatter(
            [e["cost_trial_s"] for e in floors],
            [e["noise_floor"] for e in floors],
            s=40,
            facecolors="none",
            edgecolors=[KIND_COLORS[e["kind"]] for e in floors],
            label="noise floor",
            zorder=3,
        )
    ax.axhline(summary["target_rho"], color="tab:red", linestyle="--", linewidth=1, label="target")
    ax.set_xscale("log")
    ax.set_xlabel("Trial-seconds per architecture and seed (log scale; analytic baselines at the left)")
    ax.set_ylabel(f"Spearman rank correlation with {summary['reference']}")
    ax.set_ylim(-1.05, 1.05)
    ax.set_title(f"Rank fidelity of each rung ({summary['n_archs']} architectures, {len(summary['seeds'])} seeds)")
    ax.legend(fontsize=8, loc="lower right")
    return fig


def scatter_figure(scorings: list[dict], summary: dict, families: dict[str, str]) -> Figure:
    """One panel per scoring: its mean over seeds (x) against the reference rung's (y), one point per
    architecture, reference families as labelled diamonds. `families`: architecture id -> family name."""
    reference = next(s for s in scorings if s["name"] == summary["reference"])
    truth = reference["by_seed"].mean(axis=1)
    panels = [s for s in scorings if s is not reference]
    rhos = {e["rung"]: e["rho"] for e in summary["rungs"]}
    columns = min(4, len(panels))
    rows = math.ceil(len(panels) / columns)
    fig = new_figure(3.2 * columns, 2.8 * rows)
    for i, s in enumerate(panels):
        ax = fig.add_subplot(rows, columns, i + 1)
        mean = s["by_seed"].mean(axis=1)
        common = mean.index.intersection(truth.index)
        x, y = mean[common].to_numpy(float), truth[common].to_numpy(float)
        is_family = np.array([a in families for a in common], dtype=bool)
        ax.scatter(x[~is_family], y[~is_family], s=14, color=KIND_COLORS[s["kind"]], label="drawn")
        ax.scatter(x[is_family], y[is_family], s=36, marker="D", color="black", label="families")
        for a, xi, yi in zip(common, x, y):
            if a in families:
                ax.annotate(families[a], (xi, yi), fontsize=6, textcoords="offset points", xytext=(3, 3))
        if s["kind"] == "baseline" or "synflow" in s["name"]:
            if len(x) and (x > 0).all():
                ax.set_xscale("log")
        rho = rhos.get(s["name"])
        ax.set_title(f"{s['name']}: rho {rho:.2f}" if rho is not None else s["name"], fontsize=9)
        ax.tick_params(labelsize=7)
        if labels.is_percent(summary["metric"]):
            ax.yaxis.set_major_formatter(labels.percent_formatter())
        if i % columns == 0:
            ax.set_ylabel(f"{labels.metric(summary['metric'])} at {summary['reference']}", fontsize=8)
    return fig
