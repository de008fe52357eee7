"""bench/gpu.sh's CPU-side checks: its arguments, the plan of what it runs under 8 minutes, the fractional-GPU
shares, the airbench-class network, and a dry run of every part on the CPU at tiny sizes. These fail, never
skip, when the script breaks: a GPU machine runs the same code."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import gpu
from nasx.search.setup import Resources, trials_per_gpu

ROOT = Path(__file__).resolve().parents[2]


def test_the_plan_fits_one_call_of_under_8_minutes():
    for device in ("cuda", "cpu"):
        parts = gpu.plan(device)
        assert [name for name, _, _ in parts] == ["speed", "search", "search-mps", "airbench"]
        assert sum(t for _, t, _ in parts) < 8 * 60
    cuda = {name: argv for name, _, argv in gpu.plan("cuda")}
    assert cuda["search"][:5] == ["search", "--device", "cuda", "--share", "1,2,4,8"]
    # bench/gpu.sh's own timeout covers the parts' (450 s) and stays under 8 minutes
    assert "timeout 475" in (ROOT / "bench" / "gpu.sh").read_text() and 450 < 475 < 480


def test_a_plan_over_the_limit_is_refused(monkeypatch):
    monkeypatch.setitem(gpu.PARTS, "cpu", (("speed", 300, []), ("search", 180, [])))
    with pytest.raises(ValueError, match="add up to 480 s, over the 480 s"):
        gpu.plan("cpu")


def test_plan_and_arguments_from_the_command_line(capsys):
    assert gpu.main(["plan", "--device", "cuda"]) == 0
    out = capsys.readouterr().out
    assert "search-mps: 80 s: python -m bench.gpu search --device cuda --share 4,8" in out
    assert "total: at most 450 s (limit 480 s)" in out  # 140 + 170 + 80 + 60
    with pytest.raises(SystemExit):
        gpu.main(["fly"])
    assert gpu.shares("3") == [3]  # 1/3: Ray keeps 0.3333, and three of them fit one GPU
    with pytest.raises(ValueError, match="--share 0: 1/0 of a GPU"):
        gpu.shares("1,0")


def test_gpu_shares_that_divide_a_gpu():
    assert gpu.shares("1,2,4,8") == [1, 2, 4, 8]
    assert [trials_per_gpu(g) for g in (0, 1, 2, 0.5, 0.25, 0.125, 0.3333)] == [0, 1, 1, 2, 4, 8, 3]
    assert [trials_per_gpu(g) for g in (0.3, 0.4, 1.5, 0.7)] == [None] * 4  # 0.3 x 3 = 0.9: a tenth idle
    with pytest.raises(ValueError, match=r"^resources\.gpus_per_trial=0\.3: must divide a GPU"):
        Resources(gpus_per_trial=0.3)


def test_the_airbench_class_network_has_airbench94s_shape():
    import torch

    net = gpu.airbench_net()
    # whitening conv 3*24*2*2 + 24 = 312; block of c_in -> w: 9*c_in*w + 9*w*w + 2 BNs of 2w:
    # 24->64: 13,824 + 36,864 + 256 = 50,944; 64->256: 147,456 + 589,824 + 1,024 = 738,304;
    # 256->256: 589,824 * 2 + 1,024 = 1,180,672; linear 256*10 = 2,560: 1,972,792 in all
    assert sum(p.numel() for p in net.parameters()) == 1_972_792
    assert net(torch.zeros(2, 3, 32, 32)).shape == (2, 10)  # 32 -> 31 -> 15 -> 7 -> 3 -> 1 after the max-pools


@pytest.mark.slow
def test_bench_gpu_runs_every_part_on_the_cpu():
    done = subprocess.run(
        ["bash", str(ROOT / "bench" / "gpu.sh"), "--device", "cpu"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=480,
        env={**os.environ, "PYTHON": sys.executable, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    out = done.stdout
    for header in (
        "| variant | images/s | ratio to fp32 | fraction of attainable |",
        "| trials sharing the GPU | GPU per trial | trials | trials/h (first end to last end) | trials/h (all) |",
        "| network | params | s/epoch | images/s | runs/h at 10 epochs |",
    ):
        assert header in out
    assert "| fp32 |" in out and "| bf16 + channels_last |" in out and "failed" not in out
    assert "| 1 | 0 (CPU check) | 1 |" in out and "| 2 | 0 (CPU check) | 2 |" in out  # every trial recorded
    assert "| airbench94-shaped | 1,972,792 |" in out and "CUDA MPS: not run (no CUDA device)" in out
    assert "stopped after" not in out and "ended with exit code" not in out
