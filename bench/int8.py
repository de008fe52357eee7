"""INT8 against fp32 latency of full-scale families on this CPU (post-training static quantization, x86 backend).

    python -m bench.int8 [--families mobilenet_v2 efficientnet_b0 resnet18 mnasnet1_0] [--threads 1]
                         [--batch 1] [--iters 50] [--rounds 3] [--resolution R]

For each family: the full-scale network quantized by `nasx.quantize.full_scale_latency` (calibrated on random
inputs: latency depends on shapes and kernels, not on weights), fp32 and INT8 timed by `measure_latency` in
`--rounds` alternating rounds of `--iters` timed forwards after warm-up, on fp32 inputs. Prints per family the
median over rounds of each round's median latency, the speed-up fp32 / INT8 with its range over the rounds (the
timing noise), and the operations that stay in float (`float_ops`). `--resolution` overrides the families'
resolution (a quick run: `--resolution 64 --iters 5 --rounds 1`).
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import replace

import torch

from nasx import families
from nasx.build import build_model
from nasx.latency.full_scale import CALIBRATION_IMAGES
from nasx.profile import fingerprint
from nasx.quantize.int8 import float_ops, quantize_int8
from nasx.quantize.scores import full_scale_latency

FAMILIES = ("mobilenet_v2", "efficientnet_b0", "resnet18", "mnasnet1_0")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", nargs="+", default=list(FAMILIES))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--iters", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--resolution", type=int, default=0, help="0: each family's own resolution")
    args = parser.parse_args()
    machine = fingerprint("cpu")
    print(
        f"machine: {machine['cpu']}, {machine['cores']} cores, torch {machine['torch']}; batch {args.batch}, "
        f"{args.threads} thread(s), {args.rounds} round(s) x {args.iters} timed forwards"
    )
    print(
        f"{'family':18s} {'res':>4s} {'fp32 ms':>9s} {'int8 ms':>9s} {'speed-up':>9s} {'range over rounds':>18s}  "
        "ops left in float"
    )
    for name in args.families:
        full = families.get(name)
        if args.resolution:
            full = replace(full, resolution=args.resolution)
        fp32, int8, speedups = [], [], []
        for _ in range(args.rounds):
            q, f = full_scale_latency(
                full, threads=args.threads, batch_size=args.batch, warmup=max(3, args.iters // 5), iters=args.iters
            )
            fp32.append(f.median_ms)
            int8.append(q.median_ms)
            speedups.append(f.median_ms / q.median_ms)
        x = torch.randn(CALIBRATION_IMAGES, full.in_channels, full.resolution, full.resolution)
        left = float_ops(quantize_int8(build_model(full), x), x[:1])
        print(
            f"{name:18s} {full.resolution:4d} {statistics.median(fp32):9.2f} {statistics.median(int8):9.2f} "
            f"{statistics.median(speedups):8.2f}x {min(speedups):8.2f}-{max(speedups):.2f}x  "
            + (", ".join(f"{k} x{v}" for k, v in sorted(left.items())) or "none")
        )


if __name__ == "__main__":
    main()
