"""Trainer overhead and speed: train_and_eval versus a minimal loop, one trial, and the machine's fraction.

    python -m bench.train_speed [--epochs N] [--batch-size B] [--rounds R] [--threads T] [--steps S]
                                [--trial-epochs E] [--trial-rounds K] [--trial-only]

Both loops train the same proxy EfficientNet-B0 (width 0.25, depth 0.5, 16x16, stride-1 stem) from
the same initial weights on the same digits tensors with the same batch size, SGD with Nesterov
momentum, no augmentation, and end with one pass over the validation and test splits. Prints the
training images/s of each (best of R alternating rounds) and their ratio, then the wall time of
one complete `evaluate_candidate` on digits with the `conf/train/proxy.yaml` settings, per variant (contiguous,
channels_last, + cropped kernels, + batch norm folded for evaluation: the preset), alternating for
`--trial-rounds` rounds, with each variant's median wall time and its ratio to contiguous.

Then, per network kind (the demo's proxy EfficientNet-B0 on 16x16, a proxy ResNet-18 on 16x16 at the
same width and depth multipliers, a full-width ResNet-18 on 32x32 with a stride-1 stem) and per variant
(contiguous, channels_last, channels_last with cropped kernels), the training rate of SGD steps on
random data at the batch size: images/s, achieved GMAC/s and its fraction of the machine's attainable
rate, measured in the same run as the better of a square fp32 matmul and a 3x3 convolution's forward
and backward (64 channels, 32x32, both formats) on the same threads. A training step counts 3x the
forward MACs (forward, input gradient, weight gradient); MACs are the spec's nominal ones
(nasx.complexity), so a cropped network is credited with the taps it skips.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import torch
from torch import nn

from nasx import build_model, complexity, data, families, proxy
from nasx.build.crop import crop_kernels
from nasx.evaluation import evaluate_candidate
from nasx.profile import fingerprint
from nasx.reward import preset
from nasx.train import TrainSpec, train_and_eval


def proxy_b0(resolution: int = 16):
    full = families.get("efficientnet_b0")
    return proxy(full, resolution=resolution, num_classes=10, width_mult=0.25, depth_mult=0.5, stem_stride=1), full


VARIANTS = {  # name -> (channels_last, crop_kernels), as train.memory_format and train.crop_kernels set them
    "contiguous": (False, False),
    "channels_last": (True, False),
    "channels_last+cropped": (True, True),
}
TRIAL_VARIANTS: dict[str, dict[str, Any]] = {  # the same variants as TrainSpec changes
    "contiguous": dict(memory_format="contiguous"),
    "channels_last": dict(memory_format="channels_last"),
    "channels_last+cropped": dict(memory_format="channels_last", crop_kernels=True),
    "preset (+fold_bn)": dict(memory_format="channels_last", crop_kernels=True, fold_bn=True),
}


def network_kinds():
    """(name, proxy spec) of each network kind measured."""
    b0, _ = proxy_b0()
    resnet = families.get("resnet18")
    return [
        ("proxy MBConv (efficientnet_b0, 16x16)", b0),
        (
            "proxy ResNet (resnet18, 16x16)",
            proxy(resnet, resolution=16, num_classes=10, width_mult=0.25, depth_mult=0.5, stem_stride=1),
        ),
        ("ResNet-18 (32x32, stride-1 stem)", proxy(resnet, resolution=32, num_classes=10, stem_stride=1)),
    ]


def best_s(fn, rounds: int) -> float:
    """Best wall time of `fn()` over `rounds` calls after one warm-up."""
    fn()
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


CONV_SHAPES = ((32, 64, 32), (64, 256, 8))  # (batch, channels, size) of the 3x3 convs timed for the peak


def attainable_gmacs(rounds: int) -> dict[str, float]:
    """GMAC/s of a 1024x1024 fp32 matmul and of 3x3 convs' forward and backward (CONV_SHAPES, both formats)."""
    n = 1024
    a, b = torch.randn(n, n), torch.randn(n, n)
    out = {"matmul": n**3 / best_s(lambda: a @ b, rounds) / 1e9}
    for batch, c, size in CONV_SHAPES:
        for fmt_name, fmt in (("", torch.contiguous_format), (" channels_last", torch.channels_last)):
            layer = nn.Conv2d(c, c, 3, padding=1, bias=False).to(memory_format=fmt)  # type: ignore[call-overload]
            x = torch.randn(batch, c, size, size).contiguous(memory_format=fmt).requires_grad_()

            def step(layer=layer, x=x):
                layer(x).sum().backward()

            macs = 3 * batch * size * size * c * c * 9  # forward, input gradient, weight gradient
            out[f"conv {c}ch {size}x{size}{fmt_name}"] = macs / best_s(step, rounds) / 1e9
    return out


def step_rate(spec, batch_size: int, steps: int, rounds: int, channels_last: bool, crop: bool) -> float:
    """Training images/s of `spec`: SGD steps on random data at `batch_size`, best of `rounds` runs."""
    torch.manual_seed(0)
    model = build_model(spec).train()
    shape = (spec.in_channels, spec.resolution, spec.resolution)
    if crop:
        crop_kernels(model, shape)
    x = torch.randn(batch_size, *shape)
    y = torch.randint(0, spec.num_classes, (batch_size,))
    if channels_last:
        model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # torch's stubs omit this keyword
        x = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=5e-4)

    def run():
        for _ in range(steps):
            loss = nn.functional.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

    return steps * batch_size / best_s(run, rounds)


