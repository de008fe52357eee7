"""Ray's own output during a run goes to RUN_DIR/ray.log, not to the terminal.

Ray writes to the driver's terminal in three ways: its Python loggers (`ray`, `ray.tune`, ...: Tune's
"Trial task failed" with a traceback, when a worker or node dies), its C++ core worker (to file
descriptor 2: lost connections, a GCS that went away), and the cluster's error messages ("(raylet) The
node ... has been marked dead", printed on stdout by a thread of the driver). While `into(path)` is open,
file descriptor 2 is the log file, so the first two land there, and the third is sent there too; the
terminal's stderr stays reachable through the descriptor it yields (for a line nasx must print). nasx's
own lines go to stdout, and its errors are printed after the block, when stderr is the terminal again.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

RAY_LOG = "ray.log"


@contextlib.contextmanager
def into(path: Path) -> Iterator[int]:
    """File descriptor 2 (stderr) appends to `path` while open, and Ray's error messages with it; yields a
    descriptor of the terminal's stderr as it was."""
    sys.stderr.flush()
    terminal = os.dup(2)
    log = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o644)
    os.dup2(log, 2)
    os.close(log)
    restore = _messages_to_stderr()
    try:
        yield terminal
    finally:
        restore()
        sys.stderr.flush()
        os.dup2(terminal, 2)
        os.close(terminal)


def _messages_to_stderr():
    """Ray prints the cluster's error messages on stdout (`ray._private.worker.print_to_stdstream`, called by
    its `listen_error_messages` thread); sent to stderr instead, they reach the log. Returns the undo."""
    import ray._private.worker as worker

    original = getattr(worker, "print_to_stdstream", None)
    if original is None:  # another Ray: its messages stay where it prints them
        return lambda: None

    def to_stderr(data: dict, ignore_prefix: bool) -> None:
        original({**data, "is_err": True}, ignore_prefix)

    worker.print_to_stdstream = to_stderr
    return lambda: setattr(worker, "print_to_stdstream", original)
