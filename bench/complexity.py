"""Analytic complexity vs. building the module and counting with FlopCounterMode.

    python -m bench.complexity [--repeats N]

Prints the time per spec of `nasx.complexity` for EfficientNet-B0 and ResNet-50, the time to
build the module and count it with FlopCounterMode (on the meta device, and on CPU), the
speedups, and the sampling-side throughput (decode + validate + complexity) per minute.
"""

from __future__ import annotations

import argparse
import platform
import time

import torch

from nasx import complexity, decode, encode, families
from nasx.module_cost import module_cost


def per_call_s(fn, repeats: int) -> float:
    """Best of 5 rounds of the mean time per call."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        best = min(best, (time.perf_counter() - start) / repeats)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(
        f"machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} torch thread, "
        f"python {platform.python_version()}, torch {torch.__version__}"
    )
    print(
        f"{'model':16s} {'analytic':>12s} {'meta build+count':>18s} {'cpu build+count':>17s} "
        f"{'speedup (meta)':>15s} {'decode+analytic/min':>20s}"
    )
    for name in ("efficientnet_b0", "resnet50"):
        spec = families.get(name)
        text = encode(spec)
        analytic = per_call_s(lambda spec=spec: complexity(spec), args.repeats)
        meta = per_call_s(lambda spec=spec: module_cost(spec, "meta"), 3)
        cpu = per_call_s(lambda spec=spec: module_cost(spec, "cpu"), 1)
        sample = per_call_s(lambda text=text: complexity(decode(text)), args.repeats)
        print(
            f"{name:16s} {analytic * 1e3:9.3f} ms {meta * 1e3:15.1f} ms {cpu * 1e3:14.1f} ms "
            f"{meta / analytic:14.0f}x {60 / sample:20,.0f}"
        )


if __name__ == "__main__":
    main()
