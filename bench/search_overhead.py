"""Search overhead: `run_search` on Ray Tune versus a plain sequential loop calling `evaluate_candidate`.

    python -m bench.search_overhead [--quick] [--lengths 1,5,20] [--trials N ...]

Both sides train the same candidates, in the same order, with the same data, TrainSpec, objective
and seed: the first N proposals of the `random` searcher (seed 0) on the `mnasnet` space, shrunk to
the proxy task by `proxy_spec` exactly as the runner does (width 0.25, depth 0.25, stride-1 stem,
digits at 16x16), skipping repeated keys as the runner does. A trial's length is set by its number
of SGD steps (batch 64, one validation and test pass at the end): about 1 s, 5 s and 20 s per trial.

Three runs per trial length, one after the other:

- sequential: one process, one torch thread, `evaluate_candidate` on each candidate in turn (after one
  untimed warm-up trial, so the process is warm, as a long-running loop would be);
- Ray, 1 at a time: `run_search` with max_concurrent=1, cpus_per_trial=1, one torch thread: the same
  work on one core, so the difference is the framework's overhead (the number the target is about);
- Ray, 2 at a time: max_concurrent=2 on the 2 cores: the practical throughput.

Every `run_search` starts and stops its own local Ray, as `nasx search` does. The Ray-side overhead
(1 at a time) is split with the rows' own timestamps (finished_at, wall_s):
start-up = from calling run_search to the end of the first trial, less the sequential time of that
trial (ray.init, Tune set-up, the worker's start, imports and first-trial warm-up); steady = per
trial after the first, the time between trial ends less the sequential trial time; teardown = from
the last trial's end to run_search's return (Ray shutdown, summary). Steady is itself split into the
time Ray spends between trials (one trial's end to the next one's start, from the worker's clock:
Tune's bookkeeping, result reporting, appending the row, the next suggestion) and the difference in
the trials' own times inside the worker versus in the loop, which on a shared machine is mostly the
load changing between the runs; "between trials" is the framework's per-trial cost.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from dataclasses import replace

import torch

from nasx import results
from nasx.data import DataSpec
from nasx.evaluation import evaluate_candidate
from nasx.profile import fingerprint
from nasx.reward import Objective
from nasx.search import searchers
from nasx.search.configs import proxy_spec
from nasx.search.driver import run_search
from nasx.search.setup import ProxySpec, Resources, SearcherSpec, SearchSetup, SpaceSpec
from nasx.train.spec import TrainSpec

STEPS = {1: 15, 5: 90, 20: 360}  # SGD steps for ~1 s, ~5 s and ~20 s trials on this machine
TRIALS = {1: 12, 5: 8, 20: 4}  # trials per run in full mode
QUICK = {1: 6}


def base_setup(run_dir: str, seconds: int, trials: int, steps: int | None = None) -> SearchSetup:
    train = TrainSpec(epochs=1, steps=steps or STEPS[seconds], batch_size=64, eval_every=0, threads=1)
    return SearchSetup(
        name=f"bench_{seconds}s",
        space=SpaceSpec("mnasnet"),
        searcher=SearcherSpec("random"),
        data=DataSpec(name="digits", resolution=16),
        train=train,
        objective=Objective(),
        proxy=ProxySpec(width_mult=0.25, depth_mult=0.25, stem_stride=1),
        resources=Resources(cpus_per_trial=1, max_concurrent=1, num_cpus=2, max_retries=0),
        budget=trials,
        seed=0,
        references=(),
        run_dir=run_dir,
        config={"name": f"bench_{seconds}s"},
    )


def candidates(setup: SearchSetup, data) -> list[tuple]:
    """The (trained, full) specs the runner's plan trains for this setup, in its order."""
    space = setup.space.make()
    searcher = searchers.get(
        setup.searcher.name, space, seed=setup.seed, objectives=setup.objectives(), **setup.searcher.options
    )
    out, seen = [], set()
    while len(out) < setup.budget:
        proposal = searcher.ask()
        trained = proxy_spec(
            setup, proposal.spec, resolution=data.resolution, num_classes=data.num_classes, channels=data.channels
        )  # raises if one cannot be adapted: choose another seed
        if trained.key() not in seen:
            seen.add(trained.key())
            out.append((trained, proposal.spec))
    return out