def machine_fraction(batch_size: int, steps: int, rounds: int) -> None:
    """Per network kind and variant: images/s, GMAC/s and the fraction of the attainable rate."""
    peaks = attainable_gmacs(rounds)
    peak = max(peaks.values())
    print("attainable fp32 rate, this run: " + ", ".join(f"{k} {v:.1f} GMAC/s" for k, v in peaks.items()))
    print(f"per network kind, SGD steps on random data, batch {batch_size}, {steps} steps, best of {rounds}:")
    print(f"  {'network':40s} {'variant':22s} {'images/s':>9s} {'GMAC/s':>7s} {'of peak':>8s} {'vs contig.':>10s}")
    for name, spec in network_kinds():
        macs = complexity(spec).macs
        base = 0.0
        for variant, (channels_last, crop) in VARIANTS.items():
            rate = step_rate(spec, batch_size, steps, rounds, channels_last, crop)
            base = base or rate
            gmacs = 3 * macs * rate / 1e9
            print(f"  {name:40s} {variant:22s} {rate:9.0f} {gmacs:7.2f} {gmacs / peak:8.1%} {rate / base:9.2f}x")


def hand_loop(model: nn.Module, ds, epochs: int, batch_size: int, lr: float) -> float:
    """The minimal loop: shuffle, slice, normalise, forward, loss, backward, step; then evaluate."""
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    mean = torch.tensor(ds.mean).view(1, -1, 1, 1) * 255
    std = torch.tensor(ds.std).view(1, -1, 1, 1) * 255
    n = len(ds.train_y)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(n)
        for i in range(n // batch_size):
            idx = order[i * batch_size : (i + 1) * batch_size]
            x = (ds.train_x[idx].float() - mean) / std
            loss = nn.functional.cross_entropy(model(x), ds.train_y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    model.eval()
    correct = 0
    with torch.inference_mode():
        for x, y in ((ds.val_x, ds.val_y), (ds.test_x, ds.test_y)):
            correct += (model((x.float() - mean) / std).argmax(1) == y).sum().item()
    return correct


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1: steadier timings)")
    parser.add_argument("--steps", type=int, default=10, help="SGD steps per timed run of each network kind")
    parser.add_argument("--trial-epochs", type=int, default=10, help="epochs of the one-trial runs (proxy: 10)")
    parser.add_argument("--trial-rounds", type=int, default=3, help="alternating rounds of the one-trial runs")
    parser.add_argument("--trial-only", action="store_true", help="only the one-trial runs")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    machine = fingerprint()
    print(
        f"machine: {machine['cpu']}, {machine['cores']} cores, {torch.get_num_threads()} torch threads, "
        f"python {machine['python']}, torch {machine['torch']}"
    )
    ds = data.load("digits", resolution=16)
    spec, full = proxy_b0()
    if not args.trial_only:  # the trainer against a minimal loop
        n_train = (len(ds.train_y) // args.batch_size) * args.batch_size * args.epochs
        spec_train = TrainSpec(
            epochs=args.epochs,
            batch_size=args.batch_size,
            lr=0.05,
            weight_decay=5e-4,
            schedule="cosine",
            label_smoothing=0.0,
            crop_pad=0,
            hflip=False,
            eval_every=0,
        )
        torch.manual_seed(0)
        init = build_model(spec).state_dict()

        def fresh():
            model = build_model(spec)
            model.load_state_dict(init)
            return model

        hand_loop(fresh(), ds, 1, args.batch_size, 0.05)  # warm-up
        best = {"nasx train_and_eval": 0.0, "hand-written loop": 0.0}
        for _ in range(args.rounds):
            start = time.perf_counter()
            train_and_eval(fresh(), ds, spec_train)
            best["nasx train_and_eval"] = max(best["nasx train_and_eval"], n_train / (time.perf_counter() - start))
            start = time.perf_counter()
            hand_loop(fresh(), ds, args.epochs, args.batch_size, 0.05)
            best["hand-written loop"] = max(best["hand-written loop"], n_train / (time.perf_counter() - start))
        print(
            f"proxy efficientnet_b0 on digits 16x16, batch {args.batch_size}, {args.epochs} epochs "
            f"({n_train} training images) + val/test pass, best of {args.rounds}:"
        )
        for name, rate in best.items():
            print(f"  {name:22s} {rate:8.0f} images/s")
        print(f"  ratio                  {best['nasx train_and_eval'] / best['hand-written loop']:8.3f}")

    start = time.perf_counter()
    trial_data = data.load("digits", resolution=16)
    load_s = time.perf_counter() - start
    print(
        f"one trial (evaluate_candidate, digits, proxy efficientnet_b0, {args.trial_epochs} epochs, batch 64; "
        f"{load_s:.2f} s loading):"
    )
    walls: dict[str, list[float]] = {variant: [] for variant in TRIAL_VARIANTS}
    for r in range(args.trial_rounds):  # the variants alternate, round by round, so drift hits them alike
        for variant, changes in TRIAL_VARIANTS.items():
            proxy_train = TrainSpec(epochs=args.trial_epochs, batch_size=64, **changes)  # conf/train/proxy.yaml
            reward = preset("efficientnet_b0")
            record = evaluate_candidate(spec, trial_data, proxy_train, reward, seed=0, full_spec=full)
            walls[variant].append(record.wall_s)
            print(
                f"  round {r + 1} {variant:22s} {record.wall_s:6.1f} s wall, val/top1 {record.val_top1:.3f}, "
                f"test/top1 {record.test_top1:.3f}, reward {record.reward:.3f}",
                flush=True,
            )
    base = float(np.median(walls["contiguous"]))
    for variant, w in walls.items():
        print(
            f"  {variant:22s} median {np.median(w):6.1f} s (range {min(w):.1f}-{max(w):.1f}), "
            f"{base / np.median(w):.2f}x contiguous"
        )
    if not args.trial_only:
        machine_fraction(args.batch_size, args.steps, args.rounds)


if __name__ == "__main__":
    main()
