"""Weight sharing against training, in wall time: a 1,000-candidate search from a supernet, the supernet's
training included, against 20 candidates trained at the reference rung, on the same machine.

    python -m bench.supernet_search [--candidates 1000] [--trained 20] [--supernet-epochs 10]

Three nasx commands, timed from the outside as a user runs them, on effnet_b0_search's space, data
(digits) and proxy scaling:

1. `nasx supernet train.epochs=E train.threads=2` (one process, both cores);
2. `nasx search experiment=effnet_b0_search evaluator=supernet supernet.run=... budget=N` on local Ray,
   two candidates at a time (the families come on top, scored the same way);
3. `nasx search experiment=effnet_b0_search train.epochs=10 budget=K references=[]` on local Ray, two
   trainings at a time: K candidates trained at the reference rung (the confirmation protocol's 10 epochs).

Target: (1) + (2) below (3). Run it on a quiet machine; the load average is printed with the numbers.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time

import pandas as pd

TRAINED_EPOCHS = 10


def timed(args: list[str]) -> float:
    """Wall seconds of one nasx command (its output shown as it goes; a failure stops the benchmark)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nasx", *args], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--trained", type=int, default=20)
    parser.add_argument("--supernet-epochs", type=int, default=10)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="nasx-bench-")
    preset = "experiment=effnet_b0_search"
    supernet_s = timed(
        ["supernet", f"train.epochs={args.supernet_epochs}", "train.threads=2", f"run_dir={work}/supernet"]
    )
    search_s = timed(
        [
            "search",
            preset,
            "evaluator=supernet",
            f"supernet.run={work}/supernet",
            f"budget={args.candidates}",
            f"run_dir={work}/scored",
        ]
    )
    trained_s = timed(
        [
            "search",
            preset,
            f"train.epochs={TRAINED_EPOCHS}",
            f"budget={args.trained}",
            "references=[]",
            f"run_dir={work}/trained",
        ]
    )
    scored = pd.read_csv(f"{work}/scored/results.csv")
    trained = pd.read_csv(f"{work}/trained/results.csv")
    shared = supernet_s + search_s
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.2f}"
    )
    print(
        f"supernet ({args.supernet_epochs} epochs) {supernet_s:.0f} s + search of {len(scored)} scored candidates "
        f"{search_s:.0f} s = {shared:.0f} s wall ({search_s / len(scored):.3f} s a candidate)"
    )
    print(
        f"{len(trained)} candidates trained {TRAINED_EPOCHS} epochs: {trained_s:.0f} s wall "
        f"({trained['wall_s'].sum():.0f} trial-seconds)"
    )
    print(f"target: weight sharing below {args.trained} trainings: {'met' if shared < trained_s else 'missed'}")


if __name__ == "__main__":
    main()
