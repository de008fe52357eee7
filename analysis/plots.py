"""Figures of the frontier and the hypervolume. Built on matplotlib's Figure (Agg, no pyplot state);
every function returns the Figure, whose artists carry labels so the plotted data can be read back."""

from __future__ import annotations

from itertools import combinations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, NullFormatter

from nasx.analysis import labels
from nasx.analysis.frame import ACC, as_float, finished, finished_in, references, searched
from nasx.analysis.objectives import front_mask
from nasx.analysis.pareto import pareto_mask, step_xy

FAMILY_MARKERS = "s^Dvp*hP<>X"


def new_figure(width: float = 7.0, height: float = 4.8) -> Figure:
    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def frontier_figure(frame: pd.DataFrame, cost: str = "macs", acc: str = ACC, title: str | None = None) -> Figure:
    """Accuracy against log cost: searched trials (dominated ones faded), the searched frontier as a step
    line, each reference family a labelled marker. Artist labels: 'dominated', 'frontier', 'frontier step',
    and the family names."""
    rows = finished(frame, cost, acc)
    search, refs = searched(rows), references(rows)
    a, c = as_float(search[acc]), as_float(search[cost])
    on = pareto_mask(a, c)
    fig = new_figure()
    ax = fig.add_subplot()
    ax.scatter(c[~on], a[~on], s=14, color="tab:blue", alpha=0.25, label="dominated", zorder=2)
    ax.scatter(c[on], a[on], s=28, color="tab:blue", label="frontier", zorder=3)
    if on.any():
        xs, ys = step_xy(a[on], c[on])
        ax.plot(xs, ys, color="tab:blue", drawstyle="default", linewidth=1.5, label="frontier step", zorder=3)
    for i, (name, fam) in enumerate(refs.groupby("family", sort=True)):
        accs = as_float(fam[acc])
        _family_marker(
            ax,
            i,
            name,
            float(as_float(fam[cost]).mean()),
            float(accs.mean()),
            float(accs.std(ddof=1)) if len(accs) > 1 else float("nan"),
            len(accs),
        )
    log_axis(ax, cost)
    accuracy_axis(ax, acc)
    ax.set_title(title or f"Pareto frontier: {labels.metric_name(acc)} against {labels.cost_name(cost)}")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def _family_marker(ax, i: int, name: str, cost: float, acc: float, std: float, n: int) -> None:
    """A family's labelled marker at its mean; with several seeds an error bar of one standard deviation
    (artist label '<name> ± std') and 'n=<seeds>' in its annotation."""
    color = f"C{(i + 1) % 10}"
    if n > 1 and std == std:
        ax.errorbar([cost], [acc], yerr=[std], fmt="none", ecolor=color, capsize=3, label=f"{name} ± std", zorder=4)
    ax.scatter(
        [cost],
        [acc],
        s=60,
        marker=FAMILY_MARKERS[i % len(FAMILY_MARKERS)],
        color=color,
        edgecolor="black",
        label=name,
        zorder=5,
    )
    ax.annotate(
        f"{name} (n={n})" if n > 1 else name, (cost, acc), textcoords="offset points", xytext=(5, 5), fontsize=8
    )


def confirmed_figure(stats: pd.DataFrame, cost: str = "macs") -> Figure:
    """Confirmed accuracy (mean over seeds, error bar one standard deviation) against log cost, from
    `nasx.ranking.seeds.seed_stats` rows: finalists (label 'finalists', each annotated with its trial id),
    their frontier as a step line ('frontier step'), and each family a labelled marker."""
    fam = stats["family"].fillna("").astype(str) != ""
    search, refs = stats[~fam.to_numpy(bool)], stats[fam.to_numpy(bool)]
    a, c, std = (search[k].to_numpy(float) for k in ("mean", cost, "std"))
    fig = new_figure()
    ax = fig.add_subplot()
    ax.errorbar(
        c,
        a,
        yerr=[s if s == s else 0.0 for s in std],
        fmt="o",
        color="tab:blue",
        capsize=3,
        markersize=5,
        label="finalists",
        zorder=3,
    )
    for tid, x, y in zip(search["trial_id"], c, a):
        ax.annotate(str(tid), (x, y), textcoords="offset points", xytext=(4, -10), fontsize=7, color="tab:blue")
    on = pareto_mask(a, c)
    if on.any():
        xs, ys = step_xy(a[on], c[on])
        ax.plot(xs, ys, color="tab:blue", linewidth=1.2, label="frontier step", zorder=2)
    for i, (_, r) in enumerate(refs.sort_values("family").iterrows()):
        _family_marker(ax, i, r["family"], float(r[cost]), float(r["mean"]), float(r["std"]), int(r["n"]))
    log_axis(ax, cost)
    accuracy_axis(ax, ACC, "confirmed, mean over seeds")
    ax.set_title(f"Confirmed frontier: {labels.metric_name(ACC)} against {labels.cost_name(cost)}")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def log_axis(ax, cost: str, axis: str = "x") -> None:
    """Log-scale x (or y) axis of the cost column `cost`, labelled with its unit (MACs in millions, latency
    in ms), ticks at 1, 2, 5 x 10^n in that unit, and a grid."""
    getattr(ax, f"set_{axis}scale")("log")
    scale = getattr(ax, f"{axis}axis")
    scale.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    scale.set_major_formatter(labels.cost_formatter(cost))
    scale.set_minor_formatter(NullFormatter())
    getattr(ax, f"set_{axis}label")(labels.cost(cost, log=True))
    ax.grid(True, which="both", alpha=0.3)


