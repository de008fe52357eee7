"""One writer per run directory: an exclusive OS file lock on RUN_DIR/writer.lock.

The lock is `flock` on an open file, so the kernel releases it when the holding process dies
(SIGKILL included): a crash never leaves a stale lock. The file holds the holder's pid, which a
refused second writer names. The lock is exclusive within one process too, but for a block that says it
takes the lock `again` (a study that holds its run directory runs its trials there). Readers take no lock;
every command takes it before it writes anything in a run directory (`nasx.results.record`). The lock file
is never opened through a link, and a run directory holding a link is refused once the lock is held
(`run_paths`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from nasx.results.run_paths import check_no_links, open_fd

LOCK = "writer.lock"
_HELD: dict[Path, int] = {}  # run directories this process holds -> how many blocks hold each


def _holder(fd: int) -> str:
    for _ in range(20):  # the holder writes its pid just after taking the lock
        text = os.pread(fd, 64, 0).decode(errors="replace").strip()
        if text:
            return text
        time.sleep(0.01)
    return "unknown"


@contextlib.contextmanager
def writer_lock(run_dir: str | Path, *, again: bool = False) -> Iterator[Path]:
    """Hold the run directory's writer lock (creating the directory) for the duration of the block;
    raises ValueError if another process holds it, or this one does and `again` is false, or the directory
    cannot be written or holds a link."""
    run_dir = Path(run_dir)
    key = run_dir.resolve()
    if again and key in _HELD:  # held by this process already: one lock, counted
        _HELD[key] += 1
        try:
            yield run_dir
        finally:
            _HELD[key] -= 1
        return
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        fd = open_fd(run_dir / LOCK, os.O_RDWR | os.O_CREAT)
    except OSError as exc:
        raise ValueError(f"run_dir={run_dir}: cannot write there ({exc.strerror or exc})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd)
        os.close(fd)
        raise ValueError(
            f"run_dir={run_dir} is in use by pid {holder} (a search, resume or confirm writing "
            "there); wait for it to end or choose another run_dir"
        ) from None
    try:
        check_no_links(run_dir)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _HELD[key] = 1
        yield run_dir
    finally:
        _HELD.pop(key, None)
        os.close(fd)
