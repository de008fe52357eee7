"""nasx's log: records on the logger "nasx" and its children (nasx.search, nasx.fidelity, ...).

The library installs no handler and sets no other library's level for good: the `nasx` command installs
the one handler that prints today's lines (`to_terminal`), and a program using nasx as a library
configures logging as it likes. Where a run needs Ray or Optuna quieter, `quieter` lowers their
loggers' output for that run only and puts the levels back after it.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Iterator
from typing import TextIO

ROOT = "nasx"
WARNING = "warning: "  # a progress line starting so is a warning (logged without the prefix)
_PROGRAM = ["nasx"]  # the command running, as its error lines name it ("nasx search")


def logger(name: str = "") -> logging.Logger:
    """The logger "nasx" or "nasx.<name>"."""
    return logging.getLogger(f"{ROOT}.{name}" if name else ROOT)


def lines(name: str) -> Callable[[str], None]:
    """An `out` for the functions that report progress line by line: each line becomes a record on
    nasx.<name>, INFO, or WARNING for a line starting with "warning: "."""
    log = logger(name)

    def out(line: str) -> None:
        if line.startswith(WARNING):  # stacklevel: the record names the caller, not this function
            log.warning(line[len(WARNING) :], stacklevel=2)
        else:
            log.info(line, stacklevel=2)

    return out


class _Lines(logging.Formatter):
    """The message alone, as nasx has always printed it; a warning or error says so first."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return f"{record.levelname.lower()}: {text}" if record.levelno >= logging.WARNING else text


@contextlib.contextmanager
def to_terminal(stream: TextIO | None = None, level: int = logging.INFO) -> Iterator[logging.Handler]:
    """While open, nasx's records at `level` and above are printed as plain lines on `stream` (default
    stdout) and not passed on to the root logger; the logger is left as it was after."""
    log = logger()
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(_Lines("%(message)s"))
    before = log.level, log.propagate
    log.addHandler(handler)
    log.setLevel(level)
    log.propagate = False
    try:
        yield handler
    finally:
        handler.flush()
        log.removeHandler(handler)
        log.setLevel(before[0])
        log.propagate = before[1]


def program() -> str:
    """The command whose error lines these are: "nasx search" while `nasx search` runs, else "nasx"."""
    return _PROGRAM[-1]


@contextlib.contextmanager
def command(name: str) -> Iterator[None]:
    """While open, `program()` is `name` (the `nasx` command sets it to "nasx CMD")."""
    _PROGRAM.append(name)
    try:
        yield
    finally:
        _PROGRAM.pop()


@contextlib.contextmanager
def quieter(levels: dict[str, int]) -> Iterator[None]:
    """While open, each named logger (`{"optuna": logging.WARNING}`) has at least that level; after, every
    one has its own level again, whatever the code inside set (ray.init sets "ray"'s)."""
    saved = {name: logging.getLogger(name).level for name in levels}
    try:
        for name, level in levels.items():
            log = logging.getLogger(name)
            if log.getEffectiveLevel() < level:
                log.setLevel(level)
        yield
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
