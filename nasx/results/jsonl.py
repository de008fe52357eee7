"""Append-only JSON-lines logs, the record behind every table of a run (results, curves, the Optuna journal).

One write per append, fsynced, each record on a line of its own: a crash leaves at most one torn last
line, which readers skip and a resumed driver cuts away (`cut_torn_tail`).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def ends_mid_line(path: Path) -> bool:
    """True when the file is non-empty and its last byte is not a newline."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            if f.tell() == 0:
                return False
            f.seek(-1, os.SEEK_END)
            return f.read(1) != b"\n"
    except FileNotFoundError:
        return False


def append_lines(log: Path, records: list[dict]) -> None:
    """Append `records` to a JSON-lines log in one write, each on a line of its own (never glued onto an
    incomplete last line), then fsync: a crash leaves at most one torn last line. Non-finite floats are
    written as null."""
    text = "".join(json.dumps({k: _clean(v) for k, v in r.items()}, sort_keys=True) + "\n" for r in records)
    if ends_mid_line(log):
        text = "\n" + text
    data = text.encode("utf-8")
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        while data:
            data = data[os.write(fd, data) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def cut_torn_tail(log: Path, *, keep_whole: bool = False) -> bytes:
    """Cut an incomplete last line (a write cut short by a crash) off `log`; returns the bytes cut (empty
    when the log ends cleanly). With `keep_whole`, a last line that parses as a whole JSON object and
    lacks only its newline is completed instead, and nothing is cut."""
    if not ends_mid_line(log):
        return b""
    raw = log.read_bytes()
    start = raw.rfind(b"\n") + 1
    fragment = raw[start:]
    whole = keep_whole and _is_object(fragment)
    with open(log, "r+b") as f:
        if whole:
            f.seek(0, os.SEEK_END)
            f.write(b"\n")
        else:
            f.truncate(start)
        f.flush()
        os.fsync(f.fileno())
    return b"" if whole else fragment


def _is_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line.decode("utf-8")), dict)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False


def parse_lines(
    raw: bytes, path: Path, start: int = 0, *, problem: Callable[[Any], str | None] = lambda record: None
) -> list[Any]:
    """The records of log bytes `raw`, read from byte `start` of `path`. A torn last line (a crash
    mid-write) is skipped; any other line that is not JSON, or of which `problem(record)` says something,
    is a ValueError naming the file, the line and the problem."""

    def line_number(i: int) -> int:
        with open(path, "rb") as f:
            return f.read(start).count(b"\n") + i + 1

    try:
        lines = raw.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text (byte {start + exc.start})") from None
    records = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            if i == len(lines) - 1:
                break
            raise ValueError(f"{path}: line {line_number(i)} is not a JSON object") from None
        found = problem(record)
        if found:
            raise ValueError(f"{path}: line {line_number(i)}{found}")
        records.append(record)
    return records
