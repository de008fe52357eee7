"""Slot utilisation of a search: the share of slot-seconds spent inside trials.

    python -m bench.utilization [--only local|cluster] [--durations 0.5 2 10]

A real `run_search` (Plan, random searcher, Ray Tune) whose evaluator sleeps for a fixed time instead
of training, so that what is measured is how fast nasx and Ray refill a slot when a trial ends:
utilisation = sum of trial durations / (slots x (last trial end - first trial start)). Two setups:
a local Ray with 2 slots, and a local multi-node cluster (`ray start --head` plus one `ray start
--address` on 127.0.0.1, 4 logical CPUs each, 8 slots). Targets: >= 95% for 10 s trials, >= 85% for 2 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from bench.instant import sleeper

TARGETS = {10.0: 0.95, 2.0: 0.85}
ROOT = Path(__file__).resolve().parents[1]  # the checkout: workers of the cluster import bench.instant from it
WAVES = 4  # trials per slot


def utilisation(run_dir: Path, slots: int) -> float:
    from nasx import results

    frame = results.load(run_dir)
    ends = frame["finished_at"].astype(float)
    starts = ends - frame["wall_s"].astype(float)
    return float(frame["wall_s"].sum() / (slots * (ends.max() - starts.min())))


def run(duration_s: float, slots: int, address: str | None, cpus_per_trial: float) -> float:
    from nasx.search.driver import run_search
    from nasx.search.setup import Resources
    from tests.search_setups import tiny_setup

    run_dir = Path(tempfile.mkdtemp(prefix="nasx-util-"))
    try:
        setup = tiny_setup(
            run_dir / "run",
            budget=slots * WAVES,
            address=address,
            resources=Resources(
                cpus_per_trial=cpus_per_trial, max_concurrent=slots, num_cpus=slots if address is None else None
            ),
        )
        run_search(setup, out=lambda _: None, evaluator=sleeper(duration_s))
        return utilisation(run_dir / "run", slots)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """Two Ray nodes on 127.0.0.1, each with `cpus` logical CPUs, stopped (only they) at the end."""

    def __init__(self, cpus: int) -> None:
        from nasx.ray import reaper

        self.token, self.temp = f"bench-{uuid.uuid4().hex[:12]}", tempfile.mkdtemp(prefix="nasx-rc-")
        env = {
            **os.environ,
            reaper.OWNER_ENV: self.token,
            "RAY_USAGE_STATS_ENABLED": "0",
            "RAY_AUTH_MODE": "disabled",  # a token kept under its own temp root would not reach the second node
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        ray = str(Path(sys.executable).parent / "ray")
        port = _free_port()
        self.address = f"127.0.0.1:{port}"
        common = [f"--num-cpus={cpus}", "--disable-usage-stats"]
        subprocess.run(
            [ray, "start", "--head", f"--port={port}", "--include-dashboard=false", f"--temp-dir={self.temp}", *common],
            env=env,
            check=True,
            capture_output=True,
            timeout=180,
        )
        subprocess.run(
            [ray, "start", f"--address={self.address}", *common], env=env, check=True, capture_output=True, timeout=180
        )

    def stop(self) -> None:
        from nasx.ray import reaper

        reaper.reap(self.token, self.temp)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", choices=("local", "cluster"))
    p.add_argument("--durations", type=float, nargs="+", default=[0.5, 2.0, 10.0])
    args = p.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.2f}; {WAVES} trials per slot"
    )
    setups = [("local Ray, 2 slots", 2, None, 1.0)] if args.only != "cluster" else []
    cluster = None
    if args.only != "local":
        cluster = Cluster(cpus=4)
        setups.append(("2-node cluster on 127.0.0.1, 8 slots", 8, cluster.address, 1.0))
    try:
        for label, slots, address, cpus in setups:
            for duration in args.durations:
                share = run(duration, slots, address, cpus)
                target = TARGETS.get(duration)
                verdict = (
                    "" if target is None else f"   target >= {target:.0%}: {'met' if share >= target else 'MISSED'}"
                )
                print(f"{label:<38} {duration:>5.1f} s trials: {share:6.1%}{verdict}", flush=True)
    finally:
        if cluster:
            cluster.stop()


if __name__ == "__main__":
    main()
