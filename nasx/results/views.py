"""The Parquet and CSV views of a results log, kept at a cost that does not grow with the table.

`results.jsonl` stays the record. Its rows reach Parquet in two kinds of files, each covering a byte
range of the log that ends on a line end:

- parts, `results.parts/part-<start>-<end>.parquet`, written by the driver once `PART_ROWS` rows or
  `PART_S` seconds have gathered since the last one (so an append costs the same at 100 or 10,000 rows);
- `results.parquet`, the whole table up to a byte offset kept in its metadata, rewritten by `compact`
  (at the end of a search and by `nasx analyze` when no writer holds the run directory), which then
  deletes the parts it covers. `results.csv` is written whole by `compact` only (a CSV cannot be appended
  to without a reader seeing half a line).

`read` returns the table from `results.parquet`, the chain of parts that continues it, and the log's
lines past the last covered byte. Every file is written to a temporary name and renamed, so a crash at
any moment leaves either the old set of files or the new one; a file that does not continue the chain
(left by a crash, or covering bytes the log no longer has) is ignored, and those rows come from the log.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import time
from pathlib import Path

import pandas as pd

PARTS = "results.parts"
PART_ROWS = 200
PART_S = 30.0
OFFSET_KEY = b"nasx_log_bytes"  # results.parquet and parts: the log bytes [start, end) they hold
TAIL_KEY = b"nasx_log_tail"  # sha256 of the range's last bytes (its last row): notices a log replaced since
TAIL_BYTES = 8192
_PART = re.compile(r"part-(\d{12})-(\d{12})\.parquet")


def _tail_of(raw: bytes) -> str:
    return hashlib.sha256(raw[-TAIL_BYTES:]).hexdigest()


def _log_tail(log: Path, end: int) -> str | None:
    try:
        with open(log, "rb") as f:
            f.seek(max(0, end - TAIL_BYTES))
            return _tail_of(f.read(min(end, TAIL_BYTES)))
    except OSError:
        return None


def _write_parquet(frame: pd.DataFrame, path: Path, start: int, end: int, tail: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = {**(table.schema.metadata or {}), OFFSET_KEY: f"{start}-{end}".encode(), TAIL_KEY: tail.encode()}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table.replace_schema_metadata(meta), tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _head_range(meta: dict | None) -> tuple[int, str] | None:
    """(end offset, tail hash) of results.parquet's covered range, from its metadata; None when it has
    none (written by an older nasx, or not readable)."""
    if not meta or OFFSET_KEY not in meta:
        return None
    start, end = (int(x) for x in meta[OFFSET_KEY].decode().split("-"))
    return (end, meta.get(TAIL_KEY, b"").decode()) if start == 0 else None


def _schema_meta(path: Path) -> dict | None:
    import pyarrow.parquet as pq

    try:
        return pq.read_schema(path).metadata or {}
    except Exception:  # missing, or not a readable Parquet file: the log has every row
        return None


def _parts(run_dir: Path) -> dict[int, tuple[int, Path]]:
    """start offset -> (end offset, path) of the part files (the first one found for each start)."""
    found: dict[int, tuple[int, Path]] = {}
    try:
        names = sorted(os.listdir(run_dir / PARTS))
    except OSError:
        return found
    for name in names:
        m = _PART.fullmatch(name)
        if m:
            found.setdefault(int(m.group(1)), (int(m.group(2)), run_dir / PARTS / name))
    return found


def chain(run_dir: Path, log_size: int, head_meta: dict | None = None) -> tuple[bool, list[Path], int]:
    """(whether results.parquet starts the chain, the parts continuing it, the first log byte not covered).
    `head_meta`: results.parquet's metadata as already read (else its footer is read)."""
    log = run_dir / "results.jsonl"
    use_head, covered = False, 0
    head = _head_range(head_meta if head_meta is not None else _schema_meta(run_dir / "results.parquet"))
    if head and head[0] <= log_size and _log_tail(log, head[0]) == head[1]:
        use_head, covered = True, head[0]
    head_end = covered
    parts, found = [], _parts(run_dir)
    while covered in found and found[covered][0] <= log_size:
        end, path = found[covered]
        parts.append(path)
        covered = end
    if parts:  # one check at the chain's end: a log replaced since would not end the same way
        if (_schema_meta(parts[-1]) or {}).get(TAIL_KEY, b"").decode() != _log_tail(log, covered):
            parts, covered = [], head_end
    return use_head, parts, covered


