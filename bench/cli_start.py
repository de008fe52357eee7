"""CPU time of starting the command line: `nasx --help`, each subcommand's `--help`, and two light commands.

    python -m bench.cli_start [--repeats N]

Each command runs N times in a fresh interpreter (`python -m nasx ...`); the median user+system CPU
seconds of the child are printed against the target (`nasx --help` under 0.3 s of CPU).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys

from nasx.cli.main import COMMANDS

TARGET_S = 0.3


def cpu_s(args: list[str]) -> float:
    """User + system CPU seconds of one `python -m nasx ARGS` run."""
    before = os.times()
    subprocess.run(
        [sys.executable, "-m", "nasx", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    after = os.times()
    return (after.children_user - before.children_user) + (after.children_system - before.children_system)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=7)
    args = p.parse_args()
    names = [m.__name__.rsplit(".", 1)[1].removesuffix("_cmd").replace("_", "-") for m in COMMANDS]
    cases = [["--help"], *([n, "--help"] for n in names), ["families"], ["profile", "resnet50"]]
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load "
        f"{os.getloadavg()[0]:.2f}; {args.repeats} runs each, median CPU seconds"
    )
    for case in cases:
        median = statistics.median(cpu_s(case) for _ in range(args.repeats))
        verdict = f"   target < {TARGET_S} s: {'met' if median < TARGET_S else 'MISSED'}" if case == ["--help"] else ""
        print(f"nasx {' '.join(case):<22} {median:6.3f} s{verdict}")


if __name__ == "__main__":
    main()
