"""One trial of a run, found by its id: the row behind `nasx export RUN TRIAL` and `nasx train RUN:TRIAL`."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from nasx.results.store import load

WEIGHTS_DIR = "weights"


def _clean(value):
    """A table cell as a plain Python value (None for NaN and NA)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def trial_row(run_dir: str | Path, trial_id: str) -> dict:
    """The finished (status ok) row of `trial_id` in `run_dir`'s results, as plain Python values; one-line
    ValueError for an unknown id or a trial that did not finish."""
    frame = load(run_dir)
    rows = frame[(frame["trial_id"] == trial_id).fillna(False).to_numpy(bool)]
    if rows.empty:
        sample = ", ".join(map(str, frame["trial_id"].head(5)))
        raise ValueError(
            f"{run_dir}: no trial {trial_id!r} ({len(frame)} trials" + (f", e.g. {sample}" if sample else "") + ")"
        )
    row = {k: _clean(v) for k, v in rows.iloc[-1].to_dict().items()}
    if row["status"] != "ok":
        raise ValueError(
            f"{run_dir}: trial {trial_id} did not finish (status {row['status']}: "
            f"{row.get('error') or 'no reason recorded'})"
        )
    return row


def weights_path(run_dir: str | Path, trial_id: str) -> Path:
    """Where a trial's trained state_dict is saved: RUN_DIR/weights/<trial_id>.pt."""
    return Path(run_dir) / WEIGHTS_DIR / f"{trial_id}.pt"
