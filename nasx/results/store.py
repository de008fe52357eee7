"""The results table of a run directory: an append-only JSON-lines log plus Parquet and CSV views.

`results.jsonl` is the record (one line per finished trial, flushed and fsynced as each trial
ends); the Parquet and CSV views follow it at a cost independent of the table's size (`views`:
parts of new rows as they gather, compacted into `results.parquet` at the end), so a crash at any moment leaves every
finished trial readable, and a reader never sees a half-written view. A crash inside a write can leave an incomplete
last line: readers skip it, and a resumed search cuts it away (`repair_tail`), keeping the fragment in a file beside
the log.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pandas as pd

from nasx.results import curves, jsonl, run_paths, views
from nasx.results.schema import COLUMNS, STATUSES, typed

LOG = "results.jsonl"
PARQUET = "results.parquet"
CSV = "results.csv"
TORN = LOG + ".torn-"  # + timestamp: the cut-away fragment of a torn last line
_NUMERIC = {name for name, dtype in COLUMNS.items() if dtype in ("Int64", "float64")}
_INTEGER = {name for name, dtype in COLUMNS.items() if dtype == "Int64"}


def append(run_dir: str | Path, row: dict, *, refresh_views: bool = True) -> None:
    """Append one trial row (unknown columns are refused) on a line of its own, and update the views."""
    unknown = set(row) - set(COLUMNS)
    if unknown:
        raise ValueError(f"results row has unknown columns: {', '.join(sorted(unknown))}")
    if row.get("status") not in STATUSES:
        raise ValueError(f"results row status must be one of {', '.join(STATUSES)}, got {row.get('status')!r}")
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    jsonl.append_lines(run_dir / LOG, [row])
    if refresh_views:
        update_views(run_dir)


def repair_tail(run_dir: str | Path) -> str | None:
    """Cut an incomplete last line (a write cut short by a crash) off the log, keeping the fragment in
    `results.jsonl.torn-<time>`; returns a one-line account, or None when the log ends cleanly. A last
    line that holds a whole row and lacks only its newline is kept and completed."""
    log = Path(run_dir) / LOG
    fragment = jsonl.cut_torn_tail(log, keep_whole=True)
    if not fragment:
        return None
    keep = log.with_name(TORN + time.strftime("%Y%m%d-%H%M%S"))
    keep.write_bytes(fragment)
    return (
        f"{log}: removed an incomplete last line of {len(fragment)} bytes (a write cut short by a crash); "
        f"the fragment is kept in {keep.name}"
    )


def typed_frame(frame: pd.DataFrame) -> pd.DataFrame:
    frame = typed(frame, COLUMNS)
    frame["stage"] = frame["stage"].fillna("search")  # rows written before stages existed
    return frame


def _row_problem(row) -> str | None:
    """What is wrong with a parsed log line: a row is a JSON object whose numeric columns hold numbers
    (or null). None when nothing is."""
    if not isinstance(row, dict):
        return f" is not a JSON object (found {type(row).__name__})"
    for name in _NUMERIC.intersection(row):
        value = row[name]
        if value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (name in _INTEGER and isinstance(value, float) and not value.is_integer())
        ):
            kind = "an integer" if name in _INTEGER else "a number"
            return f": {name}={value!r} is not {kind}"
    return None


def parse_rows(raw: bytes, path: Path, start: int = 0) -> pd.DataFrame:
    """Typed rows of the log bytes `raw`, read from byte `start` of `path`; a torn last line (crash
    mid-write) is skipped, any other bad line is an error naming the file and the line."""
    rows = jsonl.parse_lines(raw, path, start, problem=_row_problem)
    return typed_frame(pd.DataFrame(rows, columns=list(COLUMNS)))


def read_log(path: Path) -> pd.DataFrame:
    """Rows of a JSON-lines log, parsed in full (`load` reads the Parquet views and only the log's tail)."""
    return parse_rows(path.read_bytes(), path)


def _read(run_dir: Path) -> tuple[pd.DataFrame, int]:
    log = run_dir / LOG
    frame, end = views.read(run_dir, lambda raw, start: parse_rows(raw, log, start))
    return (empty_frame() if frame is None else typed_frame(frame)), end


def update_views(run_dir: str | Path) -> bool:
    """Bring the Parquet/CSV views up to date at a cost independent of the table's size: a part of the
    new rows once enough have gathered (`views.PART_ROWS`, `views.PART_S`). Returns whether it wrote."""
    run_dir = Path(run_dir)
    log = run_dir / LOG
    return views.refresh(run_dir, lambda raw, start: parse_rows(raw, log, start), typed_frame)


def write_views(run_dir: str | Path) -> None:
    """Rewrite results.parquet and results.csv whole from the table (each replaced atomically) and drop
    the parts they now cover, and curves.parquet from the curves log: at the end of a search, and by
    `nasx analyze` when no one is writing."""
    run_dir = Path(run_dir)
    if (run_dir / LOG).is_file():
        frame, end = _read(run_dir)
        views.compact(run_dir, frame, end)
    curves.write_view(run_dir)


def compact_if_idle(run_dir: str | Path) -> bool:
    """Compact the views (`write_views`) when no writer holds the run directory and it can be written;
    returns whether it did. Readers never need it: `load` reads the log's uncompacted tail."""
    from nasx.results.lock import writer_lock

    run_dir = Path(run_dir)
    if not (run_dir / LOG).is_file():
        return False
    try:
        with writer_lock(run_dir, again=True):
            write_views(run_dir)
    except (OSError, ValueError):  # held by a running search, read-only, or a log that does not parse
        return False
    return True


def log_range(run_dir: str | Path) -> dict[str, int | str]:
    """What a view built now from the log is built from: its complete lines' bytes, rows and sha256."""
    log = Path(run_dir) / LOG
    raw, end = views.complete_lines(log, 0) if log.is_file() else (b"", 0)
    return {"bytes": end, "rows": raw.count(b"\n"), "sha256": hashlib.sha256(raw).hexdigest()}


def empty_frame() -> pd.DataFrame:
    """A typed table with no rows."""
    return typed_frame(pd.DataFrame(columns=list(COLUMNS)))


def load(run_dir: str | Path) -> pd.DataFrame:
    """DataFrame of a run's trials, typed per `schema.COLUMNS`; raises ValueError naming what is missing or broken."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ValueError(f"run directory not found: {run_dir}")
    run_paths.check_no_links(run_dir)
    log = run_dir / LOG
    if log.is_file():
        return _read(run_dir)[0]
    parquet = run_dir / PARQUET
    if parquet.is_file():  # an exported or older run: the view alone, verified, for there is no log to rebuild it
        try:
            return typed_frame(views.read_sealed(parquet).to_pandas())
        except views.Damaged as exc:
            raise ValueError(f"{parquet}: {exc}, and there is no {LOG} to rebuild it from") from None
    raise ValueError(f"{run_dir}: no results table ({LOG} or {PARQUET})")
