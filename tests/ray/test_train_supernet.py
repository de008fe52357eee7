"""`nasx supernet supernet.workers=2` on a real local Ray (Ray Train, 2 CPU workers, gloo): the one-process run's
checkpoint, curves and files; a run whose driver is killed resumes as a one-process run does.

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

import pytest
import torch
import yaml

from nasx.cli.main import main
from nasx.results import curves
from nasx.supernet import store
from tests.helpers.paths import ROOT

pytestmark = pytest.mark.slow

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
    assert {p.name for p in two.iterdir()} == FILES
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


def test_two_workers_write_the_one_process_run(one_process, tmp_path, capsys):
    run_dir = tmp_path / "two"
    assert main(["supernet", *TWO, f"run_dir={run_dir}"]) == 0
    out = capsys.readouterr().out
    assert "; 3 epochs, 2 workers\n" in out and "supernet epoch 3/3: val top-1 largest " in out
    assert out.count("supernet epoch ") == 3
    _same_run(one_process, run_dir)


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
