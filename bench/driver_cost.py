"""Driver cost per finished trial as the results table grows: 100, 1,000 and 10,000 rows.

    python -m bench.driver_cost [--trials K] [--sizes 100 1000 10000]

1. The results store alone: the mean cost of what the driver does per finished trial (append the row,
   fsync, update the Parquet views) on a table already holding N rows, against rebuilding the views from
   the whole log (what every append cost before the views became incremental); and the time of
   `nasx.results.load` on 10,000 rows (compacted, mid-search with parts, and a log-only run directory).
2. Through Ray: K instant trials (no training: the evaluator returns its row at once) run by `run_trials`
   on one local Ray with 2 slots, into a run directory prefilled with N rows; the per-trial driver cost
   is the time between the first and the last trial's end over K - 1. Target: at 10,000 rows within
   1.5x of the cost at 100.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.instant import sleeper
from nasx import results
from nasx.results import store

TARGET_RATIO = 1.5


def _row(i: int) -> dict:
    row = results.empty_row()
    row.update(
        trial_id=f"pre{i:06d}",
        order=i,
        status="ok",
        stage="search",
        arch="res8_cls10|stem:|head:",
        arch_key=f"{i:064x}",
        space="mnasnet",
        family="",
        choices=json.dumps({"b1_op": "mb6", "b1_k": 3}),
        searcher="random",
        params=1000 + i,
        macs=10_000 + i,
        full_params=5_000_000,
        full_macs=400_000_000,
        seed=0,
        dataset="digits",
        resolution=8,
        epochs=1,
        wall_s=1.0,
        finished_at=1.7e9 + i,
        config_hash="0" * 16,
        git_commit="0" * 40,
        versions="{}",
        **{"val/top1": (i % 97) / 97, "test/top1": (i % 89) / 89, "reward": (i % 83) / 83},
    )
    return row


def prefill(run_dir: Path, n: int) -> None:
    """A run directory whose log holds n rows, compacted as a finished search leaves it."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / store.LOG, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps(_row(i), sort_keys=True) + "\n")
    store.write_views(run_dir)


def store_cost_ms(n: int, appends: int) -> tuple[float, float]:
    """(mean ms per append + view update at n rows, ms of one full rebuild of the views at n rows)."""
    run_dir = Path(tempfile.mkdtemp(prefix="nasx-bench-"))
    try:
        prefill(run_dir, n)
        start = time.perf_counter()
        for i in range(appends):
            store.append(run_dir, _row(n + i), refresh_views=False)
            store.update_views(run_dir)
        per_append = (time.perf_counter() - start) / appends * 1e3
        start = time.perf_counter()
        store.write_views(run_dir)
        rebuild = (time.perf_counter() - start) * 1e3
        return per_append, rebuild
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def load_s(n: int) -> dict[str, float]:
    """Seconds of results.load on n rows: compacted, with parts of 200 rows, and from the log alone."""
    run_dir = Path(tempfile.mkdtemp(prefix="nasx-bench-"))
    out = {}
    try:
        prefill(run_dir, n)
        out["compacted"] = _best_of(lambda: results.load(run_dir))
        shutil.rmtree(run_dir)
        run_dir.mkdir()
        for i in range(n):
            store.append(run_dir, _row(i), refresh_views=False)
            if i % 200 == 199:
                store.update_views(run_dir)
        out["parts"] = _best_of(lambda: results.load(run_dir))
        for leftover in [run_dir / store.PARQUET, run_dir / store.views.PARTS]:
            shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() else leftover.unlink(missing_ok=True)
        out["log only"] = _best_of(lambda: results.load(run_dir))
        assert len(results.load(run_dir)) == n
        return out
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def _best_of(fn, rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def ray_cost_s(n: int, trials: int) -> float:
    """Per-trial driver seconds of `trials` instant trials on a run directory already holding n rows."""
    import nasx
    from nasx.search.configs import proxy_spec, trial_config
    from nasx.search.driver import run_trials
    from tests.search_setups import tiny_setup

    run_dir = Path(tempfile.mkdtemp(prefix="nasx-bench-"))
    try:
        prefill(run_dir, n)
        setup = tiny_setup(run_dir)
        full = nasx.families.get("mobilenet_v2")
        trained = proxy_spec(setup, full, resolution=8, num_classes=10, channels=3)
        configs = [trial_config(f"t{i:04d}", full, trained, seed=i, stage="confirm") for i in range(trials)]
        run_trials(setup, configs, out=lambda _: None, title="bench", evaluator=sleeper(0))
        frame = results.load(run_dir)
        new = frame[frame["trial_id"].str.startswith("t")].sort_values("order")
        assert len(new) == trials and (new["status"] == "ok").all()
        # the driver's end-of-trial stamps: the order column follows the driver's record() calls
        ends = sorted(new["finished_at"].astype(float))
        return (ends[-1] - ends[0]) / (trials - 1)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=60, help="instant trials per table size, through Ray")
    p.add_argument("--appends", type=int, default=200, help="appends per table size, store alone")
    p.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    args = p.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}"
    )

    print("\nresults store, per finished trial (append + fsync + view update) vs a full view rebuild:")
    costs = {}
    for n in args.sizes:
        per, rebuild = store_cost_ms(n, args.appends)
        costs[n] = per
        print(f"  {n:>6} rows: {per:7.2f} ms per trial   (full rebuild of the views: {rebuild:8.1f} ms)")
    lo, hi = min(args.sizes), max(args.sizes)
    print(f"  ratio {hi} / {lo} rows: {costs[hi] / costs[lo]:.2f} (target <= {TARGET_RATIO})")

    n = max(args.sizes)
    loads = load_s(n)
    print(f"\nresults.load of {n:,} rows: " + ", ".join(f"{k} {v:.3f} s" for k, v in loads.items()))

    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        print(f"\nthrough Ray, {args.trials} instant trials, 2 slots:")
        per_trial = {}
        for size in (lo, hi):
            per_trial[size] = statistics.median(ray_cost_s(size, args.trials) for _ in range(2))
            print(f"  {size:>6} rows already in the table: {per_trial[size] * 1e3:7.1f} ms per trial")
        ratio = per_trial[hi] / per_trial[lo]
        print(
            f"  ratio {hi} / {lo} rows: {ratio:.2f} (target <= {TARGET_RATIO}: "
            f"{'met' if ratio <= TARGET_RATIO else 'MISSED'})"
        )
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
