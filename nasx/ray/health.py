"""The driver's watch on the head of its Ray: when the GCS stops answering, one line and exit code 3.

Without it a driver whose head node died waits for Ray's own reconnection timeout (60 s) in silence,
then Ray ends the process with a line of its own. The watch connects to the GCS's port every CHECK_S
seconds from a thread of the driver; after LOST_AFTER_S seconds without an answer it takes the record
lock (so no row is half written), prints one line on the terminal's stderr naming what is recorded and
how to go on, and ends the process with exit code CLUSTER_LOST. Every row already written stays: the
results log is appended and fsynced row by row, and `nasx resume RUN_DIR` on a restarted cluster runs
the trials that were in flight.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from collections.abc import Callable

CLUSTER_LOST = 3  # the exit code of a run whose cluster's head was lost
CHECK_S = 1.0
LOST_AFTER_S = 5.0


def answers(address: str, timeout_s: float = CHECK_S) -> bool:
    """Whether something accepts connections at HOST:PORT."""
    host, _, port = address.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=timeout_s).close()
    except (OSError, ValueError):
        return False
    return True


class Watch:
    """Checks `address` (the GCS's HOST:PORT) until `stop`; on loss calls `lost()` for the message, prints it
    as `program: error: MESSAGE` on file descriptor `terminal` while holding `record_lock`, and exits."""

    def __init__(
        self,
        address: str,
        lost: Callable[[], str],
        *,
        terminal: int,
        record_lock: threading.Lock,
        program: str,
        lost_after_s: float = LOST_AFTER_S,
    ) -> None:
        self.address, self.lost, self.terminal, self.record_lock = address, lost, terminal, record_lock
        self.program, self.lost_after_s = program, lost_after_s
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="nasx-head-watch", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        last_answer = time.monotonic()
        while not self.stopped.wait(CHECK_S):
            if answers(self.address):
                last_answer = time.monotonic()
            elif time.monotonic() - last_answer >= self.lost_after_s and not self.stopped.is_set():
                self._exit()

    def _exit(self) -> None:
        self.record_lock.acquire(timeout=30.0)  # a row being written is finished first
        message = f"{self.program}: error: {self.lost()}\n"
        sys.stdout.flush()
        os.write(self.terminal, message.encode())
        os._exit(CLUSTER_LOST)

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=2 * CHECK_S + 1)
