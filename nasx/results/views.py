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
(left by a crash) is ignored, and those rows come from the log.

Every view records what it was built from and is verified when read. Its metadata holds the log range (`start-end`
bytes), its row count, the sha256 of those log bytes and a seal: the sha256 of that metadata and of the table's
columns, types and values as decoded. Its pages carry Parquet's CRC checksums, checked on read. A view whose pages,
seal or log range do not match is not trusted: its rows are read from the log, with one warning line, and the next
compaction rebuilds it. A log shorter than a view built from it is damage, not a reason to shrink the view:
`LogShorterThanView` says so, and both files are left as they are.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import time
from pathlib import Path

import pandas as pd

from nasx import log as nasx_log

PARTS = "results.parts"
PART_ROWS = 200
PART_S = 30.0
OFFSET_KEY = b"nasx_log_bytes"  # results.parquet and parts: the log bytes [start, end) they hold
TAIL_KEY = b"nasx_log_tail"  # sha256 of the range's last bytes (its last row): notices a log replaced since
TAIL_BYTES = 8192
ROWS_KEY = b"nasx_log_rows"  # how many log rows the range holds
LOG_SHA_KEY = b"nasx_log_sha256"  # sha256 of the range's log bytes
CSV_KEY = b"nasx_csv_sha256"  # results.parquet: sha256 of the results.csv written with it
SEAL_KEY = b"nasx_seal"  # sha256 of the other keys and of the decoded table: a damaged view does not match it
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


def log_digest(log: Path, start: int, end: int) -> str | None:
    """sha256 of the log's bytes [start, end); None when the log holds fewer."""
    digest = hashlib.sha256()
    try:
        with open(log, "rb") as f:
            f.seek(start)
            left = end - start
            while left > 0:
                chunk = f.read(min(left, 1 << 20))
                if not chunk:
                    return None
                digest.update(chunk)
                left -= len(chunk)
    except OSError:
        return None
    return digest.hexdigest()


class LogShorterThanView(ValueError):
    """The log holds fewer bytes than a view was built from: rows were lost from the record."""


class Damaged(Exception):
    """A view that does not match its seal, its pages' checksums or the log it was built from."""


def seal(table, meta: dict) -> str:
    """sha256 of a view's metadata (every key but the seal: the log range, pandas' and Arrow's own) and of its
    table as decoded: column names, types and values."""
    digest = hashlib.sha256()
    for key in sorted(k for k in meta if k != SEAL_KEY):
        digest.update(b"%d:%s=%d:%s\n" % (len(key), key, len(meta[key]), meta[key]))
    frame = table.replace_schema_metadata(meta).to_pandas()
    for name, field in zip(frame.columns, table.schema, strict=True):
        digest.update(f"{name}\0{field.type}\0{len(frame)}\0".encode())
        digest.update(pd.util.hash_pandas_object(frame[name], index=False).to_numpy().tobytes())
    return digest.hexdigest()


def write_sealed(frame: pd.DataFrame, path: Path, meta: dict[bytes, bytes]) -> None:
    """`frame` as a Parquet file at `path` (written aside, renamed into place) with page checksums, `meta` and
    its seal in its metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = {**(table.schema.metadata or {}), **meta}
    meta[SEAL_KEY] = seal(table, meta).encode()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table.replace_schema_metadata(meta), tmp, write_page_checksum=True)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_sealed(path: Path):
    """A Parquet file written by `write_sealed`, as a pyarrow Table, from one read of its bytes (pyarrow given a
    path may open it twice, and see two versions of a file replaced in between), its page checksums and seal
    checked; `Damaged` naming what does not match. A file without a seal (an older nasx) reads as it is."""
    import pyarrow.parquet as pq

    raw = path.read_bytes()
    try:
        table = pq.read_table(io.BytesIO(raw), page_checksum_verification=True)
    except Exception as exc:  # pyarrow raises several types for a corrupted file
        raise Damaged(f"not a readable Parquet file ({type(exc).__name__})") from None
    try:
        meta = table.schema.metadata or {}
        if SEAL_KEY not in meta:  # an older nasx's view, unless it holds what only a sealed one does
            if ROWS_KEY in meta or LOG_SHA_KEY in meta:
                raise Damaged("its seal is missing")
            return table
        same = seal(table, meta) == meta[SEAL_KEY].decode()
    except Damaged:
        raise
    except Exception:  # metadata that does not decode, a type or value pandas cannot hash: not what nasx wrote
        same = False
    if not same:
        raise Damaged("its contents do not match their seal")
    return table


_said: set[tuple[str, str]] = set()


def _distrust(path: Path, why: str) -> None:
    """One warning line per damaged view and reason in a process: its rows come from the log. The line is printed
    where nasx's warnings go (`nasx.log.to_terminal`: stdout, beside the progress lines), never split."""
    if (str(path), why) not in _said:
        _said.add((str(path), why))
        shown = str(path).replace("\n", "\\n").replace("\r", "\\r")
        nasx_log.logger("results").warning(
            f"{shown}: damaged ({' '.join(why.split())}); not trusted: its rows are read from results.jsonl, and the "
            "view is rebuilt from it at the next compaction"
        )


