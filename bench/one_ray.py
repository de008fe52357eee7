"""What one Ray for a search and its confirmation stage saves: `nasx search confirm.after_search=true` as it runs
(`search_cmd.launch`: one Ray held across both stages) against the two stages each starting their own Ray
(`run_search`, then `run_confirm`), on the same tiny setup, alternating, `--rounds` times each.

    python -m bench.one_ray [--rounds 3]

The setup: random on `mnasnet`, 4 one-epoch trials of tiny networks on digits at 8x8, then the top 2 under 2
seeds for 3 steps each: short trials, so the difference is mostly Ray's start and stop. Prints the wall time
of each round, the median of each way and the saving with the spread of the rounds (the noise to beat).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from nasx.data import DataSpec
from nasx.profile import fingerprint
from nasx.reward import Objective
from nasx.search.setup import ConfirmSpec, ProxySpec, Resources, SearcherSpec, SearchSetup, SpaceSpec
from nasx.train.spec import TrainSpec


def tiny(run_dir: Path) -> SearchSetup:
    return SearchSetup(
        name="one_ray",
        space=SpaceSpec("mnasnet"),
        searcher=SearcherSpec("random"),
        data=DataSpec(resolution=8),
        train=TrainSpec(epochs=1, batch_size=128, threads=1),
        objective=Objective(),
        proxy=ProxySpec(width_mult=0.125, depth_mult=0.25),
        resources=Resources(num_cpus=2, max_concurrent=2),
        budget=4,
        seed=0,
        references=(),
        run_dir=str(run_dir),
        config={"name": "one_ray"},
        confirm=ConfirmSpec(after_search=True, top_k=2, seeds=2, train={"steps": 3}),
    )


def one_ray(setup: SearchSetup) -> None:
    from nasx.cli.search_cmd import launch

    launch(setup, False)


def two_rays(setup: SearchSetup) -> None:
    from nasx.search.confirm import run_confirm, with_available_top_k
    from nasx.search.driver import run_search

    run_search(setup)
    run_confirm(with_available_top_k(setup))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.one_ray", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"search + confirm on one Ray against two, {fingerprint('cpu')['device_name']}, {args.rounds} rounds")
    walls: dict[str, list[float]] = {"one Ray": [], "two Rays": []}
    for i in range(args.rounds):
        for label, run in (("one Ray", one_ray), ("two Rays", two_rays)):
            root = Path(tempfile.mkdtemp(prefix="nasx_one_ray_"))
            try:
                start = time.perf_counter()
                run(tiny(root / "run"))
                walls[label].append(time.perf_counter() - start)
            finally:
                shutil.rmtree(root, ignore_errors=True)
            print(f"round {i + 1}: {label}: {walls[label][-1]:.1f} s", flush=True)
    one, two = (statistics.median(walls[k]) for k in ("one Ray", "two Rays"))
    spread = max(max(w) - min(w) for w in walls.values())
    print("| way | median wall | rounds |")
    print("|---|---:|---:|")
    for label, w in walls.items():
        print(f"| {label} | {statistics.median(w):.1f} s | {', '.join(f'{x:.1f}' for x in w)} |")
    print(f"saved: {two - one:.1f} s a search with its confirmation stage (rounds of one way spread {spread:.1f} s)")


if __name__ == "__main__":
    main()
