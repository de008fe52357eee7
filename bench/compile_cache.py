"""torch.compile for the demo's proxy trials: compile time with a cold and a warm cache, the step-time speed-up,
and the number of steps from which compiling pays.

    python -m bench.compile_cache [--epochs E] [--threads T] [--memory-format F] [--no-crop]

Trains the demo's proxy EfficientNet-B0 (bench.train_speed.proxy_b0) on digits at 16x16 with the
conf/train/proxy.yaml settings (batch 64, one digits epoch is 19 steps; channels-last with cropped kernels unless
`--memory-format`, `--no-crop` say otherwise), validation only at the end, through
`train_and_eval`, each run in a process of its own with NASX_CACHE_DIR an empty temporary folder:

1. eager, seed 0;
2. `train.compile=true` with an empty cache (cold), seed 0;
3. `train.compile=true` again in a new process, seed 1 (the same network, other weights): Inductor's FX graph
   and AOTAutograd caches under NASX_CACHE_DIR/torch_compile (nasx.train.compiled) are warm.

An epoch's time is taken from the trainer's history (wall_s at the end of each epoch): the steady-state one is
the best of epochs 2..E-1 (epoch E also evaluates), the compile time the first epoch's excess over it. The
break-even step count is the compile time over the time a compiled step saves; nasx.train.compiled's
BREAK_EVEN_STEPS_COLD / _WARM come from it. Prints the load average before and after: the eager and the
compiled runs are timed one after the other, so on a shared machine whose load changes between them the
speed-up, and the break-even derived from it, are a hint only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile


def one_run(compile_: bool, seed: int, epochs: int, threads: int, memory_format: str, crop: bool) -> dict:
    """Train once in this process; the epoch times from the trainer's history."""
    from bench.train_speed import proxy_b0
    from nasx import build_model, data
    from nasx.train import TrainSpec, train_and_eval

    spec, _ = proxy_b0()
    digits = data.load("digits", resolution=16)
    train = TrainSpec(
        epochs=epochs,
        eval_every=0,
        seed=seed,
        threads=threads,
        compile=compile_,
        memory_format=memory_format,
        crop_kernels=crop,
    )
    metrics = train_and_eval(build_model(spec), digits, train)
    walls = [h["wall_s"] for h in metrics.history]
    epoch_s = [b - a for a, b in zip([0.0, *walls], walls, strict=False)]
    return {"epoch_s": epoch_s, "steps_per_epoch": metrics.steps // metrics.epochs, "compile": metrics.compile}


def _child(compile_: bool, seed: int, args, cache: str) -> dict:
    run = [compile_, seed, args.epochs, args.threads, args.memory_format, not args.no_crop]
    argv = [sys.executable, "-m", "bench.compile_cache", "--child", json.dumps(run)]
    done = subprocess.run(
        argv, env={**os.environ, "NASX_CACHE_DIR": cache}, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"child run failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def summary(name: str, run: dict, eager_step_s: float | None) -> tuple[float, float]:
    """(steady step s, compile s) of one run, printed."""
    steps = run["steps_per_epoch"]
    steady = min(run["epoch_s"][1:-1]) / steps
    compile_s = run["epoch_s"][0] - steady * steps
    line = f"{name:<22} first epoch {run['epoch_s'][0]:7.1f} s   steady {steady * 1e3:6.1f} ms/step"
    if eager_step_s is not None:
        saved = eager_step_s - steady
        line += f"   speed-up {eager_step_s / steady:4.2f}x   compile {compile_s:6.1f} s"
        if saved > 0:
            line += f"   break-even {compile_s / saved:7.0f} steps ({compile_s / saved / steps:5.1f} epochs)"
    print(line, flush=True)
    return steady, compile_s


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4, help="epochs per run (>= 3)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per run (a trial's default in a search)")
    parser.add_argument("--memory-format", default="channels_last", help="train.memory_format (the preset's)")
    parser.add_argument("--no-crop", action="store_true", help="nominal kernels (the preset crops them)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(one_run(*json.loads(args.child))))
        return
    import torch

    print(
        f"torch {torch.__version__}, {args.threads} thread(s), {args.memory_format}, "
        f"{'nominal' if args.no_crop else 'cropped'} kernels, load average {os.getloadavg()}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as cache:
        eager = _child(False, 0, args, cache)
        eager_step_s, _ = summary("eager", eager, None)
        cold = _child(True, 0, args, cache)
        summary(f"compiled ({cold['compile']})", cold, eager_step_s)
        warm = _child(True, 1, args, cache)
        summary(f"compiled ({warm['compile']}), new proc", warm, eager_step_s)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