def complete_lines(log: Path, start: int) -> tuple[bytes, int]:
    """The log's bytes from `start` through its last line end, and the offset just past them."""
    with open(log, "rb") as f:
        f.seek(start)
        raw = f.read()
    cut = raw.rfind(b"\n") + 1
    return raw[:cut], start + cut


def _read_once(path: Path):
    """A Parquet file as a pyarrow Table from one read of its bytes (pyarrow given a path may open it
    twice, and see two versions of a file replaced in between)."""
    import pyarrow.parquet as pq

    return pq.read_table(io.BytesIO(path.read_bytes()))


def read(run_dir: Path, parse_lines, *, attempts: int = 5) -> tuple[pd.DataFrame | None, int]:
    """The whole table (Parquet files of the chain, then the log past them: `parse_lines(raw, start)`
    returns the rows of log bytes `raw` read from offset `start`), and the log offset it covers.
    A part deleted by a compaction while it is read makes it start again."""
    log = run_dir / "results.jsonl"
    for _ in range(attempts):
        size = log.stat().st_size
        try:
            head = _read_once(run_dir / "results.parquet") if (run_dir / "results.parquet").exists() else None
        except FileNotFoundError:
            continue
        except Exception:  # an unreadable view: the log has every row
            head = None
        try:
            use_head, parts, covered = chain(run_dir, size, head.schema.metadata or {} if head is not None else {})
            frames = ([head.to_pandas()] if use_head and head is not None else []) + [
                _read_once(p).to_pandas() for p in parts
            ]
        except FileNotFoundError:
            continue
        break
    else:
        raise ValueError(f"{run_dir}: the results views kept changing while being read; try again")
    with open(log, "rb") as f:
        f.seek(covered)
        rest = f.read()
    end = covered + rest.rfind(b"\n") + 1
    tail = parse_lines(rest, covered)
    if tail is not None and len(tail):
        frames.append(tail)
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else (frames[0] if frames else None)
    return frame, end


def refresh(
    run_dir: Path, parse_lines, typed, *, every_rows: int = PART_ROWS, every_s: float = PART_S, force: bool = False
) -> bool:
    """Write a part of the log lines no Parquet file covers yet, once there are `every_rows` of them or the
    last part is `every_s` old (or `force`). Returns whether it wrote."""
    log = run_dir / "results.jsonl"
    if not log.is_file():
        return False
    _, parts, covered = chain(run_dir, log.stat().st_size)
    raw, end = complete_lines(log, covered)
    rows = raw.count(b"\n")
    if rows == 0:
        return False
    newest = parts[-1] if parts else run_dir / "results.parquet"
    last = newest.stat().st_mtime if newest.exists() else 0.0
    if not force and rows < every_rows and time.time() - last < every_s:
        return False
    frame = typed(parse_lines(raw, covered))
    (run_dir / PARTS).mkdir(exist_ok=True)
    _write_parquet(
        frame, run_dir / PARTS / f"part-{covered:012d}-{end:012d}.parquet", covered, end, _log_tail(log, end) or ""
    )
    return True


def compact(run_dir: Path, frame: pd.DataFrame, end: int) -> None:
    """Rewrite results.parquet (covering log bytes [0, end)) and results.csv from `frame`, then delete the
    parts that results.parquet now covers."""
    log = run_dir / "results.jsonl"
    _write_parquet(frame, run_dir / "results.parquet", 0, end, _log_tail(log, end) or "")
    tmp = run_dir / f".results.csv.{os.getpid()}.tmp"
    try:
        frame.to_csv(tmp, index=False)
        os.replace(tmp, run_dir / "results.csv")
    finally:
        tmp.unlink(missing_ok=True)
    for part_end, path in _parts(run_dir).values():
        if part_end <= end:
            path.unlink(missing_ok=True)
    for leftover in (run_dir / PARTS).glob(".*.tmp") if (run_dir / PARTS).is_dir() else ():
        leftover.unlink(missing_ok=True)
