"""GPU throughput of nasx on one CUDA device, in one call of under 8 minutes (`bench/gpu.sh`).

    python -m bench.gpu all      [--device cuda|cpu]   # every part, each in its own process with its timeout
    python -m bench.gpu plan     [--device cuda|cpu]   # what `all` would run, and the time it may take
    python -m bench.gpu speed    [--device cuda] [--steps 200] [--batch 256]
    python -m bench.gpu search   [--device cuda] [--share 1,2,4,8] [--trials-per-slot 3] [--epochs 2]
    python -m bench.gpu airbench [--device cuda] [--epochs 3] [--images 50000]

Data: `synthetic` at 32x32, 3 channels, 10 classes (CIFAR-shaped; generated, no download).

- speed: proxy EfficientNet-B0 (width 0.5, depth 0.5, stride-1 stem) trained by `train_and_eval` for
  `--steps` steps of batch 256, once untimed to warm up, then timed: fp32 in NCHW, + bf16 autocast,
  + channels_last, + `torch.compile`, + CUDA graphs (`torch.compile(mode="reduce-overhead")`). Each row gives
  images/s and the fraction of the GPU's attainable rate: the trainer's FLOP/s (images/s x 3 x 2 x MACs:
  forward and backward are about three forward passes, 2 FLOPs a MAC) over the best of a large matmul and a
  3x3 convolution, forward and backward, in the same dtype, measured in the same run.
- search: `run_search` (random searcher on the `mnasnet` space, proxy width 0.25, depth 0.5, 2 epochs) with
  N trials sharing the GPU through Ray's fractional GPUs (gpus_per_trial = 1/N, max_concurrent = N), N x
  `--trials-per-slot` trials each, all on one Ray; trials per hour from the first trial's end to the last
  one's, and over the whole search. `all` runs it again under CUDA MPS where `nvidia-cuda-mps-control`
  starts a daemon (its own pipe and log folders, stopped after); otherwise it says why it was skipped.
- airbench: an airbench-class network (airbench94's shape: 2x2 whitening conv, three conv-pool-BN-GELU
  blocks of 64, 256, 256 channels, max-pool, linear) trained by `train_and_eval` at batch 1024 on 50,000
  synthetic CIFAR-shaped images: seconds per epoch (airbench trains CIFAR-10 to 94% in about 10 epochs,
  2.59 s on an A100).

`--device cpu` runs the same code at tiny sizes (the plan's `cpu` sizes): the check the test suite runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import torch
from torch import nn

import nasx
from nasx import results
from nasx.data import DataSpec
from nasx.profile import fingerprint
from nasx.reward import Objective
from nasx.search import executors
from nasx.search.driver import run_search
from nasx.search.setup import ProxySpec, Resources, SearcherSpec, SearchSetup, SpaceSpec, trials_per_gpu
from nasx.train import TrainSpec, train_and_eval

DATA = DataSpec(name="synthetic", resolution=32, options={"num_samples": 10_000, "num_classes": 10})
LIMIT_S = 480  # the whole of `all`: one call of under 8 minutes
SHARES = (1, 2, 4, 8)

# (label, TrainSpec options, torch.compile mode or None)
VARIANTS = (
    ("fp32", dict(bf16=False, channels_last=False), None),
    ("bf16", dict(bf16=True, channels_last=False), None),
    ("bf16 + channels_last", dict(bf16=True, channels_last=True), None),
    ("bf16 + channels_last + torch.compile", dict(bf16=True, channels_last=True), "default"),
    ("bf16 + channels_last + torch.compile + CUDA graphs", dict(bf16=True, channels_last=True), "reduce-overhead"),
)

# the parts `all` runs, each a process of its own with its timeout (seconds), by device: sizes as arguments
PARTS = {
    "cuda": (
        ("speed", 140, ["--steps", "200", "--batch", "256"]),
        ("search", 170, ["--share", "1,2,4,8", "--trials-per-slot", "3", "--epochs", "2"]),
        ("search-mps", 80, ["--share", "4,8", "--trials-per-slot", "2", "--epochs", "2"]),
        ("airbench", 60, ["--epochs", "3", "--images", "50000"]),
    ),
    "cpu": (
        ("speed", 120, ["--steps", "2", "--batch", "16"]),
        ("search", 200, ["--share", "1,2", "--trials-per-slot", "1", "--epochs", "1"]),
        ("search-mps", 0, []),  # MPS needs CUDA: said in one line
        ("airbench", 60, ["--epochs", "1", "--images", "64"]),
    ),
}


def plan(device: str) -> list[tuple[str, int, list[str]]]:
    """The parts `all` runs on `device`: (part, timeout_s, argv of `python -m bench.gpu`); their timeouts add
    up to under LIMIT_S (ValueError otherwise)."""
    parts = [(name, t, [name.split("-")[0], "--device", device, *args]) for name, t, args in PARTS[device]]
    total = sum(t for _, t, _ in parts)
    if total >= LIMIT_S:
        raise ValueError(f"bench.gpu: the parts' timeouts add up to {total} s, over the {LIMIT_S} s of one call")
    return parts


def shares(text: str) -> list[int]:
    """`--share 1,2,4,8`: trials sharing one GPU, each a count whose 1/N Ray can grant (ValueError if not)."""
    counts = [int(n) for n in text.split(",")]
    for n in counts:
        if n < 1 or trials_per_gpu(1.0 / n) != n:
            raise ValueError(f"--share {n}: 1/{n} of a GPU is not a share Ray can grant")
    return counts


def card(device: str) -> str:
    return str(fingerprint(device)["device_name"])


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def _timed(device: str, fn, repeats: int) -> float:
    """Seconds per call of `fn`, after one untimed call."""
    fn()
    _sync(device)
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    _sync(device)
    return (time.perf_counter() - start) / repeats


def attainable_flops(device: str, dtype: torch.dtype) -> float:
    """FLOP/s of the best of a square matmul and a 3x3 convolution (forward and backward) in `dtype`."""
    n, c, size, batch = (4096, 256, 32, 128) if device == "cuda" else (256, 16, 8, 4)
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    matmul = 2 * n**3 / _timed(device, lambda: a @ b, 10)
    conv = nn.Conv2d(c, c, 3, padding=1, bias=False).to(device=device, dtype=dtype)
    x = torch.randn(batch, c, size, size, device=device, dtype=dtype, requires_grad=True)
    if device == "cuda":
        conv = conv.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
        x = x.detach().contiguous(memory_format=torch.channels_last).requires_grad_()

    def step() -> None:
        conv(x).sum().backward()

    conv_flops = 3 * 2 * batch * c * c * 9 * size * size / _timed(device, step, 5)
    return max(matmul, conv_flops)


def speed(device: str, steps: int, batch: int) -> None:
    data = DATA.load() if device == "cuda" else replace(DATA, options={"num_samples": 256}).load()
    full = nasx.families.get("efficientnet_b0")
    spec = nasx.proxy(full, resolution=32, num_classes=10, width_mult=0.5, depth_mult=0.5, stem_stride=1)
    macs = nasx.complexity(spec).macs
    peak = {dt: attainable_flops(device, dt) for dt in (torch.float32, torch.bfloat16)}
    print(
        f"trainer speed on {card(device)}: proxy efficientnet_b0 ({macs:,} MACs), batch {batch}, {steps} steps; "
        f"attainable {peak[torch.float32] / 1e9:,.0f} GFLOP/s fp32, {peak[torch.bfloat16] / 1e9:,.0f} bf16",
        flush=True,
    )
    print("| variant | images/s | ratio to fp32 | fraction of attainable |")
    print("|---|---:|---:|---:|")
    base = None
    for label, options, mode in VARIANTS:
        if mode is not None and device != "cuda":  # compiling takes minutes on a CPU: the check skips it
            print(f"| {label} | not run on CPU | | |", flush=True)
            continue
        train = TrainSpec(steps=steps, batch_size=batch, device=device, eval_every=0, **options)
        try:
            rates = []
            for _ in range(2):  # the first run warms up (cuDNN autotuning, compilation), the second is timed
                torch.manual_seed(0)
                model = nasx.build_model(spec)
                if mode is not None:
                    model = torch.compile(model, mode=mode)  # type: ignore[assignment]
                _sync(device)
                start = time.perf_counter()
                metrics = train_and_eval(model, data, train)
                _sync(device)
                rates.append(metrics.steps * batch / (time.perf_counter() - start))
        except Exception as exc:  # a variant this torch or card cannot run: said in its row, the others go on
            print(f"| {label} | failed: {type(exc).__name__}: {' '.join(str(exc).split())[:120]} | | |", flush=True)
            continue
        base = base or rates[-1]
        dtype = torch.bfloat16 if options["bf16"] and device == "cuda" else torch.float32
        fraction = rates[-1] * 3 * 2 * macs / peak[dtype]
        print(f"| {label} | {rates[-1]:,.0f} | {rates[-1] / base:.2f} | {fraction:.1%} |", flush=True)


def _search_setup(n: int, device: str, per_slot: int, epochs: int, run_dir: str) -> SearchSetup:
    gpu = device == "cuda"
    return SearchSetup(
        name=f"gpu_{n}",
        space=SpaceSpec("mnasnet"),
        searcher=SearcherSpec("random"),
        data=DATA if gpu else replace(DATA, options={"num_samples": 128}),
        train=TrainSpec(epochs=epochs, batch_size=128 if gpu else 32, device=device, eval_every=0, threads=1),
        objective=Objective(),
        proxy=ProxySpec(width_mult=0.25, depth_mult=0.5, stem_stride=1),
        resources=Resources(
            cpus_per_trial=1 if gpu else 0.25,
            gpus_per_trial=1.0 / n if gpu else 0.0,
            max_concurrent=n,
            num_cpus=None if gpu else 2,
            num_gpus=1 if gpu else 0,
            max_retries=0,
        ),
        budget=n * per_slot,
        seed=0,
        references=(),
        run_dir=run_dir,
        config={"name": f"gpu_{n}"},
    )


def search(device: str, counts: list[int], per_slot: int, epochs: int) -> None:
    mps = " under CUDA MPS" if os.environ.get("CUDA_MPS_PIPE_DIRECTORY") else ""
    print(f"proxy search on {card(device)}{mps}: random on mnasnet, {epochs} epochs a trial, synthetic 32x32")
    print("| trials sharing the GPU | GPU per trial | trials | trials/h (first end to last end) | trials/h (all) |")
    print("|---:|---:|---:|---:|---:|", flush=True)
    root = tempfile.mkdtemp(prefix="nasx_gpu_")
    executor = executors.get()
    try:
        with executor.session(_search_setup(max(counts), device, per_slot, epochs, root), Path(root) / "ray"):
            for n in counts:
                run_dir = os.path.join(root, f"share_{n}")
                setup = _search_setup(n, device, per_slot, epochs, run_dir)
                start = time.time()
                run_search(setup, out=lambda line: None, executor=executor)
                print(_search_row(n, device, results.load(run_dir), time.time() - start), flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _search_row(n: int, device: str, rows, wall_s: float) -> str:
    ends = rows["finished_at"].astype(float).sort_values().to_numpy()
    steady = (len(ends) - 1) * 3600 / (ends[-1] - ends[0]) if len(ends) > 1 and ends[-1] > ends[0] else float("nan")
    failed = int((rows["status"] != "ok").sum())
    note = f" ({failed} failed)" if failed else ""
    share = f"1/{n}" if device == "cuda" else "0 (CPU check)"
    return f"| {n} | {share} | {len(rows)}{note} | {steady:,.0f} | {len(rows) * 3600 / wall_s:,.0f} |"


def airbench_net(num_classes: int = 10, widths: tuple[int, int, int] = (64, 256, 256)) -> nn.Sequential:
    """airbench94's network shape: a 2x2 whitening conv (24 channels), three blocks of conv, max-pool, BN, GELU,
    conv, BN, GELU, then a 3x3 max-pool and a linear layer (scaled logits left out)."""
    layers: list[nn.Module] = [nn.Conv2d(3, 24, 2, padding=0), nn.GELU()]
    c_in = 24
    for w in widths:
        layers += [
            nn.Conv2d(c_in, w, 3, padding=1, bias=False),
            nn.MaxPool2d(2),
            nn.BatchNorm2d(w),
            nn.GELU(),
            nn.Conv2d(w, w, 3, padding=1, bias=False),
            nn.BatchNorm2d(w),
            nn.GELU(),
        ]
        c_in = w
    return nn.Sequential(*layers, nn.MaxPool2d(3), nn.Flatten(), nn.Linear(c_in, num_classes, bias=False))


def airbench(device: str, epochs: int, images: int) -> None:
    data = replace(DATA, options={"num_samples": images, "num_classes": 10}).load()
    batch = 1024 if device == "cuda" else 16
    train = TrainSpec(epochs=epochs, batch_size=batch, device=device, eval_every=0, lr=0.2, crop_pad=2)
    torch.manual_seed(0)
    model = airbench_net()
    _sync(device)
    start = time.perf_counter()
    metrics = train_and_eval(model, data, train)
    _sync(device)
    wall_s = time.perf_counter() - start
    per_epoch_s = wall_s / max(epochs, 1)
    print(f"airbench-class network on {card(device)}: {data.describe()}, batch {batch}, {epochs} epochs", flush=True)
    print("| network | params | s/epoch | images/s | runs/h at 10 epochs |")
    print("|---|---:|---:|---:|---:|")
    params = sum(p.numel() for p in model.parameters())
    rate = metrics.steps * batch / wall_s
    print(f"| airbench94-shaped | {params:,} | {per_epoch_s:.2f} | {rate:,.0f} | {3600 / (10 * per_epoch_s):,.0f} |")


def _mps_start(env: dict[str, str]) -> str | None:
    """Start a CUDA MPS daemon with its own pipe and log folders (in `env`); None, or why it cannot run."""
    control = shutil.which("nvidia-cuda-mps-control")
    if control is None:
        return "nvidia-cuda-mps-control is not on PATH"
    try:
        done = subprocess.run([control, "-d"], env=env, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{control} -d: {type(exc).__name__}"
    if done.returncode != 0:
        return f"{control} -d exited with {done.returncode}: {' '.join((done.stderr or done.stdout).split())[:120]}"
    return None


def _mps_stop(env: dict[str, str]) -> None:
    control = shutil.which("nvidia-cuda-mps-control")
    if control:
        subprocess.run([control], input="quit\n", env=env, capture_output=True, text=True, timeout=20)


def run_all(device: str) -> int:
    """Every part of the plan in its own process under its timeout; a part that fails or runs out of time is
    said in one line and the others still run. Returns the number of parts that did not finish."""
    start = time.monotonic()
    print(f"# nasx on {card(device)} (torch {torch.__version__})\n", flush=True)
    missed = 0
    for name, timeout_s, argv in plan(device):
        env = dict(os.environ)
        mps_dir = None
        if name == "search-mps":
            if device != "cuda":
                print("CUDA MPS: not run (no CUDA device)\n", flush=True)
                continue
            mps_dir = tempfile.mkdtemp(prefix="nasx_mps_")
            env.update(CUDA_MPS_PIPE_DIRECTORY=f"{mps_dir}/pipe", CUDA_MPS_LOG_DIRECTORY=f"{mps_dir}/log")
            why = _mps_start(env)
            if why is not None:
                print(f"CUDA MPS: not run ({why})\n", flush=True)
                shutil.rmtree(mps_dir, ignore_errors=True)
                continue
        try:
            done = subprocess.run([sys.executable, "-m", "bench.gpu", *argv], env=env, timeout=timeout_s)
            if done.returncode != 0:
                missed += 1
                print(f"bench.gpu {name}: ended with exit code {done.returncode}", flush=True)
        except subprocess.TimeoutExpired:
            missed += 1
            print(f"bench.gpu {name}: stopped after its {timeout_s} s", flush=True)
        finally:
            if mps_dir is not None:
                _mps_stop(env)
                shutil.rmtree(mps_dir, ignore_errors=True)
        print(flush=True)
    print(f"bench.gpu: {time.monotonic() - start:.0f} s in all (limit {LIMIT_S} s)", flush=True)
    return missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gpu", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("what", choices=("all", "plan", "speed", "search", "airbench"))
    parser.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--share", default=",".join(map(str, SHARES)))
    parser.add_argument("--trials-per-slot", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--images", type=int, default=50_000)
    args = parser.parse_args(argv)
    counts = shares(args.share)
    if args.what == "plan":
        parts = plan(args.device)
        for name, timeout_s, part_argv in parts:
            command = f"python -m bench.gpu {' '.join(part_argv)}" if timeout_s else f"not run on {args.device}"
            print(f"{name}: {timeout_s} s: {command}")
        print(f"total: at most {sum(t for _, t, _ in parts)} s (limit {LIMIT_S} s)")
        return 0
    if args.device == "cuda" and not torch.cuda.is_available():
        print("bench.gpu: no CUDA device (torch.cuda.is_available() is False): skipped")
        return 0
    if args.what == "all":
        return 1 if run_all(args.device) else 0
    if args.what == "speed":
        speed(args.device, args.steps, args.batch)
    elif args.what == "search":
        search(args.device, counts, args.trials_per_slot, args.epochs)
    else:
        airbench(args.device, args.epochs, args.images)
    return 0


if __name__ == "__main__":
    sys.exit(main())