def _write_parquet(frame: pd.DataFrame, path: Path, start: int, end: int, log: Path, csv_sha256: str = "") -> None:
    meta = {
        OFFSET_KEY: f"{start}-{end}".encode(),
        TAIL_KEY: (_log_tail(log, end) or "").encode(),
        ROWS_KEY: str(len(frame)).encode(),
        LOG_SHA_KEY: (log_digest(log, start, end) or "").encode(),
    }
    if csv_sha256:
        meta[CSV_KEY] = csv_sha256.encode()
    write_sealed(frame, path, meta)


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


def _rows_of(meta: dict) -> str:
    return meta.get(ROWS_KEY, b"?").decode(errors="replace")


def _shorter(log: Path, size: int, view: Path, end: int, meta: dict) -> LogShorterThanView:
    with open(log, "rb") as f:
        rows = f.read().count(b"\n")
    return LogShorterThanView(
        f"{log}: holds {size} bytes ({rows} rows), but {view.name} was built from {end} bytes ({_rows_of(meta)} "
        f"rows): the log has lost rows; both files are kept as they are (restore {log.name}, or move {view.name} "
        "away to accept the shorter log)"
    )


def _verified(path: Path, log: Path, size: int):
    """A view of the chain (results.parquet or a part) read and checked: its table, or None when it does not
    match (said once); LogShorterThanView when the log holds fewer bytes than it was built from."""
    try:
        table = read_sealed(path)
    except Damaged as exc:
        _distrust(path, str(exc))
        return None
    meta = table.schema.metadata or {}
    if OFFSET_KEY not in meta:  # an older nasx's view: the log has every row
        return None
    start, end = (int(x) for x in meta[OFFSET_KEY].decode().split("-"))
    if end > size:
        raise _shorter(log, size, path, end, meta)
    if LOG_SHA_KEY in meta and log_digest(log, start, end) != meta[LOG_SHA_KEY].decode():
        _distrust(path, f"built from other bytes {start}-{end} of {log.name} than it holds now")
        return None
    return table


def _check_csv(run_dir: Path, meta: dict) -> None:
    """results.csv, written with results.parquet: its digest is in results.parquet's metadata."""
    csv = run_dir / "results.csv"
    if CSV_KEY in meta and csv.is_file():
        if hashlib.sha256(csv.read_bytes()).hexdigest() != meta[CSV_KEY].decode():
            _distrust(csv, "it is not the CSV written with results.parquet")


def read(run_dir: Path, parse_lines, *, attempts: int = 5) -> tuple[pd.DataFrame | None, int]:
    """The whole table (Parquet files of the chain, each verified, then the log past them: `parse_lines(raw,
    start)` returns the rows of log bytes `raw` read from offset `start`), and the log offset it covers. A part
    deleted by a compaction while it is read makes it start again. LogShorterThanView when the log holds fewer
    bytes than a view was built from."""
    log = run_dir / "results.jsonl"
    for _ in range(attempts):
        size = log.stat().st_size
        try:
            head = _verified(run_dir / "results.parquet", log, size) if (run_dir / "results.parquet").exists() else None
            meta = (head.schema.metadata or {}) if head is not None else {}
            use_head, parts, covered = chain(run_dir, size, meta)
            if head is not None and not use_head:
                _distrust(run_dir / "results.parquet", f"built from other bytes than {log.name} holds now")
            tables = [head] if use_head and head is not None else []
            for path in parts:
                table = _verified(path, log, size)
                if table is None:  # the chain ends before a part that does not match: the log has the rest
                    covered = _range_of(path)[0]
                    break
                tables.append(table)
            after = _parts(run_dir).get(covered)
            if after is not None and after[0] > size:
                _verified(after[1], log, size)  # a sound part beyond the log's end: LogShorterThanView
            frames = [t.to_pandas() for t in tables]
        except FileNotFoundError:
            continue
        break
    else:
        raise ValueError(f"{run_dir}: the results views kept changing while being read; try again")
    if use_head:
        _check_csv(run_dir, meta)
    with open(log, "rb") as f:
        f.seek(covered)
        rest = f.read()
    end = covered + rest.rfind(b"\n") + 1
    tail = parse_lines(rest, covered)
    if tail is not None and len(tail):
        frames.append(tail)
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else (frames[0] if frames else None)
    return frame, end


def _range_of(path: Path) -> tuple[int, int]:
    m = _PART.fullmatch(path.name)
    assert m is not None
    return int(m.group(1)), int(m.group(2))


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
    _write_parquet(frame, run_dir / PARTS / f"part-{covered:012d}-{end:012d}.parquet", covered, end, log)
    return True


def compact(run_dir: Path, frame: pd.DataFrame, end: int) -> None:
    """Rewrite results.parquet (covering log bytes [0, end)) and results.csv from `frame`, then delete the
    parts that results.parquet now covers."""
    log = run_dir / "results.jsonl"
    csv = frame.to_csv(index=False).encode()
    _write_parquet(frame, run_dir / "results.parquet", 0, end, log, hashlib.sha256(csv).hexdigest())
    tmp = run_dir / f".results.csv.{os.getpid()}.tmp"
    try:
        tmp.write_bytes(csv)
        os.replace(tmp, run_dir / "results.csv")
    finally:
        tmp.unlink(missing_ok=True)
    for part_end, path in _parts(run_dir).values():
        if part_end <= end:
            path.unlink(missing_ok=True)
    for leftover in (run_dir / PARTS).glob(".*.tmp") if (run_dir / PARTS).is_dir() else ():
        leftover.unlink(missing_ok=True)
