"""GPU throughput: the trainer's images/s by option, and proxy-search trials per hour with N trials on one GPU.

    python -m bench.gpu speed  [--device cuda] [--steps 200]
    python -m bench.gpu search [--device cuda] [--share 1,2,4,8] [--trials-per-slot 3]

Data: `synthetic` at 32x32, 3 channels, 10 classes, 10,000 images (CIFAR-shaped; generated, no download).

- speed: proxy EfficientNet-B0 (width 0.5, depth 0.5, stride-1 stem) trained by `train_and_eval` for
  `--steps` steps of batch 256, once untimed to warm up, then timed: fp32 without channels-last,
  + bf16 autocast, + channels-last, + `torch.compile` (the compiled module is passed to the trainer).
- search: `run_search` (random searcher on the `mnasnet` space, proxy width 0.25, depth 0.5, 2 epochs)
  with `--share` trials sharing the GPU (gpus_per_trial = 1/N, max_concurrent = N), N x
  `--trials-per-slot` trials each; trials per hour counted from the first trial's end to the last one's,
  so Ray's start is left out, and over the whole search.

`bench/gpu.sh` runs both with the default sizes (about 6 minutes on a recent GPU). `--device cpu` runs the
same code on the CPU at a tiny size, to check it without a GPU.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from dataclasses import replace

import torch

import nasx
from nasx import results
from nasx.data import DataSpec
from nasx.profile import fingerprint
from nasx.reward import Objective
from nasx.search.driver import run_search
from nasx.search.setup import ProxySpec, Resources, SearcherSpec, SearchSetup, SpaceSpec
from nasx.train import TrainSpec, train_and_eval

DATA = DataSpec(name="synthetic", resolution=32, options={"num_samples": 10_000, "num_classes": 10})
VARIANTS = (
    ("fp32", dict(bf16=False, channels_last=False), False),
    ("bf16", dict(bf16=True, channels_last=False), False),
    ("bf16 + channels_last", dict(bf16=True, channels_last=True), False),
    ("bf16 + channels_last + torch.compile", dict(bf16=True, channels_last=True), True),
)


def speed(device: str, steps: int, batch: int) -> None:
    data = DATA.load() if device == "cuda" else replace(DATA, options={"num_samples": 512}).load()
    full = nasx.families.get("efficientnet_b0")
    spec = nasx.proxy(full, resolution=32, num_classes=10, width_mult=0.5, depth_mult=0.5, stem_stride=1)
    print(
        f"trainer speed: proxy efficientnet_b0 ({nasx.complexity(spec).macs:,} MACs), batch {batch}, "
        f"{steps} steps, {data.describe()}, {fingerprint(device)['device_name']}",
        flush=True,
    )
    print("| variant | images/s | ratio to fp32 |")
    print("|---|---:|---:|")
    base = None
    for label, options, compiled in VARIANTS:
        if compiled and device != "cuda":
            print(f"| {label} | not run on CPU (the check runs the code path, not the compiler) | |")
            continue
        train = TrainSpec(steps=steps, batch_size=batch, device=device, eval_every=0, **options)
        rates = []
        for _ in range(2):  # the first run warms up (cuDNN autotuning, compilation), the second is timed
            torch.manual_seed(0)
            model = nasx.build_model(spec)
            if compiled:
                model = torch.compile(model)
            if device == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            metrics = train_and_eval(model, data, train)
            if device == "cuda":
                torch.cuda.synchronize()
            rates.append(metrics.steps * batch / (time.perf_counter() - start))
        base = base or rates[-1]
        print(f"| {label} | {rates[-1]:,.0f} | {rates[-1] / base:.2f} |", flush=True)


def search(device: str, shares: list[int], per_slot: int, epochs: int) -> None:
    gpu = device == "cuda"
    print(
        f"proxy search: random on mnasnet, {epochs} epochs per trial, synthetic 32x32, "
        f"{fingerprint(device)['device_name']}",
        flush=True,
    )
    print("| trials sharing the GPU | trials | trials/h (first end to last end) | trials/h (whole search) |")
    print("|---:|---:|---:|---:|")
    for n in shares:
        run_dir = tempfile.mkdtemp(prefix="nasx_gpu_")
        setup = SearchSetup(
            name=f"gpu_{n}",
            space=SpaceSpec("mnasnet"),
            searcher=SearcherSpec("random"),
            data=DATA if gpu else replace(DATA, options={"num_samples": 256}),
            train=TrainSpec(epochs=epochs, batch_size=128, device=device, eval_every=0, threads=1),
            objective=Objective(),
            proxy=ProxySpec(width_mult=0.25, depth_mult=0.5, stem_stride=1),
            resources=Resources(
                cpus_per_trial=1,
                gpus_per_trial=1.0 / n if gpu else 0.0,
                max_concurrent=n,
                num_gpus=1 if gpu else 0,
                max_retries=0,
            ),
            budget=n * per_slot,
            seed=0,
            references=(),
            run_dir=run_dir,
            config={"name": f"gpu_{n}"},
        )
        try:
            start = time.time()
            run_search(setup, out=lambda line: None)
            wall = time.time() - start
            rows = results.load(run_dir).sort_values("finished_at")
        finally:
            shutil.rmtree(run_dir, ignore_errors=True)
        ends = rows["finished_at"].astype(float).to_numpy()
        steady = (len(ends) - 1) * 3600 / (ends[-1] - ends[0]) if len(ends) > 1 and ends[-1] > ends[0] else float("nan")
        failed = int((rows["status"] != "ok").sum())
        note = f" ({failed} failed)" if failed else ""
        print(f"| {n} | {len(rows)}{note} | {steady:,.0f} | {len(rows) * 3600 / wall:,.0f} |", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.gpu", description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("speed", "search"))
    parser.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--share", default="1,2,4,8")
    parser.add_argument("--trials-per-slot", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        print("bench.gpu: no CUDA device (torch.cuda.is_available() is False): skipped")
        return
    if args.what == "speed":
        speed(args.device, args.steps, args.batch)
    else:
        search(args.device, [int(n) for n in args.share.split(",")], args.trials_per_slot, args.epochs)


if __name__ == "__main__":
    main()
