"""Results tables as the analysis reads them: several runs stacked, finished trials, parsed choices."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from nasx import results

ACC = "val/top1"
COSTS = ("macs", "params", "latency_ms")


def run_names(run_dirs: list[str | Path]) -> list[str]:
    """The `run` label of each directory: its name, with '#2', '#3' ... appended to repeats."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for run_dir in run_dirs:
        name = Path(run_dir).resolve().name or str(run_dir)
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return names


def stack_runs(
    run_dirs: list[str | Path], load: Callable[[str | Path], pd.DataFrame], empty: pd.DataFrame
) -> pd.DataFrame:
    """`load(run_dir)` of every run stacked, with a `run` column (`run_names`); `empty` when there are none."""
    frames = []
    for run_dir, name in zip(run_dirs, run_names(run_dirs)):
        frame = load(run_dir)
        frame.insert(0, "run", pd.Series([name] * len(frame), dtype="string"))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else empty


def load_runs(run_dirs: list[str | Path]) -> pd.DataFrame:
    """The results tables of `run_dirs` stacked, with a `run` column (`run_names`)."""
    return stack_runs(run_dirs, results.load, pd.DataFrame(columns=["run", *results.COLUMNS]))


def finished(frame: pd.DataFrame, cost: str = "macs", acc: str = ACC) -> pd.DataFrame:
    """Rows with status ok and a finite accuracy and a finite, positive cost (failed, pruned, NaN rows dropped)."""
    a = pd.to_numeric(frame[acc], errors="coerce").astype("float64")
    c = pd.to_numeric(frame[cost], errors="coerce").astype("float64")
    keep = (
        (frame["status"] == "ok").fillna(False).to_numpy(bool)
        & np.isfinite(a.to_numpy())
        & np.isfinite(c.to_numpy())
        & (c.to_numpy() > 0)
    )
    return frame[keep]


def finished_in(frame: pd.DataFrame, costs, acc: str = ACC) -> pd.DataFrame:
    """`finished` in every cost column of `costs` at once (a Pareto search's objectives)."""
    rows = frame
    for cost in costs:
        rows = finished(rows, cost, acc)
    return rows


def is_reference(frame: pd.DataFrame) -> pd.Series:
    """True on the rows of reference families (non-empty `family`)."""
    return frame["family"].fillna("").astype(str).str.len() > 0


def searched(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[~is_reference(frame)]


def references(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[is_reference(frame)]


def parse_choices(text) -> dict:
    """The `choices` JSON object as a flat dict (nested keys joined by '.'); {} when missing or not an object."""
    if text is None or (isinstance(text, float) and np.isnan(text)) or text is pd.NA:
        return {}
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return _flatten(value) if isinstance(value, dict) else {}


def _flatten(value: dict, prefix: str = "") -> dict:
    out = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict):
            out.update(_flatten(item, name + "."))
        elif isinstance(item, list):
            out.update(_flatten({str(i): v for i, v in enumerate(item)}, name + "."))
        else:
            out[name] = item
    return out


def as_float(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").astype("float64").to_numpy()
