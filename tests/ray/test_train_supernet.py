"""`nasx supernet supernet.workers=2` on a real local Ray (Ray Train, 2 CPU workers, gloo): the one-process run's
checkpoint, curves and files (and Ray's output in ray.log); a run whose driver is killed resumes as a one-process run
does (slow). Without Ray running (fast): a worker's request no node of a cluster can place is refused before the
workers are requested, and the head's watch ends a run in one line with exit code 3.

The comparison is within float32 tolerance: the workers sum the gradients and the BatchNorm statistics in
another order than one process does (tests/supernet/test_shards.py shows the step exact in float64). The
learning rate is small because these tiny networks' training amplifies rounding: at train.lr=0.1 one process
with 1 thread and with 2 differs by 6e-3 in some weights after 3 steps; at 1e-4 rounding stays rounding."""

import math
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

import pytest
import torch
import yaml

from nasx.cli.main import main
from nasx.results import curves
from nasx.supernet import store
from tests.helpers.paths import ROOT

FILES = {"writer.lock", "config.yaml", "overrides.yaml", "supernet.pt", "curves.jsonl"}
TINY = [
    "data=synthetic",
    "data.resolution=8",
    "data.options.num_samples=160",
    "train.epochs=3",
    "train.batch_size=32",
    "train.lr=0.0001",
    "train.threads=1",
    "proxy.depth_mult=0.25",
    "supernet.random_subnets=1",
    "supernet.recalibration_images=64",
    "resources.num_cpus=2",
]
TWO = [*TINY, "supernet.workers=2"]


@pytest.fixture(autouse=True)
def no_ray_yet():
    import ray

    if ray.is_initialized():  # each run here starts and stops its own local Ray
        ray.shutdown()


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("one") / "run"
    assert main(["supernet", *TINY, f"run_dir={run_dir}"]) == 0
    return run_dir


def _within(a: torch.Tensor, b: torch.Tensor, scale: float, where: str) -> None:
    """`a` equals `b` within `scale` of b's largest magnitude (float32 rounding, summed in other orders)."""
    difference, largest = (a - b).abs().max().item(), b.abs().max().item()
    assert difference <= scale * largest + 1e-7, f"{where}: differs by {difference:.3g}, largest {largest:.3g}"


def _close(a, b, where="") -> None:
    """Equal checkpoints but for float32 rounding: the weights and BatchNorm statistics within 1e-5 of each
    tensor's scale (measured: 3e-6 at most), the momentum, a sum of gradients, within 2e-4 (measured 5e-5),
    history within 1e-5 relative; everything else exactly (random states, steps), wall times aside."""
    if isinstance(a, torch.Tensor):
        if a.is_floating_point():
            _within(a, b, 2e-4 if where.endswith("momentum_buffer") else 1e-5, where)
        else:
            assert torch.equal(a, b), where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            if key not in ("wall_s", "config", "provenance"):
                _close(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{where}[{i}]")
    elif isinstance(a, float):
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-5), where
    else:
        assert a == b, where


def _same_run(one, two) -> None:
    assert {p.name for p in two.iterdir()} == FILES | {"ray.log"}  # Ray's own output, off the terminal
    a, b = store.read(one), store.read(two)
    assert a["epoch"] == b["epoch"] == 3 and a["step"] == b["step"]
    _close(a, b)  # weights, BatchNorm statistics, momentum, random states, per-epoch history
    config = yaml.safe_load((two / "config.yaml").read_text())
    assert config["supernet"]["workers"] == 2 and b["config"]["supernet"]["workers"] == 2
    left, right = curves.load(one).drop(columns=["wall_s"]), curves.load(two).drop(columns=["wall_s"])
    assert list(left.columns) == list(right.columns) and len(left) == len(right) == 6
    for column in left.columns:
        if left[column].dtype.kind == "f":
            assert left[column].to_numpy() == pytest.approx(right[column].to_numpy(), rel=1e-5, nan_ok=True), column
        else:
            assert left[column].tolist() == right[column].tolist(), column


@pytest.mark.slow
def test_two_workers_write_the_one_process_run(one_process, tmp_path, capsys):
    run_dir = tmp_path / "two"
    assert main(["supernet", *TWO, f"run_dir={run_dir}"]) == 0
    out = capsys.readouterr().out
    assert "; 3 epochs, 2 workers\n" in out and "supernet epoch 3/3: val top-1 largest " in out
    assert out.count("supernet epoch ") == 3
    _same_run(one_process, run_dir)


