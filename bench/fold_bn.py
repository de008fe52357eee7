"""Batch norm folded for evaluation (`train.fold_bn`): evaluation images/s folded against not, and evaluation's
share of a whole proxy trial.

    python -m bench.fold_bn [--rounds R] [--epochs N] [--threads T] [--memory-format F]

For the demo's proxy EfficientNet-B0 and the proxy ResNet-18 of bench.train_speed (16x16 digits), in the
contiguous and channels_last formats: the images/s of one pass of `accuracy` over the validation split (the
trainer's evaluation) unfolded, and folded with the cost of folding counted (the weights folded in place before
each pass and put back after it; the trace that finds the pairs, once per trial, is printed beside it), best of
R rounds. Then one proxy trial of N epochs per network with `train.fold_bn` false and true
(conf/train/proxy.yaml's settings otherwise; `train.memory_format` F, default `device`: contiguous on CPU): its
wall time, the share of it spent in evaluation (every `accuracy` call, folding included) and val/test top-1.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import torch

from bench.train_speed import best_s, network_kinds
from nasx import build_model, data
from nasx.build.fold_bn import foldable_pairs
from nasx.train import TrainSpec, loop, train_and_eval


def eval_rates(spec, digits, rounds: int, channels_last: bool) -> tuple[float, float, float]:
    """(unfolded images/s, folded images/s, trace ms) of one validation pass of `spec`'s network."""
    torch.manual_seed(0)
    model = build_model(spec)
    if channels_last:
        model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # torch's stubs omit this keyword
    start = time.perf_counter()
    pairs = foldable_pairs(model)
    trace_ms = (time.perf_counter() - start) * 1e3
    n = len(digits.val_y)
    rates = []
    for fold in (False, True):
        train = TrainSpec(fold_bn=fold)
        run = lambda t=train: loop.accuracy(model, digits.val_x, digits.val_y, digits, t, channels_last, pairs)  # noqa: E731
        rates.append(n / best_s(run, rounds))
    return rates[0], rates[1], trace_ms


def trial(spec, digits, train: TrainSpec) -> tuple[float, float, float, float]:
    """(wall s, evaluation s, val/top1, test/top1) of one trial of `spec` under `train`."""
    spent = [0.0]
    plain = loop.accuracy

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return plain(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start

    torch.manual_seed(0)
    model = build_model(spec)
    loop.accuracy = timed  # type: ignore[assignment]  # the trainer's own calls, timed
    try:
        metrics = train_and_eval(model, digits, train)
    finally:
        loop.accuracy = plain  # type: ignore[assignment]
    return metrics.wall_s, spent[0], metrics.val_top1, metrics.test_top1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--memory-format", default="device", help="the trials' train.memory_format")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    digits = data.load("digits", resolution=16)
    kinds = network_kinds()[:2]
    print(f"torch {torch.__version__}, {args.threads} thread(s); validation split {len(digits.val_y)} images")
    print(f"  {'network':40s} {'format':14s} {'unfolded/s':>10s} {'folded/s':>9s} {'ratio':>6s} {'trace ms':>8s}")
    for name, spec in kinds:
        for channels_last in (False, True):
            plain, folded, trace_ms = eval_rates(spec, digits, args.rounds, channels_last)
            fmt = "channels_last" if channels_last else "contiguous"
            print(f"  {name:40s} {fmt:14s} {plain:10.0f} {folded:9.0f} {folded / plain:5.2f}x {trace_ms:8.1f}")
    print(f"one proxy trial, {args.epochs} epochs, memory_format={args.memory_format} (validation every epoch):")
    base = TrainSpec(epochs=args.epochs, threads=args.threads, memory_format=args.memory_format)
    for name, spec in kinds:
        for fold in (False, True):
            wall_s, eval_s, val, test = trial(spec, digits, dataclasses.replace(base, fold_bn=fold))
            print(
                f"  {name:40s} fold_bn={str(fold).lower():5s} wall {wall_s:6.2f} s, evaluation {eval_s:5.2f} s "
                f"({eval_s / wall_s:5.1%}), val/top1 {val:.4f}, test/top1 {test:.4f}"
            )


if __name__ == "__main__":
    main()
