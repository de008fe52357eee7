"""A Ray cluster of several nodes on 127.0.0.1, for tests and benchmarks of nasx on a cluster.

Each node is its own `ray start` (the first `--head`, the others `--address` of it) with its own temp
root and its own owner token (nasx.ray.reaper's NASX_RAY_OWNER), so one node can be killed alone, as a
machine that dies would be (`kill`), and every process of the cluster is stopped at the end (`stop`),
never those of another Ray on the machine. The nodes use token authentication with a token made for the
cluster (RAY_AUTH_MODE=token, RAY_AUTH_TOKEN): `env` is what a driver needs to attach to it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from nasx.ray import reaper

START_TIMEOUT_S = 180.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """`nodes` Ray nodes on 127.0.0.1 with `cpus` logical CPUs each: node 0 is the head, 1.. the workers."""

    def __init__(self, nodes: int = 2, cpus: int = 1, *, port: int | None = None, env: dict | None = None) -> None:
        self.cpus, self.port = cpus, port or free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.name = f"loopback-{uuid.uuid4().hex[:12]}"
        self.env = {
            **(env or os.environ),
            "RAY_USAGE_STATS_ENABLED": "0",
            "RAY_AUTH_MODE": "token",
            "RAY_AUTH_TOKEN": uuid.uuid4().hex + uuid.uuid4().hex,
        }
        self.env.pop("RAY_AUTH_TOKEN_PATH", None)
        self.env.pop(reaper.OWNER_ENV, None)
        self.temps: dict[int, str] = {}  # live nodes: their temp roots
        self.started: set[int] = set()  # every node ever started, killed ones included
        try:
            for node in range(nodes):
                self.start(node)
        except BaseException:
            self.stop()
            raise

    def token(self, node: int) -> str:
        return f"{self.name}-{node}"

    def start(self, node: int) -> None:
        """Start node `node` (again, after `kill`): the head on `port`, a worker attached to it."""
        ray = str(Path(sys.executable).parent / "ray")
        self.temps[node] = tempfile.mkdtemp(prefix="nasx-lb-")
        self.started.add(node)
        head = ["--head", f"--port={self.port}", "--include-dashboard=false"]
        where = head if node == 0 else [f"--address={self.address}"]
        common = [f"--num-cpus={self.cpus}", "--disable-usage-stats", f"--temp-dir={self.temps[node]}"]
        subprocess.run(
            [ray, "start", *where, *common],
            env={**self.env, reaper.OWNER_ENV: self.token(node)},
            check=True,
            capture_output=True,
            timeout=START_TIMEOUT_S,
        )

    def pids(self, node: int) -> list[int]:
        """The live processes of node `node` (its raylet, agents and workers; the head's GCS)."""
        return reaper.owned_pids(self.token(node))

    def trial_pids(self, node: int) -> list[int]:
        """The processes of node `node` running a Tune trial (Ray names them after the trainable's actor)."""
        found = []
        for pid in self.pids(node):
            try:
                if (Path("/proc") / str(pid) / "cmdline").read_bytes().startswith(b"ray::ImplicitFunc"):
                    found.append(pid)
            except OSError:
                continue
        return found

    def kill(self, node: int) -> int:
        """SIGKILL every process of node `node` at once, as a machine that dies; returns how many there were."""
        pids = self.pids(node)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        reaper.reap(self.token(node), self.temps.pop(node, None), grace_s=0.0)  # a worker started while dying
        return len(pids)

    def stop(self) -> None:
        """Stop every node (workers first) and remove their temp roots."""
        for node in sorted(self.started, reverse=True):  # a node killed before: nothing of it may be left either
            reaper.reap(self.token(node), self.temps.pop(node, None))