@pytest.mark.slow
def test_a_two_worker_run_killed_resumes_with_nothing_lost(one_process, tmp_path, capsys):
    killed = tmp_path / "killed"
    child = subprocess.Popen(
        [sys.executable, "-m", "nasx", "supernet", *TWO, f"run_dir={killed}"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "RAY_USAGE_STATS_ENABLED": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while not (killed / curves.LOG).is_file() and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.02)
        assert child.poll() is None, "the run ended before it could be killed"
        os.kill(child.pid, signal.SIGKILL)  # the driver: its reaper stops the local Ray and the workers
    finally:
        child.kill()
        child.wait()
    assert 1 <= store.read(killed)["epoch"] < 3
    assert main(["supernet", *TWO, f"run_dir={killed}", "resume=true"]) == 0
    assert "resuming after epoch" in capsys.readouterr().out
    _same_run(one_process, killed)


def test_a_worker_no_node_of_the_cluster_can_place_is_refused_before_the_workers_are_requested(tmp_path, monkeypatch):
    """A cluster of four 2-CPU nodes (Ray's account of them given here: no cluster runs) holds 8 CPUs, enough for 2
    workers of 3 CPUs in all (`_need`), but no node offers one worker its 3: Ray Train would wait forever."""
    import ray

    from nasx.ray import resources, session
    from nasx.ray.train_supernet import DataParallel
    from nasx.search.setup import Resources
    from tests.helpers.search_setups import tiny_setup

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    setup = tiny_setup(run_dir, address="10.0.0.1:6379", resources=Resources(cpus_per_trial=3))
    setup = replace(setup, supernet=replace(setup.supernet, workers=2))
    let_go = []
    monkeypatch.setattr(session, "connect", lambda *args: True)  # attached to an existing cluster
    monkeypatch.setattr(session, "disconnect", let_go.append)
    monkeypatch.setattr(ray, "cluster_resources", lambda: {"CPU": 8.0})
    monkeypatch.setattr(resources, "cluster_nodes", lambda: [{"CPU": 2.0}] * 4)
    with pytest.raises(ValueError) as caught, DataParallel(setup, run_dir):
        pytest.fail("the workers were requested")
    assert str(caught.value) == (
        "resources.cpus_per_trial=3, resources.gpus_per_trial=0: no node of the cluster at 10.0.0.1:6379 offers "
        "that (4 nodes, the most CPUs 2, the most GPUs 0); a worker would wait forever"
    )
    assert let_go == [True]  # the cluster left, never stopped
    assert list(run_dir.iterdir()) == []  # nothing written


WATCHED = """
import sys, time
from pathlib import Path
from nasx import log
from nasx.ray.train_supernet import DataParallel
from tests.helpers.search_setups import tiny_setup

run_dir = Path(sys.argv[2])
with log.command("nasx supernet"):
    parallel = DataParallel(tiny_setup(run_dir), run_dir)
    parallel.recorded_epoch = 2
    parallel.watch(sys.argv[1], lost_after_s=2.0)
print("watching", flush=True)
time.sleep(60)
"""


def test_the_head_watch_of_a_data_parallel_run_ends_it_in_one_line_with_exit_code_3(tmp_path):
    """The watch `DataParallel.train` starts on the GCS, on a port that stops answering (no Ray): one line naming
    the last epoch recorded and how to go on, exit code 3."""
    import socket

    from nasx.ray import health

    server = socket.create_server(("127.0.0.1", 0))
    address = f"127.0.0.1:{server.getsockname()[1]}"
    watched = subprocess.Popen(
        [sys.executable, "-c", WATCHED, address, str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert watched.stdout.readline() == "watching\n"
        server.close()
        out, err = watched.communicate(timeout=60)
    finally:
        if watched.poll() is None:
            watched.kill()
    assert watched.returncode == health.CLUSTER_LOST == 3 and out == ""
    assert err == (
        f"nasx supernet: error: the Ray cluster's head at {address} stopped answering for 2 s; epoch 2 is recorded "
        f"in {tmp_path} (supernet.pt): restart the cluster and run the same `nasx supernet` command with "
        "resume=true to go on\n"
    )
