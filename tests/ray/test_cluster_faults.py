"""A search on a two-node cluster on 127.0.0.1 (token authentication on) under faults: its worker node killed
mid-trial, then its head; then the cluster restarted and the run resumed. Every trial is recorded once, the
retried one says so, the head's loss is one line with exit code 3, and no Ray output reaches the terminal."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nasx import results
from nasx.ray.health import CLUSTER_LOST
from nasx.ray.loopback import Cluster
from tests.helpers.paths import ROOT

pytestmark = pytest.mark.slow
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
SEARCH = [  # 4 trials of 10 epochs of tiny networks: a few seconds each, but the last hangs until its timeout
    "budget=4",
    "data.resolution=8",
    "proxy.width_mult=0.125",
    "proxy.depth_mult=0.25",
    "train.epochs=10",  # long enough that the worker node dies mid-trial, 2 s in
    "train.batch_size=128",
    "resources.cpus_per_trial=1",
    "resources.max_concurrent=2",
    "train.fault=hang@1:s0003",  # so that a trial is surely running when the head dies
    "train.timeout_s=20",
]


def nasx(*args: str, env: dict, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "nasx", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        **kwargs,
    )


def rows(run_dir: Path) -> list[dict]:
    log = run_dir / "results.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.is_file() else []


def wait_for(condition, timeout_s: float, what: str, driver: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert driver.poll() is None, f"the search ended (exit {driver.returncode}) before {what}"
        assert time.monotonic() < deadline, f"no {what} within {timeout_s:g} s"
        time.sleep(0.2)


def test_worker_node_and_head_lost_then_resumed_every_trial_once(tmp_path):
    run_dir = tmp_path / "run"
    clusters, driver = [Cluster(nodes=2, cpus=1, env=ENV)], None
    try:
        cluster = clusters[0]
        driver = nasx("search", *SEARCH, f"run_dir={run_dir}", f"cluster.address={cluster.address}", env=cluster.env)
        # the worker node dies 2 s into a trial it runs
        wait_for(lambda: cluster.trial_pids(1), 180, "trial on the worker node", driver)
        time.sleep(2.0)
        assert cluster.kill(1) >= 2  # its raylet and the trial's worker, at least
        # the trial runs again on the head; once its row is written, the head dies mid-trial
        wait_for(lambda: any(r.get("retries") for r in rows(run_dir)), 120, "row of the retried trial", driver)
        # three rows: the fourth trial runs on the head (s0003 hangs, or the one it made wait), and the head dies
        wait_for(lambda: len(rows(run_dir)) == 3 and cluster.trial_pids(0), 60, "a fourth trial running", driver)
        killed_at = time.monotonic()
        cluster.kill(0)
        out, err = driver.communicate(timeout=60)
        lost_after_s = time.monotonic() - killed_at
        assert driver.returncode == CLUSTER_LOST, err
        assert lost_after_s < 20  # the watch's 5 s and the exit, on a loaded machine
        assert err.count("\n") == 1 and err.startswith("nasx search: error: the Ray cluster's head at 127.0.0.1:")
        assert f"restart the cluster and run `nasx resume {run_dir}`" in err
        retried = [line for line in out.splitlines() if "its worker or node was lost" in line]
        assert len(retried) == 1 and retried[0].startswith("warning: s000")
        assert "Traceback" not in out and "(raylet)" not in out
        assert "Traceback" in (run_dir / "ray.log").read_text()  # Ray's account went to the run's log
        before = rows(run_dir)
        assert len(before) == 3

        # a new cluster on the same port; `nasx resume` runs what was lost
        cluster.stop()
        clusters.append(Cluster(nodes=2, cpus=1, port=cluster.port, env=ENV))
        driver = nasx("resume", str(run_dir), env=clusters[-1].env)
        out, err = driver.communicate(timeout=300)
        assert driver.returncode == 0 and err == "", err
        assert "Traceback" not in out
    finally:
        if driver is not None and driver.poll() is None:
            os.killpg(driver.pid, signal.SIGKILL)
            driver.wait()
        for c in clusters:
            c.stop()
    frame = results.load(run_dir)
    assert sorted(frame["trial_id"]) == ["s0000", "s0001", "s0002", "s0003"]  # each once
    by_status = frame.set_index("trial_id")["status"]
    assert by_status["s0003"] == "failed" and (by_status.drop(index="s0003") == "ok").all()  # s0003: its timeout
    assert [json.dumps(r, sort_keys=True) for r in rows(run_dir)[: len(before)]] == [
        json.dumps(r, sort_keys=True) for r in before
    ]  # the rows written before the head's loss, unchanged
    by_id = frame.set_index("trial_id")
    retried_id = retried[0].split()[1].rstrip(":")
    assert by_id.loc[retried_id, "retries"] == 1 and by_id.loc[retried_id, "redone_s"] > 1.0  # killed 2 s in
    others = by_id.drop(index=retried_id)
    assert (others["retries"] == 0).all() and (others["redone_s"] == 0.0).all()


def test_a_driver_without_the_clusters_token_is_refused_in_one_line(tmp_path):
    cluster = Cluster(nodes=1, cpus=1, env=ENV)
    try:
        env = {k: v for k, v in cluster.env.items() if not k.startswith("RAY_AUTH_")}
        driver = nasx("search", *SEARCH, f"run_dir={tmp_path / 'run'}", f"cluster.address={cluster.address}", env=env)
        out, err = driver.communicate(timeout=120)
    finally:
        cluster.stop()
    assert driver.returncode == 2 and out == ""
    assert err == (
        f"nasx search: error: cluster.address={cluster.address}: the cluster refuses this process's Ray token "
        "(RAY_AUTH_MODE=unset); set RAY_AUTH_MODE=token and the cluster's token (RAY_AUTH_TOKEN, or the file "
        "~/.ray/auth_token or the one RAY_AUTH_TOKEN_PATH names) where nasx runs, as on every node of the cluster\n"
    )
    assert not (tmp_path / "run").exists()
