"""Does channels_last (with cropped kernels) train to the same accuracy as contiguous? Paired seeds.

    python -m bench.memory_format_accuracy [--seeds N] [--epochs E] [--threads T] [--no-crop] [--null]

Two networks, the demo's proxy EfficientNet-B0 and a candidate drawn from the demo's space (`mnasnet`,
seed 0, shrunk by the demo's proxy: width 0.25, depth 0.5, stride-1 stem), each trained on digits at
16x16 with the demo's confirmation protocol (conf/train/proxy.yaml: 10 epochs, batch 64) once per seed
in `train.memory_format=contiguous` and once in `channels_last` (+ `train.crop_kernels=true` unless
--no-crop), from the same initial weights and batch order. Per network and pooled: the paired differences
of val/top1 (channels_last - contiguous) with their mean, standard error, t = mean / SE and a two-sided
sign-flip permutation p-value (exact up to 16 differences, else 100,000 random sign patterns), the speed
ratio (summed wall time contiguous / channels_last), and a verdict line. The full run (10 seeds, 10 epochs,
one thread) trains 40 networks: about 10 minutes on a quiet 2-core machine, longer under load.

Runs of one seed start from the same weights, batches and dropout masks (their first step's loss agrees to
rounding), but training is chaotic: float32 rounding differences of 1e-6 grow into a different trajectory
within the first epoch, so the pairs are hardly more alike than runs of different seeds. `--null` adds a
control arm measuring that: per seed, contiguous again from the seed's initial weights times
(1 + 1e-6 N(0, 1)) (a fixed generator), and the same summary of its differences from contiguous; a
channels_last difference no larger than the control's is what rounding alone gives.
"""

from __future__ import annotations

import argparse
import itertools
import math
import time

import numpy as np
import torch

from bench.train_speed import proxy_b0
from nasx import build_model, data, proxy
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


NULL_SCALE = 1e-6  # relative perturbation of the null arm's initial weights
ARM_NAMES = {"null": "(null: init x(1+1e-6))"}  # how the summary lines name an arm besides channels_last


def perturbed_init(spec, seed: int) -> dict:
    """The seed's initial weights (as evaluate_candidate draws them) times (1 + NULL_SCALE N(0, 1)), drawn by a
    fixed generator: the null arm, a rounding-sized change of the start."""
    torch.manual_seed(seed)
    state = build_model(spec).state_dict()
    generator = torch.Generator().manual_seed(0)
    return {
        k: v * (1 + NULL_SCALE * torch.randn(v.shape, generator=generator)) if v.is_floating_point() else v
        for k, v in state.items()
    }


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
        f"  {name:46s} n={len(diffs):3d}  mean diff {diffs.mean():+.4f}  SE {se:.4f}  t {t:+.2f}  "
        f"sign-flip p {sign_flip_p(diffs):.3f}  speed {wall_plain / wall_other:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-crop", action="store_true", help="channels_last alone, kernels not cropped")
    parser.add_argument("--null", action="store_true", help="also contiguous from weights perturbed by 1e-6")
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
    arms = ["contiguous", label] + (["null"] if args.null else [])
    pooled: dict[str, list[float]] = {arm: [] for arm in arms[1:]}
    walls = dict.fromkeys(arms, 0.0)
    lines = []
    for name, spec, full in networks():
        diffs: dict[str, list[float]] = {arm: [] for arm in arms[1:]}
        wall = dict.fromkeys(arms, 0.0)
        for seed in range(args.seeds):
            scores = {}
            for arm in arms:
                changes = other if arm == label else {"memory_format": "contiguous"}
                train = TrainSpec(epochs=args.epochs, batch_size=64, threads=args.threads, **changes)
                initial = perturbed_init(spec, seed) if arm == "null" else None
                start = time.perf_counter()
                record = evaluate_candidate(
                    spec, ds, train, objective, seed=seed, full_spec=full, initial_state=initial
                )
                wall[arm] += time.perf_counter() - start
                if not record.ok:
                    raise SystemExit(f"{name} seed {seed} {arm}: {record.error}")
                scores[arm] = record.val_top1
            for arm in arms[1:]:
                diffs[arm].append(scores[arm] - scores["contiguous"])
            print(f"{name} seed {seed}: val/top1 " + ", ".join(f"{a} {v:.4f}" for a, v in scores.items()), flush=True)
        for arm in arms[1:]:
            arm_name = f"{name} {ARM_NAMES.get(arm, '')}"
            lines.append(summary(arm_name, np.array(diffs[arm]), wall["contiguous"], wall[arm]))
            pooled[arm] += diffs[arm]
        walls = {arm: walls[arm] + wall[arm] for arm in arms}
    print(f"paired differences of val/top1, {label} - contiguous, {args.epochs} epochs:")
    print("\n".join(lines))
    for arm in arms[1:]:
        print(summary(f"pooled {ARM_NAMES.get(arm, '')}", np.array(pooled[arm]), walls["contiguous"], walls[arm]))
    diffs = np.array(pooled[label])
    p = sign_flip_p(diffs)
    if len(diffs) < 2:
        verdict = "too few seeds for a verdict"
    elif p < ALPHA:
        verdict = f"{label} changes val/top1 by {diffs.mean():+.4f} (sign-flip p {p:.3f} < {ALPHA}): not equal"
    else:
        verdict = f"no difference in val/top1 beyond seed noise (sign-flip p {p:.3f} >= {ALPHA})"
    if args.null:
        null = np.array(pooled["null"])
        verdict += f"; |difference| {np.abs(diffs).mean():.4f} on average, the control's {np.abs(null).mean():.4f}"
    print(f"verdict: {verdict}; {label} trains {walls['contiguous'] / walls[label]:.2f}x as fast")


if __name__ == "__main__":
    main()