def sequential(setup: SearchSetup, data, cands) -> dict:
    start = time.perf_counter()
    walls, keys = [], []
    for trained, full in cands:
        record = evaluate_candidate(trained, data, setup.train, setup.objective, seed=setup.seed, full_spec=full)
        if not record.ok:
            raise RuntimeError(f"sequential trial failed: {record.error}")
        walls.append(record.wall_s)
        keys.append(record.arch_key)
    return {"wall": time.perf_counter() - start, "walls": walls, "keys": keys}


def on_ray(setup: SearchSetup, concurrent: int) -> dict:
    run_dir = tempfile.mkdtemp(prefix="nasx_bench_")
    setup = replace(setup, run_dir=run_dir, resources=replace(setup.resources, max_concurrent=concurrent))
    try:
        t0 = time.time()
        run_search(setup, out=lambda line: None)
        t1 = time.time()
        rows = results.load(run_dir).sort_values("finished_at")
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    if (rows["status"] != "ok").any():
        raise RuntimeError(f"Ray trials failed: {rows.loc[rows['status'] != 'ok', 'error'].tolist()}")
    ends = rows["finished_at"].tolist()
    return {
        "wall": t1 - t0,
        "t0": t0,
        "t1": t1,
        "ends": ends,
        "walls": rows["wall_s"].tolist(),
        "keys": rows["arch_key"].tolist(),
    }


def per_hour(n: int, seconds: float) -> float:
    return n * 3600.0 / seconds if seconds > 0 else float("nan")


