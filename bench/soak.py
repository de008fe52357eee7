"""Soak: a search killed and resumed many times, with faults injected on purpose and a second writer.

    python -m bench.soak [--budget 50] [--kills 10] [--seed 0] [--run-dir DIR]
    python -m bench.soak --cluster [--budget 12] [--kills 4] [--seed 0] [--run-dir DIR]

A search of `budget` trials (digits at 8x8, one-epoch trials of tiny networks, local Ray) runs in a driver process
that is SIGKILLed (with its process group) `kills` times, each at a random moment 0-8 s after the cycle's first new
row, and resumed each time; NaN, raise and dying-worker faults are injected into chosen trials; during one cycle a
second writer tries the same run directory. Then it checks: every budgeted trial present exactly once, no row ever
written changed, every injected fault recorded in its trial's row, no Ray process of a killed driver alive 15 s after
the kill and no Ray temp root left behind. Prints one line per cycle and a summary; exits 1 if any check fails. Not
part of the test suite.

With --cluster the search runs on a two-node cluster on 127.0.0.1 (nasx.ray.loopback: one CPU per node, token
authentication on, trials of 4 epochs) and the kills are of nodes, each 0-4 s into a trial the node runs: in turn
the worker node (SIGKILL of all its processes; the driver goes on, Tune retries the trial, the node is started
again) and the head (the driver must end within seconds with exit code 3 and one line on stderr; the cluster is
started again on the same port and the search resumed). Then it checks: every budgeted trial present exactly once,
no row ever written changed, every worker-node kill that hit a trial seen as a retried row (`retries` > 0), every
head loss one line and exit code 3, no traceback in any driver's stderr, no process of the cluster left.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nasx.ray import reaper
from nasx.ray.loopback import Cluster

ROOT = Path(__file__).resolve().parents[1]
ORPHAN_WAIT_S = 15.0
FAULT_KINDS = ("nan", "raise", "exit")


def soak_setup(run_dir: str, budget: int, fault: str, address: str | None = None):
    from nasx.data import DataSpec
    from nasx.reward import Objective
    from nasx.search.setup import ProxySpec, Resources, SearcherSpec, SearchSetup, SpaceSpec
    from nasx.train.spec import TrainSpec

    return SearchSetup(
        name="soak",
        space=SpaceSpec("mnasnet"),
        searcher=SearcherSpec("random"),
        data=DataSpec(resolution=8),
        train=TrainSpec(epochs=4 if address else 1, batch_size=128, threads=1, fault=fault),
        objective=Objective(),
        proxy=ProxySpec(width_mult=0.125, depth_mult=0.25),
        resources=Resources(num_cpus=None if address else 2, max_concurrent=2, max_retries=1),
        budget=budget,
        seed=0,
        run_dir=run_dir,
        address=address,
        config={"name": "soak"},
    )


def drive(run_dir: str, budget: int, fault: str, address: str | None = None) -> int:
    """The driver process: resume the search to its budget (one error line and exit 2 if refused)."""
    from nasx.search.driver import run_search

    try:
        run_search(soak_setup(run_dir, budget, fault, address), resume=True, out=lambda line: None)
    except ValueError as exc:
        print(f"soak driver: error: {exc}", file=sys.stderr)
        return 2
    return 0


def planned_faults(budget: int) -> dict[str, str]:
    """trial id -> fault: nan, raise and exit in turn on every 6th searched trial id."""
    return {f"s{i:04d}": f"{FAULT_KINDS[n % 3]}@1" for n, i in enumerate(range(3, budget, 6))}


def fault_setting(planned: dict[str, str]) -> str:
    by_fault: dict[str, list[str]] = {}
    for trial, fault in planned.items():
        by_fault.setdefault(fault, []).append(trial)
    return ",".join(f"{fault}:{'+'.join(trials)}" for fault, trials in by_fault.items())


def temp_roots(pids: list[int]) -> set[str]:
    roots = set()
    for pid in pids:
        try:
            cmdline = (Path("/proc") / str(pid) / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        roots.update(re.findall(r"(/[^\s\0=]*?/nasx-ray-[A-Za-z0-9_]+)", cmdline))
    return roots


def log_rows(run_dir: Path) -> dict[str, str]:
    """trial id -> its line in results.jsonl as written (complete lines only)."""
    log = run_dir / "results.jsonl"
    if not log.is_file():
        return {}
    rows: dict[str, str] = {}
    for line in log.read_text().splitlines():
        try:
            rows.setdefault(json.loads(line)["trial_id"], line)
        except (json.JSONDecodeError, KeyError, TypeError):
            continue
    return rows


def retried_rows(run_dir: Path) -> int:
    """Rows of trials Ray ran again after their worker or node was lost."""
    return sum(1 for line in log_rows(run_dir).values() if json.loads(line).get("retries"))


def start_driver(
    run_dir: Path, budget: int, fault: str, *, cluster: Cluster | None = None, **kwargs
) -> subprocess.Popen:
    env = {**(cluster.env if cluster else os.environ), "PYTHONPATH": str(ROOT), "RAY_USAGE_STATS_ENABLED": "0"}
    address = ["--address", cluster.address] if cluster else []
    return subprocess.Popen(
        [sys.executable, "-m", "bench.soak", "--driver", str(run_dir), str(budget), fault, *address],
        cwd=ROOT,
        env=env,
        **kwargs,
    )


def wait_trial(cluster: Cluster, node: int, driver: subprocess.Popen, timeout_s: float = 240.0) -> bool:
    """Wait until node `node` runs a trial (False if the driver ended or none came)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and driver.poll() is None:
        if cluster.trial_pids(node):
            return True
        time.sleep(0.2)
    return False


