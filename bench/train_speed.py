"""Trainer overhead: train_and_eval versus a minimal hand-written PyTorch loop, and one complete trial.

    python -m bench.train_speed [--epochs N] [--batch-size B] [--rounds R] [--threads T]

Both loops train the same proxy EfficientNet-B0 (width 0.25, depth 0.5, 16x16, stride-1 stem) from
the same initial weights on the same digits tensors with the same batch size, SGD with Nesterov
momentum, no augmentation, and end with one pass over the validation and test splits. Prints the
training images/s of each (best of R alternating rounds) and their ratio, then the wall time of
one complete `evaluate_candidate` on digits with the `conf/train/proxy.yaml` settings.
"""

from __future__ import annotations

import argparse
import time

import torch
from torch import nn

from nasx import build_model, data, families, proxy
from nasx.evaluation import evaluate_candidate
from nasx.profile import fingerprint
from nasx.reward import preset
from nasx.train import TrainSpec, train_and_eval


def proxy_b0(resolution: int = 16):
    full = families.get("efficientnet_b0")
    return proxy(full, resolution=resolution, num_classes=10, width_mult=0.25, depth_mult=0.5, stem_stride=1), full


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
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    machine = fingerprint()
    print(
        f"machine: {machine['cpu']}, {machine['cores']} cores, {torch.get_num_threads()} torch threads, "
        f"python {machine['python']}, torch {machine['torch']}"
    )
    ds = data.load("digits", resolution=16)
    spec, full = proxy_b0()
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

    proxy_train = TrainSpec(epochs=10, batch_size=64)  # conf/train/proxy.yaml
    start = time.perf_counter()
    trial_data = data.load("digits", resolution=16)
    load_s = time.perf_counter() - start
    record = evaluate_candidate(spec, trial_data, proxy_train, preset("efficientnet_b0"), seed=0, full_spec=full)
    print(
        f"one trial (evaluate_candidate, digits, proxy efficientnet_b0, 10 epochs, batch 64): "
        f"{record.wall_s:.1f} s wall (+ {load_s:.2f} s loading digits), val/top1 {record.val_top1:.3f}, "
        f"test/top1 {record.test_top1:.3f}, reward {record.reward:.3f}"
    )


if __name__ == "__main__":
    main()
