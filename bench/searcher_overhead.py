"""What nasx's Optuna searchers cost per trial, against raw Optuna's ask + tell on the same space.

    python -m bench.searcher_overhead [--trials 1000] [--long 2500] [--quick]

Both sides run the same sampler (seeded alike) on the `mnasnet` space (43 categorical parameters, no
budget) against the surrogate objective of `bench.surrogate`, one trial at a time:

- raw Optuna: `study.ask()`, one `trial.suggest_categorical` per parameter, `study.tell(trial, values)`;
- nasx: `searcher.ask()` (the same suggestions, then the space's generator: the ArchSpec) and
  `searcher.tell(id, Outcome)`.

Only ask + tell are timed, not the objective. The runs advance in lockstep (trial i of each, then trial i + 1), so a
change in the machine's load hits every side alike. Samplers: NSGA-II (two objectives, val/top1 up and MACs down,
population 50) and TPE (the reward; nasx's with its default `max_history` of 1000, which is plain TPE up to trial
1000). Per-trial cost is printed as a curve (mean over windows of trials) and the ratio nasx / raw over all
`--trials`. `--long` runs nasx's TPE on to that many trials to show that its cost stops growing; raw Optuna's TPE at
that count is extrapolated from its curve (its cost per ask grows linearly with the trials it has seen).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import optuna

from bench import surrogate
from nasx import search_spaces
from nasx.search import searchers
from nasx.search.searchers import Outcome

OBJECTIVES = {"nsga2": (("val/top1", "max"), ("macs", "min")), "tpe": (("reward", "max"),)}


def raw_sampler(name: str, seed: int):
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, population_size=50)
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=10)


def objective_values(name: str, metrics: dict) -> list[float]:
    return [metrics[k] for k, _ in OBJECTIVES[name]]


def raw_steps(name: str, space, seed: int = 0):
    """Yields the seconds of ask + suggest + tell of each trial, raw Optuna."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        sampler=raw_sampler(name, seed),
        directions=["maximize" if d == "max" else "minimize" for _, d in OBJECTIVES[name]],
    )
    params = space.parameters()
    while True:
        start = time.perf_counter()
        trial = study.ask()
        values = {p.name: trial.suggest_categorical(p.name, list(p.values)) for p in params}
        spent = time.perf_counter() - start
        metrics = surrogate.evaluate(values, space.generate(values), seed)
        start = time.perf_counter()
        study.tell(trial, objective_values(name, metrics))
        yield spent + time.perf_counter() - start


def nasx_steps(name: str, space, seed: int = 0, **options):
    """Yields the seconds of searcher.ask() + searcher.tell() of each trial."""
    extra = {"population_size": 50} if name == "nsga2" else {}
    searcher = searchers.get(name, space, seed=seed, objectives=OBJECTIVES[name], **extra, **options)
    while True:
        start = time.perf_counter()
        proposal = searcher.ask()
        spent = time.perf_counter() - start
        metrics = surrogate.evaluate(proposal.values, proposal.spec, seed)
        start = time.perf_counter()
        searcher.tell(proposal.id, Outcome("ok", metrics))
        yield spent + time.perf_counter() - start


def lockstep(steppers: dict, trials: int) -> dict[str, np.ndarray]:
    """Trial i of every stepper, one after the other, then trial i + 1: load changes hit all alike."""
    out = {label: np.zeros(trials) for label in steppers}
    for i in range(trials):
        for label, steps in steppers.items():
            out[label][i] = next(steps)
    return out


def windows(trials: int) -> list[tuple[int, int]]:
    edges = [0] + [e for e in (10, 100, 250, 500, 1000, 2000, 3000, 5000, 10000) if e < trials] + [trials]
    return list(zip(edges[:-1], edges[1:]))


def curve_row(label: str, seconds: np.ndarray, spans) -> str:
    cells = [f"{seconds[a:b].mean() * 1e3:.1f}" if b <= len(seconds) else "" for a, b in spans]
    return f"| {label} | " + " | ".join(cells) + f" | {seconds.mean() * 1e3:.1f} |"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.searcher_overhead", description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--long", type=int, default=2500, help="trials of nasx's default TPE (0: skip)")
    parser.add_argument("--quick", action="store_true", help="200 trials, no long run: a sanity check")
    args = parser.parse_args(argv)
    if args.quick:
        args.trials, args.long = 200, 0
    space = search_spaces.get("mnasnet")
    print(
        f"mnasnet space, {args.trials} trials, one at a time; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    start = time.perf_counter()
    runs = lockstep(
        {"nsga2 raw Optuna": raw_steps("nsga2", space), "nsga2 nasx": nasx_steps("nsga2", space)}, args.trials
    )
    print(f"  nsga2: {time.perf_counter() - start:.0f} s", flush=True)
    start = time.perf_counter()
    nasx_tpe = nasx_steps("tpe", space)  # the default max_history (1000): plain TPE up to trial 1000
    runs.update(lockstep({"tpe raw Optuna": raw_steps("tpe", space), "tpe nasx": nasx_tpe}, args.trials))
    print(f"  tpe: {time.perf_counter() - start:.0f} s", flush=True)
    spans = windows(args.trials)
    print("\nper-trial cost of ask + tell (ms), mean over trials in each window")
    print("| searcher | " + " | ".join(f"{a + 1}–{b}" for a, b in spans) + " | all |")
    print("|---|" + "---:|" * (len(spans) + 1))
    for label, seconds in runs.items():
        print(curve_row(label, seconds, spans))
    print(f"\nratio nasx / raw Optuna over {args.trials} trials (target <= 1.2):")
    for name, nasx_label in (("nsga2", "nsga2 nasx"), ("tpe", "tpe nasx")):
        ratio = runs[nasx_label].sum() / runs[f"{name} raw Optuna"].sum()
        print(
            f"  {nasx_label:<28} {ratio:.2f}  ({runs[nasx_label].mean() * 1e3:.1f} ms against "
            f"{runs[f'{name} raw Optuna'].mean() * 1e3:.1f} ms)"
        )
    if args.long:
        start = time.perf_counter()
        more = lockstep({"tpe": nasx_tpe}, max(args.long - args.trials, 0))["tpe"]
        long = np.concatenate([runs["tpe nasx"], more])
        spans = windows(args.long)
        print(f"\nnasx tpe, default max_history 1000, {args.long} trials ({time.perf_counter() - start:.0f} s):")
        print("| searcher | " + " | ".join(f"{a + 1}–{b}" for a, b in spans) + " | all |")
        print("|---|" + "---:|" * (len(spans) + 1))
        print(curve_row("tpe nasx (max_history 1000)", long, spans))
        raw = runs["tpe raw Optuna"]
        half = len(raw) // 2
        slope = (raw[half:].mean() - raw[:half].mean()) / half  # seconds per ask per trial seen
        for at in sorted({args.long, 10_000}):
            print(
                f"raw Optuna TPE extrapolated to trial {at:,}: about "
                f"{(raw[-100:].mean() + slope * (at - len(raw))) * 1e3:.0f} ms per ask "
                f"(+{slope * 1e6:.0f} µs per trial seen)"
            )
        before = f"; over trials 901-1000: {long[900:1000].mean() * 1e3:.0f} ms" if len(long) >= 1000 else ""
        print(
            f"nasx TPE measured over its last 100 trials (to {args.long:,}): {long[-100:].mean() * 1e3:.0f} ms" + before
        )
    print(f"\nload average at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
