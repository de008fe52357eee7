"""What one candidate costs scored from a supernet against trained at the reference rung, same networks.

    python -m bench.supernet_cost [--candidates 8] [--epochs 10] [--images 2000]

The candidates are the first N proposals of the `random` searcher (seed 0) on `experiment=effnet_b0_search`'s
space, data (digits) and proxy scaling, as a search proposes them. Each is scored twice in one warm
process with one torch thread: by the `supernet` evaluator (extract from a supernet of that search,
recalibrate BatchNorm on `--images` training images, measure validation and test accuracy; the
supernet is loaded once, untimed, as a worker does) and by the `train` evaluator at the reference
rung (`--epochs`, the confirmation protocol's 10 by default). The supernet's weights do not change
what scoring costs, so an untrained one serves. Target: a supernet score at most 1/50 of a training's
seconds. The machine and its load average are printed with the numbers.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from dataclasses import replace

import torch

from nasx.cli.compose import compose
from nasx.cli.convert import search_setup
from nasx.search import evaluators, searchers
from nasx.search.configs import proxy_spec, trial_config
from nasx.search.evaluators.supernet import loaded
from nasx.search.setup import SupernetSpec
from nasx.supernet import store

TARGET = 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--images", type=int, default=2000)
    args = parser.parse_args()
    torch.set_num_threads(1)
    work = tempfile.mkdtemp(prefix="nasx-bench-")
    setup = search_setup(compose("search", ["experiment=effnet_b0_search", f"run_dir={work}/run"]))
    setup = replace(setup, train=replace(setup.train, epochs=args.epochs, threads=1))
    supernet_dir = store.initial(os.path.join(work, "supernet"), setup)
    scored = replace(
        setup, evaluator="supernet", supernet=SupernetSpec(run=str(supernet_dir), recalibration_images=args.images)
    )
    data, space = setup.data.load(), setup.space.make()
    searcher = searchers.get("random", space, seed=0)
    loaded(str(supernet_dir))  # once per worker, as in a search
    supernet_s, train_s = [], []
    for i in range(args.candidates):
        proposal = searcher.ask()
        trained = proxy_spec(
            setup,
            proposal.spec,
            resolution=data.resolution,
            num_classes=data.num_classes,
            channels=data.channels,
            base_resolution=space.resolution,
        )
        config = trial_config(f"s{i:04d}", proposal.spec, trained, proposal_id=i, values=proposal.values)
        start = time.perf_counter()
        row = evaluators.get("supernet")(config, data, scored, lambda progress: None)["row"]
        supernet_s.append(time.perf_counter() - start)
        assert row["status"] == "ok", row["error"]
        start = time.perf_counter()
        evaluators.get("train")(config, data, setup, lambda progress: None)
        train_s.append(time.perf_counter() - start)
        print(
            f"candidate {i}: supernet {supernet_s[-1]:.3f} s, trained {args.epochs} epochs {train_s[-1]:.1f} s",
            flush=True,
        )
    ratio = statistics.median(train_s) / statistics.median(supernet_s)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.2f}; one torch thread"
    )
    print(
        f"median per candidate: supernet {statistics.median(supernet_s):.3f} s ({args.images} recalibration "
        f"images), trained {statistics.median(train_s):.1f} s ({args.epochs} epochs): {ratio:.0f}x cheaper "
        f"(target {TARGET}x: {'met' if ratio >= TARGET else 'missed'})"
    )


if __name__ == "__main__":
    main()
