"""Measured latencies on disk: one JSON line per measurement in CACHE_DIR/latency.jsonl.

An entry is keyed by the architecture's key, the machine's fingerprint (CPU model, cores, torch, Python,
device name; the thread count is a field of its own), the batch size, the dtype and the thread count.
Lines are appended in one fsynced write each (`nasx.results.jsonl`), so processes measuring at once
lose nothing and a crash leaves at most one torn last line, which readers skip and the next append cuts
away. The newest line of a key wins. CACHE_DIR is `$NASX_CACHE_DIR`, else `~/.cache/nasx`.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from nasx.results import jsonl

CACHE_ENV = "NASX_CACHE_DIR"
FILE = "latency.jsonl"


def cache_dir() -> Path:
    """`$NASX_CACHE_DIR`, else `~/.cache/nasx`."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "nasx")


def machine_of(fingerprint: dict) -> dict:
    """A fingerprint without its thread count: what identifies the machine."""
    return {k: v for k, v in fingerprint.items() if k != "threads"}


def entry_key(arch_key: str, machine: dict, batch_size: int, dtype: str, threads: int) -> str:
    """sha256 of the canonical JSON of everything a measurement depends on."""
    fields = {"arch_key": arch_key, "machine": machine, "batch_size": batch_size, "dtype": dtype, "threads": threads}
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def _problem(record: Any) -> str | None:
    if not isinstance(record, dict) or not isinstance(record.get("key"), str):
        return " is not a latency record (a JSON object with a 'key')"
    return None


class LatencyCache:
    """The latency log at `path` (default CACHE_DIR/latency.jsonl), read once, then kept in step with what
    this process appends."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else cache_dir() / FILE
        self._entries: dict[str, dict] | None = None

    def _load(self) -> dict[str, dict]:
        if self._entries is None:
            try:
                raw = self.path.read_bytes()
            except FileNotFoundError:
                raw = b""
            except OSError as exc:
                raise ValueError(f"latency cache {self.path}: cannot read it ({exc.strerror or exc})") from None
            self._entries = {r["key"]: r for r in jsonl.parse_lines(raw, self.path, problem=_problem)}
        return self._entries

    def get(self, key: str, min_iters: int = 1) -> dict | None:
        """The newest entry under `key` timed over at least `min_iters` iterations, or None."""
        entry = self._load().get(key)
        return entry if entry is not None and entry.get("iters", 0) >= min_iters else None

    def put(self, record: dict) -> None:
        """Append `record` (a dict with a 'key') as a line of its own, cutting away a torn last line first."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            jsonl.cut_torn_tail(self.path, keep_whole=True)
            jsonl.append_lines(self.path, [record])
        except OSError as exc:
            raise ValueError(f"latency cache {self.path}: cannot write there ({exc.strerror or exc})") from None
        self._load()[record["key"]] = record

    def __len__(self) -> int:
        return len(self._load())