def accuracy_axis(ax, acc: str, how: str = "") -> None:
    """The y axis of a fraction-valued metric, labelled and ticked in percent."""
    ax.yaxis.set_major_formatter(labels.percent_formatter())
    name = labels.metric(acc)
    ax.set_ylabel(name[:-1] + f", {how})" if how and name.endswith(")") else name)


def hypervolume_figure(per_searcher: pd.DataFrame, ref_text: str, unit: str = "accuracy × decades of MACs") -> Figure:
    """Hypervolume against trials completed: per searcher the mean line (label = searcher) and a band of
    one standard deviation when it has several runs."""
    fig = new_figure(7.0, 4.0)
    ax = fig.add_subplot()
    for i, (searcher, part) in enumerate(per_searcher.groupby("searcher", sort=True)):
        x, mean, std = part["trials"].to_numpy(float), part["mean"].to_numpy(float), part["std"].to_numpy(float)
        ax.plot(x, mean, color=f"C{i}", label=searcher)
        if part["runs"].max() > 1:
            ax.fill_between(x, mean - std, mean + std, color=f"C{i}", alpha=0.2)
    ax.set_xlabel("Trials completed")
    ax.set_ylabel(f"Hypervolume ({unit})")
    ax.set_title(f"Hypervolume of the searched frontier, reference point {ref_text}", fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def pairs_figure(frame: pd.DataFrame, costs, acc: str = ACC) -> Figure:
    """The front in accuracy and every cost of `costs`, drawn per pair of objectives: one panel per pair
    (accuracy on the y axis of the accuracy panels, costs on log axes), the searched trials that have every
    cost, those on the front in all objectives highlighted (not only the front of the panel's pair), and the
    reference families at their means. Artist labels per panel: 'dominated', 'front', family names."""
    rows = finished_in(frame, costs, acc)
    search, refs = searched(rows), references(rows)
    on = front_mask(search, costs, acc)
    pairs = [(c, acc) for c in costs] + list(combinations(costs, 2))
    ncols = min(3, len(pairs))
    nrows = -(-len(pairs) // ncols)
    fig = new_figure(4.2 * ncols + 1.6, 3.6 * nrows)
    for i, (x, y) in enumerate(pairs):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        xs, ys = as_float(search[x]), as_float(search[y])
        ax.scatter(xs[~on], ys[~on], s=12, color="tab:blue", alpha=0.25, label="dominated", zorder=2)
        ax.scatter(xs[on], ys[on], s=30, color="tab:red", edgecolor="black", linewidth=0.4, label="front", zorder=3)
        for j, (name, fam) in enumerate(refs.groupby("family", sort=True)):
            ax.scatter(
                [float(as_float(fam[x]).mean())],
                [float(as_float(fam[y]).mean())],
                s=50,
                marker=FAMILY_MARKERS[j % len(FAMILY_MARKERS)],
                color=f"C{(j + 1) % 10}",
                edgecolor="black",
                label=name,
                zorder=4,
            )
        log_axis(ax, x)
        if y == acc:
            accuracy_axis(ax, acc)
        else:
            log_axis(ax, y, "y")
        ax.set_title(
            f"{labels.metric_name(y) if y == acc else labels.cost_name(y)} against {labels.cost_name(x)}", fontsize=9
        )
    handles, names = fig.axes[0].get_legend_handles_labels()
    fig.legend(handles, names, fontsize=7, loc="outside right upper")
    names = [labels.metric_name(acc), *(labels.cost_name(c) for c in costs)]
    fig.suptitle(f"Front in {len(names)} objectives ({', '.join(names[:-1])} and {names[-1]}), per pair", fontsize=10)
    return fig
