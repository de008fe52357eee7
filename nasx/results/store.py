"""The results table of a run directory: an append-only JSON-lines log plus Parquet and CSV views.

`results.jsonl` is the record (one line per finished trial, flushed and fsynced as each trial
ends); `results.parquet` and `results.csv` are rewritten atomically from it after each append, so
a crash at any moment leaves every finished trial readable.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pandas as pd

from nasx.results.schema import COLUMNS, STATUSES

LOG = "results.jsonl"
PARQUET = "results.parquet"
CSV = "results.csv"


def _clean(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def append(run_dir: str | Path, row: dict, *, refresh_views: bool = True) -> None:
    """Append one trial row (unknown columns are refused) and refresh the Parquet/CSV views."""
    unknown = set(row) - set(COLUMNS)
    if unknown:
        raise ValueError(f"results row has unknown columns: {', '.join(sorted(unknown))}")
    if row.get("status") not in STATUSES:
        raise ValueError(f"results row status must be one of {', '.join(STATUSES)}, got {row.get('status')!r}")
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    line = json.dumps({k: _clean(v) for k, v in row.items()}, sort_keys=True)
    with open(run_dir / LOG, "a", encoding="utf-8") as f:
        f.write(line + "\n")
        f.flush()
        os.fsync(f.fileno())
    if refresh_views:
        write_views(run_dir)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for name, dtype in COLUMNS.items():
        if name not in frame:
            frame[name] = pd.Series([None] * len(frame), dtype=dtype)
        else:
            frame[name] = frame[name].astype(dtype)
    frame["stage"] = frame["stage"].fillna("search")  # rows written before stages existed
    return frame[list(COLUMNS)]


def read_log(path: Path) -> pd.DataFrame:
    """Rows of a JSON-lines log; a torn last line (crash mid-write) is skipped, any other bad line is an error."""
    rows = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            if i == len(lines) - 1:
                break
            raise ValueError(f"{path}: line {i + 1} is not a JSON object") from None
    return _typed(pd.DataFrame(rows, columns=list(COLUMNS)))


def write_views(run_dir: str | Path) -> None:
    run_dir = Path(run_dir)
    frame = read_log(run_dir / LOG)
    for name, writer in ((PARQUET, lambda p: frame.to_parquet(p, index=False)),
                         (CSV, lambda p: frame.to_csv(p, index=False))):
        tmp = run_dir / (name + ".tmp")
        writer(tmp)
        os.replace(tmp, run_dir / name)


def empty_frame() -> pd.DataFrame:
    """A typed table with no rows."""
    return _typed(pd.DataFrame(columns=list(COLUMNS)))


def load(run_dir: str | Path) -> pd.DataFrame:
    """DataFrame of a run's trials, typed per `schema.COLUMNS`; raises ValueError naming what is missing or broken."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ValueError(f"run directory not found: {run_dir}")
    log = run_dir / LOG
    if log.is_file():
        return read_log(log)
    parquet = run_dir / PARQUET
    if parquet.is_file():
        try:
            return _typed(pd.read_parquet(parquet))
        except Exception as exc:  # pyarrow raises several types for a corrupted file
            raise ValueError(f"{parquet}: not a readable Parquet file ({type(exc).__name__})") from None
    raise ValueError(f"{run_dir}: no results table ({LOG} or {PARQUET})")
