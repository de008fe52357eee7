"""Learning curves of a run: one row per trial and epoch, beside the results table.

`curves.jsonl` is the record: the driver appends a trial's epochs in one fsynced write just before the trial's results
row, so a crash leaves every finished trial's curve readable (a torn last line is skipped, and cut away when the run
resumes). A trial trained again after a crash (its results row was never written) appends its curve again; readers
keep the last curve of each trial. `curves.parquet` is the view, rewritten whole with the results table's views
(`store.write_views`). Validation accuracy is NaN on epochs it was not measured. A supernet run (`nasx supernet`)
appends each epoch's rows of its largest and smallest networks (trial_id `largest`, `smallest`, stage `supernet`)
after the epoch's checkpoint.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import pandas as pd

from nasx.results import jsonl, schema, views

LOG = "curves.jsonl"
PARQUET = "curves.parquet"

# name -> pandas dtype
COLUMNS: dict[str, str] = {
    "trial_id": "string",
    "stage": "string",  # search | confirm | fidelity | supernet
    "rung": "string",  # training budget of a confirm or fidelity row; empty in the search stage
    "seed": "Int64",
    "epoch": "Int64",  # 1, 2, ... (after that many epochs)
    "step": "Int64",  # optimizer steps so far
    "lr": "float64",  # learning rate of the epoch's last step
    "train/loss": "float64",  # mean training loss over the epoch
    "val/top1": "float64",  # validation accuracy after the epoch; NaN when not measured then
    "wall_s": "float64",  # training seconds so far
}


def _number(value) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return math.nan
    return value


def curve_rows(row: dict, history: list[dict] | None) -> list[dict]:
    """The curve rows of one trial: its results `row` (trial_id, stage, rung, seed) and the training loop's
    per-epoch `history` (nasx.train.Metrics.history)."""
    if not history:
        return []
    seed = row.get("seed")
    base = {
        "trial_id": row["trial_id"],
        "stage": row.get("stage") or "search",
        "rung": row.get("rung") or "",
        "seed": None if seed is None else int(seed),
    }
    out = []
    for h in history:
        val = _number(h.get("val/top1")) if h.get("evaluated", True) else math.nan
        out.append(
            {
                **base,
                "epoch": int(h["epoch"]),
                "step": int(h.get("step", 0)),
                "lr": _number(h.get("lr")),
                "train/loss": _number(h.get("train/loss")),
                "val/top1": val,
                "wall_s": _number(h.get("wall_s")),
            }
        )
    return out


def append(run_dir: str | Path, rows: list[dict]) -> None:
    """Append one trial's curve rows to the log (one write, fsynced)."""
    if rows:
        Path(run_dir).mkdir(parents=True, exist_ok=True)
        jsonl.append_lines(Path(run_dir) / LOG, rows)


def repair_tail(run_dir: str | Path) -> None:
    """Cut an incomplete last line (a write cut short by a crash) off the log; the driver calls it before
    appending to a run again. The trial it belonged to has no results row, so it is trained again."""
    jsonl.cut_torn_tail(Path(run_dir) / LOG)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    return schema.typed(frame, COLUMNS).reset_index(drop=True)


def empty_frame() -> pd.DataFrame:
    return _typed(pd.DataFrame(columns=list(COLUMNS)))


def _read_log(path: Path) -> pd.DataFrame:
    rows = jsonl.parse_lines(path.read_bytes(), path, problem=_not_object)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    # a trial's last curve wins: an earlier one belongs to a run of it cut short before its results row. A
    # trial's curve starts again where its epoch does not increase over its previous row (rows of other trials
    # may come between: a supernet run appends its `largest` and `smallest` rows epoch by epoch)
    epoch = pd.to_numeric(frame["epoch"], errors="coerce")
    restart = epoch <= epoch.groupby(frame["trial_id"], sort=False).shift()
    frame["_batch"] = restart.groupby(frame["trial_id"], sort=False).cumsum()
    last = frame.groupby("trial_id", sort=False)["_batch"].transform("max")
    return _typed(frame[frame["_batch"] == last].drop(columns="_batch"))


def _not_object(record) -> str | None:
    return None if isinstance(record, dict) else " is not a JSON object"


def load(run_dir: str | Path) -> pd.DataFrame:
    """The curve rows of a run (`COLUMNS`), from the log when there is one, else from curves.parquet; an
    empty table when the run has none (written before curves were stored, or no trial trained yet)."""
    run_dir = Path(run_dir)
    if (run_dir / LOG).is_file():
        return _read_log(run_dir / LOG)
    if (run_dir / PARQUET).is_file():  # verified: there is no log to rebuild it from
        try:
            return _typed(views.read_sealed(run_dir / PARQUET).to_pandas())
        except views.Damaged as exc:
            raise ValueError(f"{run_dir / PARQUET}: {exc}, and there is no {LOG} to rebuild it from") from None
    return empty_frame()


def write_view(run_dir: str | Path) -> None:
    """Rewrite curves.parquet whole from the log (atomically), sealed with the log range it was built from
    (`views.write_sealed`); nothing when the run has no curves."""
    run_dir = Path(run_dir)
    log = run_dir / LOG
    if not log.is_file():
        return
    raw = log.read_bytes()
    end = raw.rfind(b"\n") + 1
    frame = _read_log(log)
    meta = {
        views.OFFSET_KEY: f"0-{end}".encode(),
        views.ROWS_KEY: str(raw[:end].count(b"\n")).encode(),
        views.LOG_SHA_KEY: hashlib.sha256(raw[:end]).hexdigest().encode(),
    }
    views.write_sealed(frame, run_dir / PARQUET, meta)
