"""A full disk, simulated: the appends of a run's results log fail with ENOSPC once it holds some rows."""

import errno

from nasx import results
from nasx.results import jsonl


def disk_full_after(monkeypatch, rows: int) -> None:
    """results.jsonl's appends fail with ENOSPC once it holds `rows` rows (the other logs are written)."""
    real = jsonl.append_lines

    def append_lines(log, records):
        held = log.read_bytes().count(b"\n") if log.is_file() else 0
        if log.name == results.store.LOG and held >= rows:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(log, records)

    monkeypatch.setattr(jsonl, "append_lines", append_lines)