def measure(seconds: int, trials: int, data, steps: int | None = None) -> dict:
    setup = base_setup("", seconds, trials, steps)
    cands = candidates(setup, data)
    seq = sequential(setup, data, cands)
    one = on_ray(setup, 1)
    two = on_ray(setup, 2)
    for name, run in (("1 at a time", one), ("2 at a time", two)):
        if sorted(run["keys"]) != sorted(seq["keys"]):
            raise RuntimeError(f"Ray ({name}) trained other candidates than the sequential loop")
    n = len(cands)
    if one["keys"] != seq["keys"]:
        raise RuntimeError("Ray (1 at a time) trained the candidates in another order")
    mean_trial = seq["wall"] / n
    startup = one["ends"][0] - one["t0"] - seq["walls"][0]
    steady = ((one["ends"][-1] - one["ends"][0]) - sum(seq["walls"][1:])) / max(n - 1, 1)
    teardown = one["t1"] - one["ends"][-1]
    # steady = between (Ray's own work from one trial's end to the next one's start) + in_trial (the same
    # trials timed inside the worker versus in the loop: mostly the machine's load changing between runs)
    between = ((one["ends"][-1] - one["ends"][0]) - sum(one["walls"][1:])) / max(n - 1, 1)
    in_trial = (sum(one["walls"][1:]) - sum(seq["walls"][1:])) / max(n - 1, 1)
    return {
        "seconds": seconds,
        "steps": setup.train.steps,
        "n": n,
        "trial_s": mean_trial,
        "seq_wall": seq["wall"],
        "ray1_wall": one["wall"],
        "ray2_wall": two["wall"],
        "seq_rate": per_hour(n, seq["wall"]),
        "ray1_rate": per_hour(n, one["wall"]),
        "ray2_rate": per_hour(n, two["wall"]),
        "ray1_steady_rate": per_hour(n - 1, one["ends"][-1] - one["ends"][0]) if n > 1 else float("nan"),
        "ray2_steady_rate": per_hour(n - 1, two["ends"][-1] - two["ends"][0]) if n > 1 else float("nan"),
        "overhead_total": (one["wall"] - seq["wall"]) / n,
        "startup": startup,
        "steady": steady,
        "teardown": teardown,
        "in_trial": in_trial,
        "between": between,
        "modelled": (startup + teardown) / n + between,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a sanity run of about a minute: a few 1 s trials")
    parser.add_argument("--lengths", default=None, help="trial lengths in seconds, comma-separated (1, 5, 20)")
    parser.add_argument("--trials", type=int, default=None, help="trials per run (default: 12, 8, 4 by length)")
    parser.add_argument("--steps", type=int, default=None, help="SGD steps per trial (overrides the length's)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    plan = dict(QUICK) if args.quick else dict(TRIALS)
    if args.lengths:
        plan = {int(s): TRIALS.get(int(s), 4) for s in args.lengths.split(",")}
        if any(s not in STEPS for s in plan) and not args.steps:
            raise SystemExit(f"--lengths: choose among {sorted(STEPS)} or give --steps")
    if args.trials:
        plan = {s: args.trials for s in plan}

    import ray

    machine = fingerprint()
    load = os.getloadavg()
    print(
        f"machine: {machine['cpu']}, {machine['cores']} cores, {torch.get_num_threads()} torch thread per trial, "
        f"python {machine['python']}, torch {machine['torch']}, ray {ray.__version__}; "
        f"load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(
        "candidates: random searcher, seed 0, mnasnet space at proxy scale (width 0.25, depth 0.25), "
        "digits 16x16, batch 64, one torch thread per trial"
    )

    data = DataSpec(name="digits", resolution=16).load()
    warm = base_setup("", 1, 1)
    trained, full = candidates(warm, data)[0]
    evaluate_candidate(trained, data, replace(warm.train, steps=5), warm.objective, seed=0, full_spec=full)  # warm-up

    rows = []
    for seconds, trials in plan.items():
        row = measure(seconds, trials, data, args.steps)
        rows.append(row)
        print(
            f"  {seconds:>2} s trials done: sequential {row['seq_wall']:.1f} s, Ray 1 at a time "
            f"{row['ray1_wall']:.1f} s, Ray 2 at a time {row['ray2_wall']:.1f} s",
            flush=True,
        )

    print()
    print(
        "| trial | steps | trials | trial time (sequential) | sequential | Ray, 1 at a time | "
        "Ray, 2 at a time | Ray 1 steady | Ray 2 steady |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| ~{r['seconds']} s | {r['steps']} | {r['n']} | {r['trial_s']:.2f} s | {r['seq_rate']:.0f}/h | "
            f"{r['ray1_rate']:.0f}/h | {r['ray2_rate']:.0f}/h | {r['ray1_steady_rate']:.0f}/h | "
            f"{r['ray2_steady_rate']:.0f}/h |"
        )
    print()
    print(
        "Overhead of Ray, 1 at a time, over the sequential loop, per trial (share of the sequential trial "
        "time). Measured = (Ray wall - sequential wall) / trials; between trials = Ray's own time from one "
        "trial's end to the next one's start; trial in worker - loop = the same trials timed inside the "
        "worker minus in the loop (load noise); with start-up = (start-up + teardown) / trials + between."
    )
    print()
    print(
        "| trial | measured | start-up (once) | teardown (once) | between trials | trial in worker - loop | "
        "with start-up, this many trials |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        t = r["trial_s"]
        print(
            f"| ~{r['seconds']} s ({t:.2f} s) | {r['overhead_total']:+.2f} s ({r['overhead_total'] / t:+.0%}) | "
            f"{r['startup']:.1f} s | {r['teardown']:.1f} s | {r['between']:.3f} s ({r['between'] / t:.1%}) | "
            f"{r['in_trial']:+.2f} s | {r['modelled']:.2f} s ({r['modelled'] / t:.0%}) |"
        )
    load = os.getloadavg()
    print(f"\nload average at end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
