"""The best searched candidates by reward, and a drawing of the best one's blocks beside EfficientNet-B0."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

import nasx
from nasx.analysis.frame import ACC, as_float, references, searched

KERNEL_COLORS = {1: "tab:gray", 3: "tab:blue", 5: "tab:orange", 7: "tab:green", 9: "tab:red"}


def top_candidates(frame: pd.DataFrame, n: int = 10, acc: str = ACC) -> pd.DataFrame:
    """The `n` finished searched trials of highest reward: rank, trial_id, reward, acc, macs, params, arch."""
    rows = searched(frame)
    rows = rows[(rows["status"] == "ok").fillna(False).to_numpy(bool) & np.isfinite(as_float(rows["reward"]))]
    rows = rows.iloc[np.argsort(-as_float(rows["reward"]), kind="stable")[:n]]
    return pd.DataFrame(
        {
            "rank": np.arange(1, len(rows) + 1),
            "trial_id": rows["trial_id"].to_numpy(),
            "reward": as_float(rows["reward"]),
            "acc": as_float(rows[acc]),
            "macs": as_float(rows["macs"]),
            "params": as_float(rows["params"]),
            "arch": rows["arch"].to_numpy(),
        }
    )


def blocks(spec) -> list[dict]:
    """One entry per block of the body (stage repeats expanded): type, k (kernel), e (expansion),
    se (SE ratio), c (output channels), s (stride; the first block of a stage takes it)."""
    out = []
    for stage in spec.stages:
        for i in range(getattr(stage, "r", 1)):
            out.append(
                {
                    "type": stage.TYPE,
                    "k": getattr(stage, "k", 3),
                    "e": float(getattr(stage, "e", 1.0)),
                    "se": float(getattr(stage, "se", 0.0)),
                    "c": stage.c,
                    "s": stage.s if i == 0 else 1,
                }
            )
    return out


def b0_panel(frame: pd.DataFrame) -> tuple[str, object]:
    """(panel name, spec) of EfficientNet-B0 as trained in the run (its reference row: proxy widths), else at
    its published scale, which the name says."""
    rows = references(frame)
    rows = rows[rows["family"] == "efficientnet_b0"]
    if len(rows):
        return "efficientnet_b0, as trained in the run (proxy widths)", nasx.decode(rows["arch"].iloc[0])
    return "efficientnet_b0 at full scale (the run trained no B0)", nasx.families.get("efficientnet_b0")


def reference_b0(frame: pd.DataFrame):
    """EfficientNet-B0 as trained in the run (its reference row), else at its published scale."""
    return b0_panel(frame)[1]


def stages_figure(named_specs: list[tuple[str, object]], title: str = "") -> Figure:
    """One panel per (name, spec), all on one channel scale: a bar per block, height = output channels (the
    width), colour = kernel, hatched = has SE, text = expansion; a dashed line where the stride is 2."""
    fig = Figure(figsize=(9.0, 2.4 * len(named_specs) + 0.9), dpi=100, layout="constrained")
    axes = fig.subplots(len(named_specs), 1, squeeze=False, sharey=True)[:, 0]
    kernels = set()
    for ax, (name, spec) in zip(axes, named_specs):
        items = blocks(spec)
        x = np.arange(len(items))
        bars = ax.bar(
            x,
            [b["c"] for b in items],
            color=[KERNEL_COLORS.get(b["k"], "tab:purple") for b in items],
            hatch=None,
            edgecolor="black",
            linewidth=0.5,
            label=name,
        )
        for bar, b in zip(bars, items):
            if b["se"] > 0:
                bar.set_hatch("//")
            ax.text(
                bar.get_x() + bar.get_width() / 2,
                bar.get_height(),
                f"e{b['e']:g}",
                ha="center",
                va="bottom",
                fontsize=6,
            )
            kernels.add(b["k"])
        for i, b in enumerate(items):
            if b["s"] > 1:
                ax.axvline(i - 0.5, color="gray", linestyle="--", linewidth=0.8)
        ax.set_title(name, fontsize=9)
        ax.set_ylabel("Output channels")
        ax.set_xticks(x)
        ax.set_xticklabels([str(i) for i in x], fontsize=6)
    axes[-1].set_xlabel("Block (dashed line: stride 2; hatched: SE; colour: kernel size; label: expansion ratio)")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.legend(
        handles=[Patch(color=KERNEL_COLORS.get(k, "tab:purple"), label=f"k{k}") for k in sorted(kernels)],
        loc="outside upper right",
        fontsize=7,
        ncols=len(kernels),
    )
    return fig
