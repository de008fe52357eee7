"""Cleans up a local Ray that nasx started, when its driver ends, SIGKILL included.

The driver starts Ray with NASX_RAY_OWNER=<token> in its environment, so every Ray process of that
session (GCS, raylet, agents, workers) carries the token, and with its own temp root. It then starts
this module as a separate process (its own session, so a kill of the driver's process group spares
it) holding the read end of a pipe whose write end only the driver holds. End of file on that pipe
means the driver is done or dead: the reaper then stops every process carrying the token (SIGTERM,
then SIGKILL) and removes the temp root. Processes of other Ray sessions are never touched.

    python -m nasx.ray.reaper TOKEN TEMP_ROOT
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from pathlib import Path

OWNER_ENV = "NASX_RAY_OWNER"
GRACE_S = 3.0


def owned_pids(token: str, *, prefix: bool = False) -> list[int]:
    """Pids of the live processes whose environment holds OWNER_ENV=token (with `prefix`: a token that
    starts with `token`), from the same user's /proc."""
    needle = f"{OWNER_ENV}={token}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            values = (entry / "environ").read_bytes().split(b"\0")
            owned = any(v.startswith(needle) for v in values) if prefix else needle in values
            if owned and _alive(entry):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def driver_pids(driver_pid: int) -> list[int]:
    """Live processes of the local Ray that the driver `driver_pid` started (their token starts with its pid)."""
    return owned_pids(f"{driver_pid}-", prefix=True)


def _alive(entry: Path) -> bool:
    """False for a zombie (dead, waiting for its parent to collect it)."""
    stat = (entry / "stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _signal(pids: list[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def reap(token: str, temp_root: str | None, *, grace_s: float = GRACE_S) -> int:
    """Stop the processes carrying `token` and remove `temp_root`; returns how many were still alive."""
    first = owned_pids(token)
    if first:
        _signal(first, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline and owned_pids(token):
            time.sleep(0.1)
        for _ in range(50):  # a dying raylet may still start a worker: repeat until none is left
            left = owned_pids(token)
            if not left:
                break
            _signal(left, signal.SIGKILL)
            time.sleep(0.1)
    if temp_root:
        shutil.rmtree(temp_root, ignore_errors=True)
    return len(first)


def main(argv: list[str]) -> int:
    token, temp_root = argv[0], argv[1] if len(argv) > 1 else None
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C meant for the driver must not stop the cleanup
    while sys.stdin.buffer.read(4096):
        pass  # the driver never writes; end of file comes when it closes the pipe or dies
    reap(token, temp_root)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
