"""A run directory's record: the files only the run's own writer writes, and where other commands may write.

The record (`RECORD`: the logs, the config, the lock, the journal, the supernet checkpoint) and the files derived
from it (`DERIVED`: the views, the parts, the weights, a study's supernets) belong to the run. A command writes in
a run directory only while it holds the run's writer lock (`holding`); an output path given on the command line
(`--out`) may replace an existing file only with `--force`, and never a file of a run's record set
(`check_out`), whoever asks.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from nasx.results.lock import LOCK, writer_lock

RECORD = frozenset(
    {
        "results.jsonl",
        "curves.jsonl",
        "config.yaml",
        "overrides.yaml",
        LOCK,
        "optuna.log",
        "supernet.pt",
    }
)
DERIVED = frozenset({"results.parquet", "results.csv", "curves.parquet", "results.parts", "weights", "supernets"})
MARKS = ("results.jsonl", "config.yaml", LOCK)  # a directory holding one of these is a run directory


def is_run_dir(path: Path) -> bool:
    return path.is_dir() and any((path / name).exists() for name in MARKS)


def run_dir_of(path: str | Path) -> Path | None:
    """The run directory holding `path` (the nearest one above it, or `path` itself), or None."""
    path = Path(path).absolute()
    for parent in (path, *path.parents):
        if is_run_dir(parent):
            return parent
    return None


def record_name(path: str | Path) -> str | None:
    """The name in a run's record set (`RECORD`, `DERIVED`) that `path` is or lies under, or None."""
    path = Path(path).absolute()
    run_dir = run_dir_of(path.parent)
    if run_dir is None:
        return None
    first = path.relative_to(run_dir).parts[:1]
    name = first[0] if first else ""
    if name in RECORD or name in DERIVED or name.startswith("results.jsonl."):  # torn fragments kept beside the log
        return name
    return None


def check_out(path: str | Path, *, force: bool, flag: str = "--out") -> None:
    """An output file a command is asked to write: refused (one ValueError line) on a file of a run's record set
    even with `force`, and on any existing file without it."""
    path = Path(path)
    name = record_name(path)
    if name is not None:
        raise ValueError(
            f"{flag} {path}: {name} belongs to the record of the run in {run_dir_of(path.parent)}; nasx never "
            "writes over it (choose another path)"
        )
    if path.exists() and not path.is_dir() and not force:
        raise ValueError(f"{flag} {path}: the file exists; add --force to replace it")


@contextlib.contextmanager
def holding(path: str | Path) -> Iterator[Path | None]:
    """For the block, the writer lock of the run directory `path` lies in (None when it lies in none): a
    command writes in a run directory only while it holds it. ValueError (one line) when another process does."""
    run_dir = run_dir_of(path)
    if run_dir is None:
        yield None
        return
    with writer_lock(run_dir, again=True):
        yield run_dir
