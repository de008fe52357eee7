"""How well MACs rank networks by measured latency: Spearman's rho with its bootstrap interval, the networks
the MACs ranking misorders most, and latency against MACs as a log-log figure (no torch).

Input: a frame with one row per network and the columns `family`, `macs` and `latency_ms`.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, NullFormatter

from nasx.analysis import labels
from nasx.analysis.plots import log_axis, new_figure
from nasx.analysis.rank_stats import bootstrap_interval, spearman
from nasx.table import render


def rank_agreement(frame: pd.DataFrame, seed: int = 0) -> tuple[float, tuple[float, float]]:
    """(Spearman's rho between MACs and latency, its 95% percentile bootstrap interval over networks)."""
    macs, latency = frame["macs"].to_numpy(float), frame["latency_ms"].to_numpy(float)
    return spearman(macs, latency), bootstrap_interval("spearman", macs, latency, seed=seed)


def misordered(frame: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """The `top` networks with the largest non-zero |rank by MACs - rank by latency| (average ranks,
    1 = cheapest), largest first; `rank_gap` > 0: faster than its MACs rank says, < 0: slower."""
    out = frame[["family", "macs", "latency_ms"]].copy()
    out["macs_rank"] = out["macs"].rank(method="average")
    out["latency_rank"] = out["latency_ms"].rank(method="average")
    out["rank_gap"] = out["macs_rank"] - out["latency_rank"]
    gap = out["rank_gap"].abs()
    order = gap[gap > 0].sort_values(ascending=False, kind="stable").index
    return out.loc[order].head(top).reset_index(drop=True)


def latency_figure(frame: pd.DataFrame, title: str, note: str = "") -> Figure:
    """Latency against MACs, both on log axes, one labelled point per network (artist label 'networks'),
    `note` (rho and its interval) in the upper left corner."""
    fig = new_figure(10.0, 7.0)
    ax = fig.add_subplot()
    macs, latency = frame["macs"].to_numpy(float), frame["latency_ms"].to_numpy(float)
    ax.scatter(macs, latency, s=14, color="tab:blue", label="networks", zorder=3)
    for name, x, y in zip(frame["family"], macs, latency):
        ax.annotate(str(name), (x, y), textcoords="offset points", xytext=(3, 2), fontsize=5)
    log_axis(ax, "macs")
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(labels.cost_formatter("latency_ms"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_ylabel(labels.cost("latency_ms", log=True))
    ax.set_title(title)
    if note:
        ax.text(0.01, 0.99, note, transform=ax.transAxes, va="top", fontsize=9)
    return fig


def rho_text(result: dict) -> str:
    """The summary's rho as one line: 'Spearman rho(MACs, latency) = 0.873, 95% bootstrap interval
    [0.812, 0.915] over 127 networks'."""
    low, high = result["interval"]
    if result["spearman"] is None:
        return f"Spearman rho(MACs, latency): undefined over {result['networks']} network(s)"
    interval = f"[{low:.3f}, {high:.3f}]" if low is not None else "none (needs 3 networks)"
    return (
        f"Spearman rho(MACs, latency) = {result['spearman']:.3f}, 95% bootstrap interval {interval} over "
        f"{result['networks']} networks"
    )


FIGURE = "latency_vs_macs.png"
TABLE = "latency_families.csv"
SUMMARY = "latency_families.json"


def summary(frame: pd.DataFrame, machine: dict, request: dict, top: int = 10) -> dict:
    """rho, its interval, the misordered networks, the machine and how it was measured, as strict JSON
    values (NaN as None)."""
    rho, (low, high) = rank_agreement(frame)
    gaps = misordered(frame, top)
    return {
        "networks": len(frame),
        "spearman": _finite(rho),
        "interval": [_finite(low), _finite(high)],
        "misordered": [{k: _finite(v) for k, v in r.items()} for r in gaps.to_dict("records")],
        "machine": machine,
        "request": request,
    }


def misordered_text(result: dict) -> str:
    """The summary's misordered networks as a terminal table under a line saying how to read it."""
    if not result["misordered"]:
        return "MACs rank every network where its latency does"
    return "misordered most by MACs (rank 1 = cheapest; gap > 0: faster than its MACs rank says):\n" + render(
        ["network", "MACs (M)", "median ms", "rank by MACs", "rank by latency", "gap"],
        [
            [
                m["family"],
                f"{m['macs'] / 1e6:,.1f}",
                f"{m['latency_ms']:.2f}",
                f"{m['macs_rank']:g}",
                f"{m['latency_rank']:g}",
                f"{m['rank_gap']:+g}",
            ]
            for m in result["misordered"]
        ],
    )


def _finite(value):
    return None if isinstance(value, float) and value != value else value


def save(out_dir, frame: pd.DataFrame, result: dict, title: str) -> list[str]:
    """Write the table (CSV), the summary (JSON) and the figure under `out_dir`, each replaced atomically;
    returns the paths written."""
    import os
    from pathlib import Path

    from nasx.analysis.fidelity import write_json

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, write in (
        (TABLE, lambda tmp: frame.to_csv(tmp, index=False)),
        (FIGURE, lambda tmp: latency_figure(frame, title, rho_text(result)).savefig(tmp, format="png", dpi=150)),
    ):
        tmp = out_dir / f".{name}.tmp"
        write(tmp)
        os.replace(tmp, out_dir / name)
        written.append(str(out_dir / name))
    write_json(out_dir / SUMMARY, result)
    return [*written, str(out_dir / SUMMARY)]
