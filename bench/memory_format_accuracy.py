"""Does channels_last (with cropped kernels) train to the same accuracy as contiguous? Paired seeds.

    python -m bench.memory_format_accuracy [--seeds N] [--epochs E] [--threads T] [--no-crop]

Two networks, the demo's proxy EfficientNet-B0 and a candidate drawn from the demo's space (`mnasnet`,
seed 0, shrunk by the demo's proxy: width 0.25, depth 0.5, stride-1 stem), each trained on digits at
16x16 with the demo's confirmation protocol (conf/train/proxy.yaml: 10 epochs, batch 64) once per seed
in `train.memory_format=contiguous` and once in `channels_last` (+ `train.crop_kernels=true` unless
--no-crop), from the same initial weights and batch order. Per network and pooled: the paired differences
of val/top1 (channels_last - contiguous) with their mean, standard error, t = mean / SE and a two-sided
sign-flip permutation p-value (exact up to 16 differences, else 100,000 random sign patterns), the speed
ratio (summed wall time contiguous / channels_last), and a verdict line. The full run (10 seeds, 10 epochs,
one thread) trains 40 networks: about 10 minutes on a quiet 2-core machine, longer under load.
"""

from __future__ import annotations

import argparse
import itertools
import math
import time

import numpy as np
import torch

from bench.train_speed import proxy_b0
from nasx import data, proxy
from nasx.evaluation import evaluate_candidate
from nasx.profile import fingerprint
from nasx.reward import preset
from nasx.search.setup import SpaceSpec
from nasx.train import TrainSpec

ALPHA = 0.05  # the verdict's level


def networks():
    """(name, trained spec, full spec) of the two networks."""
    b0, b0_full = proxy_b0()
    full = SpaceSpec("mnasnet").make().sample(np.random.default_rng(0))
    candidate = proxy(full, resolution=16, num_classes=10, width_mult=0.25, depth_mult=0.5, stem_stride=1)
    return [("proxy efficientnet_b0", b0, b0_full), ("mnasnet candidate (seed 0)", candidate, full)]


EXACT_UP_TO = 16  # differences; more are tested on RANDOM_FLIPS random sign patterns
RANDOM_FLIPS = 100_000


def sign_flip_p(diffs: np.ndarray) -> float:
    """Two-sided p-value of mean(diffs) == 0 against sign flips of the differences: every pattern up to
    EXACT_UP_TO differences, else RANDOM_FLIPS random ones (seed 0)."""
    observed = abs(diffs.mean())
    if len(diffs) <= EXACT_UP_TO:
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=len(diffs))))
    else:
        signs = np.random.default_rng(0).choice((1.0, -1.0), size=(RANDOM_FLIPS, len(diffs)))
    return float(np.mean(np.abs((signs * diffs).mean(axis=1)) >= observed - 1e-12))


def summary(name: str, diffs: np.ndarray, wall_plain: float, wall_other: float) -> str:
    """One line: mean difference, SE, t, p and the speed ratio."""
    se = diffs.std(ddof=1) / math.sqrt(len(diffs)) if len(diffs) > 1 else math.nan
    t = diffs.mean() / se if se > 0 else math.nan
    return (
        f"  {name:28s} n={len(diffs):3d}  mean diff {diffs.mean():+.4f}  SE {se:.4f}  t {t:+.2f}  "
        f"sign-flip p {sign_flip_p(diffs):.3f}  speed {wall_plain / wall_other:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-crop", action="store_true", help="channels_last alone, kernels not cropped")
    args = parser.parse_args()
    if args.seeds < 1 or args.epochs < 1:
        parser.error("--seeds and --epochs: at least 1")
    torch.set_num_threads(args.threads)
    machine = fingerprint()
    print(f"machine: {machine['cpu']}, {machine['cores']} cores, {args.threads} threads, torch {machine['torch']}")
    ds = data.load("digits", resolution=16)
    other = {"memory_format": "channels_last", "crop_kernels": not args.no_crop}
    label = "channels_last" + ("" if args.no_crop else "+cropped")
    objective = preset("efficientnet_b0")
    pooled: list[float] = []
    walls = [0.0, 0.0]
    lines = []
    for name, spec, full in networks():
        diffs, wall = [], [0.0, 0.0]
        for seed in range(args.seeds):
            scores = []
            for i, changes in enumerate(({"memory_format": "contiguous"}, other)):
                train = TrainSpec(epochs=args.epochs, batch_size=64, threads=args.threads, **changes)
                start = time.perf_counter()
                record = evaluate_candidate(spec, ds, train, objective, seed=seed, full_spec=full)
                wall[i] += time.perf_counter() - start
                if not record.ok:
                    raise SystemExit(f"{name} seed {seed} {changes}: {record.error}")
                scores.append(record.val_top1)
            diffs.append(scores[1] - scores[0])
            print(f"{name} seed {seed}: val/top1 contiguous {scores[0]:.4f}, {label} {scores[1]:.4f}", flush=True)
        lines.append(summary(name, np.array(diffs), *wall))
        pooled += diffs
        walls = [walls[0] + wall[0], walls[1] + wall[1]]
    print(f"paired differences of val/top1, {label} - contiguous, {args.epochs} epochs:")
    print("\n".join(lines))
    diffs = np.array(pooled)
    print(summary("pooled", diffs, *walls))
    p = sign_flip_p(diffs)
    if len(diffs) < 2:
        verdict = "too few seeds for a verdict"
    elif p < ALPHA:
        verdict = f"{label} changes val/top1 by {diffs.mean():+.4f} (sign-flip p {p:.3f} < {ALPHA}): not equal"
    else:
        verdict = f"no difference in val/top1 beyond seed noise (sign-flip p {p:.3f} >= {ALPHA})"
    print(f"verdict: {verdict}; {label} trains {walls[0] / walls[1]:.2f}x as fast")


if __name__ == "__main__":
    main()