def cluster_soak(args, run_dir: Path) -> int:
    """--cluster: node kills on a loopback two-node cluster (see the module's docstring)."""
    rng = random.Random(args.seed)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.monotonic()
    print(f"soak --cluster: budget {args.budget}, {args.kills} node kills, run_dir {run_dir}", flush=True)
    cluster = Cluster(nodes=2, cpus=1, env=env)
    names = [cluster.name]
    seen: dict[str, str] = {}
    changed = worker_kills = head_kills = clean_heads = 0
    tracebacks, cycle = 0, 0

    def launch(n: int) -> tuple[subprocess.Popen, Path]:
        err_log = run_dir.parent / f"driver-{n}.err"
        with open(err_log, "w") as err_file:
            return start_driver(
                run_dir, args.budget, "", cluster=cluster, stdout=subprocess.DEVNULL, stderr=err_file
            ), err_log

    driver, err_log = launch(0)
    try:
        while worker_kills + head_kills < args.kills and cycle < args.kills + 5:
            cycle += 1
            node = 1 if cycle % 2 else 0  # the worker node, then the head, in turn
            if not wait_trial(cluster, node, driver):
                print(f"  cycle {cycle:2d}: no trial on node {node} (driver exit {driver.poll()})", flush=True)
                break
            time.sleep(rng.uniform(0.0, 4.0))
            rows_before = len(log_rows(run_dir))
            killed, killed_at = cluster.kill(node), time.monotonic()
            if node == 1:
                worker_kills += 1
                cluster.start(1)
                retried_before = retried_rows(run_dir)
                deadline = time.monotonic() + 120  # the retried trial's row, before the next kill
                while time.monotonic() < deadline and driver.poll() is None and retried_rows(run_dir) == retried_before:
                    time.sleep(0.2)
                print(f"  cycle {cycle:2d}: worker node killed ({killed} processes), {rows_before} rows", flush=True)
                continue
            head_kills += 1
            try:
                code = driver.wait(timeout=60)
            except subprocess.TimeoutExpired:
                code = None
            lost_s = time.monotonic() - killed_at
            err = err_log.read_text()
            one_line = code == 3 and err.count("\n") == 1 and "stopped answering" in err
            clean_heads += one_line
            tracebacks += "Traceback" in err
            print(
                f"  cycle {cycle:2d}: head killed ({killed} processes) with {rows_before} rows: driver exit {code} "
                f"{lost_s:.1f} s later, stderr {'one line' if one_line else repr(err[-300:])}",
                flush=True,
            )
            if driver.poll() is None:
                os.kill(driver.pid, signal.SIGKILL)
                driver.wait()
            rows = log_rows(run_dir)
            changed += sum(1 for k, line in seen.items() if rows.get(k) != line)
            seen.update(rows)
            cluster.stop()
            cluster = Cluster(nodes=2, cpus=1, port=cluster.port, env=env)
            names.append(cluster.name)
            driver, err_log = launch(cycle)
        code = driver.wait(timeout=1800)
        tracebacks += "Traceback" in err_log.read_text()
    finally:
        if driver.poll() is None:
            os.kill(driver.pid, signal.SIGKILL)
            driver.wait()
        cluster.stop()
    left = sum(len(reaper.owned_pids(name, prefix=True)) for name in names)
    rows = log_rows(run_dir)
    changed += sum(1 for k, line in seen.items() if rows.get(k) != line)
    lines = [json.loads(line) for line in (run_dir / "results.jsonl").read_text().splitlines() if line.strip()]
    ids = [r["trial_id"] for r in lines]
    duplicated, lost = len(ids) - len(set(ids)), max(0, args.budget - len(set(ids)))
    retried = retried_rows(run_dir)
    print(
        f"soak --cluster result: {len(set(ids))}/{args.budget} budgeted trials, {lost} lost, {duplicated} duplicated, "
        f"{changed} changed rows; {worker_kills} worker-node kills, {retried} rows retried; {head_kills} head kills, "
        f"{clean_heads} ended in one line with exit 3; {tracebacks} drivers with a traceback on stderr; "
        f"{left} cluster processes left; final run exit {code}; {time.monotonic() - start:.0f} s",
        flush=True,
    )
    ok = (
        code == 0
        and lost == duplicated == changed == tracebacks == left == 0
        and clean_heads == head_kills
        and retried >= 1
        and worker_kills + head_kills >= args.kills
    )
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    p.add_argument("--budget", type=int, default=50)
    p.add_argument("--kills", type=int, default=10)
    p.add_argument("--seed", type=int, default=0, help="seed of the kill moments")
    p.add_argument("--run-dir", help="default: a new temporary directory")
    p.add_argument("--cluster", action="store_true", help="kill the nodes of a two-node cluster on 127.0.0.1")
    p.add_argument("--driver", nargs=3, metavar=("RUN_DIR", "BUDGET", "FAULT"), help=argparse.SUPPRESS)
    p.add_argument("--address", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.driver:
        return drive(args.driver[0], int(args.driver[1]), args.driver[2], args.address)

    run_dir = Path(args.run_dir or tempfile.mkdtemp(prefix="nasx-soak-")) / "run"
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    if args.cluster:
        return cluster_soak(args, run_dir)
    planned = planned_faults(args.budget)
    fault = fault_setting(planned)
    rng = random.Random(args.seed)
    seen: dict[str, str] = {}
    changed = orphans = leftover_roots = 0
    second_refused = False
    start = time.monotonic()
    print(
        f"soak: budget {args.budget}, {args.kills} SIGKILL+resume cycles, train.fault={fault}, run_dir {run_dir}",
        flush=True,
    )
    second_at, cycle, kills, self_exits = args.kills // 2, 0, 0, []
    while kills < args.kills and cycle < args.kills + 5:
        cycle += 1
        err_log = run_dir.parent / f"driver-{cycle}.err"
        with open(err_log, "w") as err_file:
            driver = start_driver(
                run_dir, args.budget, fault, start_new_session=True, stdout=subprocess.DEVNULL, stderr=err_file
            )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and len(reaper.driver_pids(driver.pid)) < 4 and driver.poll() is None:
            time.sleep(0.2)
        if cycle == second_at:  # a concurrent second writer on the same run directory
            second = start_driver(
                run_dir, args.budget, fault, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            _, err = second.communicate(timeout=300)
            second_refused = second.returncode == 2 and f"is in use by pid {driver.pid}" in err
            print(f"  second writer: exit {second.returncode}, {err.strip()}", flush=True)
        # a random moment once the search is under way: after the cycle's first new row, mid-trial
        rows_before = len(log_rows(run_dir))
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and len(log_rows(run_dir)) <= rows_before and driver.poll() is None:
            time.sleep(0.2)
        time.sleep(rng.uniform(0.0, 8.0))
        pids = reaper.driver_pids(driver.pid)
        roots = temp_roots(pids)
        if driver.poll() is not None:  # ended before the kill (e.g. Ray failed to start on a loaded machine)
            last = (err_log.read_text().strip().splitlines() or [""])[-1]
            self_exits.append(driver.returncode)
            print(
                f"  cycle {cycle:2d}: the driver ended by itself (exit {driver.returncode}): {last[:200]}", flush=True
            )
            continue
        os.killpg(driver.pid, signal.SIGKILL)
        driver.wait()
        kills += 1
        killed_at = time.monotonic()
        while time.monotonic() - killed_at < ORPHAN_WAIT_S and (
            reaper.driver_pids(driver.pid) or any(Path(r).exists() for r in roots)
        ):
            time.sleep(0.2)
        alive = len(reaper.driver_pids(driver.pid))
        orphans += alive
        leftover_roots += sum(1 for r in roots if Path(r).exists())
        rows = log_rows(run_dir)
        changed += sum(1 for k, line in seen.items() if rows.get(k) != line)
        seen.update(rows)
        print(
            f"  cycle {cycle:2d}: kill {kills}, with {len(pids)} Ray processes up, {len(rows)} rows; "
            f"{alive} alive {ORPHAN_WAIT_S:g} s later, "
            f"{sum(1 for r in roots if Path(r).exists())} temp roots left | {time.monotonic() - killed_at:.1f} s "
            f"to clean up, {time.monotonic() - start:.0f} s in all",
            flush=True,
        )
    final = start_driver(run_dir, args.budget, fault)
    code = final.wait()
    rows = log_rows(run_dir)
    changed += sum(1 for k, line in seen.items() if rows.get(k) != line)
    lines = [json.loads(line) for line in (run_dir / "results.jsonl").read_text().splitlines() if line.strip()]
    ids = [r["trial_id"] for r in lines]
    searched = [i for i in ids if i.startswith("s")]
    duplicated = len(ids) - len(set(ids))
    lost = max(0, args.budget - len(set(searched)))
    fired = {p.name.rsplit(".", 1)[0]: p.read_text().strip() for p in (run_dir / "faults").glob("*.*")}
    by_id = {r["trial_id"]: r for r in lines}
    recorded = sum(1 for t, f in fired.items() if f"injected fault {f}" in (by_id.get(t, {}).get("error") or ""))
    kinds = {
        f.split("@")[0]: sum(1 for g in fired.values() if g.split("@")[0] == f.split("@")[0]) for f in fired.values()
    }
    missing_fire = [t for t in planned if t in by_id and t not in fired]
    wall = time.monotonic() - start
    print(
        f"soak result: {len(set(searched))}/{args.budget} budgeted trials, {lost} lost, {duplicated} duplicated, "
        f"{changed} changed rows; injected faults recorded {recorded}/{len(fired)} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}); {kills} kills "
        f"({len(self_exits)} drivers ended by themselves first), "
        f"{orphans} orphan Ray processes, {leftover_roots} Ray temp roots left; second writer "
        f"{'refused' if second_refused else 'NOT refused'}; final run exit {code}; {wall:.0f} s",
        flush=True,
    )
    ok = (
        code == 0
        and kills >= args.kills
        and lost == 0
        and duplicated == 0
        and changed == 0
        and recorded == len(fired)
        and fired
        and not missing_fire
        and orphans == 0
        and leftover_roots == 0
        and second_refused
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
