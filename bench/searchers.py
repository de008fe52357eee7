"""Search efficiency on a surrogate objective: how many trials each searcher needs to match random search.

    python -m bench.searchers [--seeds 5] [--trials 500] [--concurrent 2] [--out DIR] [--only NAME ...]

Every searcher runs on the `mnasnet` space against `bench.surrogate` (a synthetic accuracy computed in
about a millisecond from the point and its analytic MACs, with seeded noise), for `--seeds` seeds and
`--trials` trials each, under two objectives:

- reward: the EfficientNet-B0 reward acc * (MACs/400M)^-0.07, one objective (random, tpe, evolution,
  reinforce, nsga2);
- pareto: (val/top1 up, MACs down), the accuracy-MACs frontier (random, nsga2; multi-objective tpe
  only with `--only tpe`, as its asks cost 0.1-1 s each here), scored by the
  hypervolume of `nasx.analysis.hypervolume` (accuracy x decades of MACs, reference point accuracy 0 and
  twice the largest MACs of any trial of the bench).

`grid` is left out: the `mnasnet` grid has some 10^13 points in a fixed order (and `shuffle` lists them all first), so
it is no searcher for this space. The driver asks and tells as the search plan does with `--concurrent` slots: it
keeps that many proposals in flight, tells the oldest when a slot frees, and tells a proposal whose network already
has a result that result at once, without counting a trial (`nasx.search.plan.Plan`; the plan itself is not used
because it writes every trial to a results table, which would time the store instead). For each searcher it prints the
trials needed to reach random search's mean 100-trial best reward and hypervolume (mean and sample standard deviation
over seeds, and the range; a run that never reaches it counts as `--trials` and is marked), and the searcher's own
time per trial; it writes `searchers.png` (the curves: mean over seeds, shaded from the lowest to the highest seed)
and `searchers.json` (every curve) to `--out`.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import deque
from pathlib import Path

import numpy as np

from bench import surrogate
from nasx import search_spaces
from nasx.analysis.hypervolume import Reference, hypervolume
from nasx.search import searchers
from nasx.search.searchers import Outcome

KINDS = {
    "reward": {"objectives": (("reward", "max"),), "searchers": ("random", "tpe", "evolution", "reinforce", "nsga2")},
    "pareto": {"objectives": (("val/top1", "max"), ("macs", "min")), "searchers": ("random", "nsga2", "tpe")},
}
ON_REQUEST = {("pareto", "tpe")}  # multi-objective TPE costs ~0.1-1 s per ask here: run with --only tpe
MAX_ASKS_PER_TRIAL = 50  # as the plan: a searcher proposing only known points stops after this many asks
MATCH_AT = 100  # random search's trial count that the others are measured against
GOAL = 40


def run(name: str, kind: str, seed: int, trials: int, concurrent: int, space, options: dict | None = None) -> dict:
    """One search: the metrics of every counted trial in completion order, and the searcher's time."""
    searcher = searchers.get(name, space, seed=seed, objectives=KINDS[kind]["objectives"], **(options or {}))
    known: dict[str, dict] = {}
    inflight: deque = deque()
    done: list[dict] = []
    asks, searcher_s = 0, 0.0
    while len(done) < trials:
        while len(inflight) < concurrent and len(done) + len(inflight) < trials and asks < MAX_ASKS_PER_TRIAL * trials:
            start = time.perf_counter()
            proposal = searcher.ask()
            searcher_s += time.perf_counter() - start
            asks += 1
            if proposal is None:
                break
            key = proposal.spec.key()
            if key in known:
                start = time.perf_counter()
                searcher.tell(proposal.id, Outcome("ok", known[key]))
                searcher_s += time.perf_counter() - start
                continue
            known[key] = surrogate.evaluate(proposal.values, proposal.spec, seed)
            inflight.append((proposal.id, key))
        if not inflight:
            break
        proposal_id, key = inflight.popleft()
        start = time.perf_counter()
        searcher.tell(proposal_id, Outcome("ok", known[key]))
        searcher_s += time.perf_counter() - start
        done.append(known[key])
    return {
        "acc": [m["val/top1"] for m in done],
        "macs": [m["macs"] for m in done],
        "reward": [m["reward"] for m in done],
        "searcher_s": searcher_s,
        "asks": asks,
    }


def best_curve(values: list[float]) -> np.ndarray:
    return np.maximum.accumulate(np.asarray(values, dtype=float))


def hypervolume_curve(acc: list[float], macs: list[float], ref: Reference) -> np.ndarray:
    """Hypervolume after each trial; recomputed only when the new point joins the front."""
    acc, macs = np.asarray(acc, dtype=float), np.asarray(macs, dtype=float)
    out = np.zeros(len(acc))
    front: list[int] = []
    value = 0.0
    for i in range(len(acc)):
        if not any(acc[j] >= acc[i] and macs[j] <= macs[i] for j in front):
            front = [j for j in front if not (acc[i] >= acc[j] and macs[i] <= macs[j])] + [i]
            value = hypervolume(acc[front], macs[front], ref)
        out[i] = value
    return out


def trials_to_reach(curve: np.ndarray, target: float) -> int | None:
    """First trial count (1-based) at which the curve reaches the target; None if it never does."""
    hit = np.flatnonzero(curve >= target)
    return int(hit[0]) + 1 if hit.size else None


def summarize(curves: dict[str, list[np.ndarray]], trials: int) -> tuple[float, dict[str, dict]]:
    """Random's mean value at MATCH_AT and, per searcher, the trials each seed needed to reach it."""
    target = float(np.mean([c[MATCH_AT - 1] for c in curves["random"]]))
    out = {}
    for name, runs in curves.items():
        reached = [trials_to_reach(c, target) for c in runs]
        counted = np.array([trials if r is None else r for r in reached], dtype=float)
        out[name] = {
            "trials": [r for r in reached],
            "mean": float(counted.mean()),
            "sd": float(counted.std(ddof=1)) if len(counted) > 1 else 0.0,
            "min": int(counted.min()),
            "max": int(counted.max()),
            "missed": sum(r is None for r in reached),
            "final": float(np.mean([c[-1] for c in runs])),
        }
    return target, out


def figure(curves: dict, targets: dict, trials: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(curves), figsize=(6 * len(curves), 4.5), squeeze=False)
    labels = {"reward": "best reward (acc * (MACs/400M)^-0.07)", "pareto": "hypervolume (acc x decades of MACs)"}
    for ax, kind in zip(axes[0], curves):
        x = np.arange(1, trials + 1)
        for name, runs in curves[kind].items():
            stack = np.vstack(runs)
            (line,) = ax.plot(
                x,
                stack.mean(axis=0),
                label=name,
                lw=1.6 if name != "random" else 2.2,
                color="black" if name == "random" else None,
            )
            ax.fill_between(x, stack.min(axis=0), stack.max(axis=0), color=line.get_color(), alpha=0.12)
        ax.axhline(targets[kind], color="grey", ls=":", lw=1)
        ax.axvline(GOAL, color="grey", ls="--", lw=0.8)
        ax.axvline(MATCH_AT, color="grey", ls=":", lw=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("trials")
        ax.set_ylabel(labels[kind])
        low = min(np.vstack(r)[:, 9].min() for r in curves[kind].values())
        ax.set_ylim(low, max(np.vstack(r).max() for r in curves[kind].values()) * 1.002)
        n = len(next(iter(curves[kind].values())))
        ax.set_title(
            f"{kind}: mean of {n} seeds (shaded: their range)\ndotted: random's mean at {MATCH_AT} trials; "
            f"dashed: {GOAL} trials",
            fontsize=10,
        )
        ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.searchers", description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--trials", type=int, default=500)
    parser.add_argument("--concurrent", type=int, default=2)
    parser.add_argument("--out", default="runs/bench/searchers")
    parser.add_argument("--only", nargs="*", help="searchers to run besides random (default: all)")
    parser.add_argument("--kinds", nargs="*", choices=list(KINDS), default=list(KINDS))
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="SEARCHER.KEY=VALUE",
        help="a searcher option, e.g. nsga2.population_size=16 (numbers as numbers)",
    )
    args = parser.parse_args(argv)
    options: dict[str, dict] = {}
    for item in args.option:
        try:
            target, value = item.split("=", 1)
            name, key = target.split(".", 1)
        except ValueError:
            parser.error(f"--option {item!r}: expected SEARCHER.KEY=VALUE")
        options.setdefault(name, {})[key] = json.loads(value) if value[:1].isdigit() or value[:1] in "-[{" else value
    if args.trials < MATCH_AT:
        parser.error(f"--trials {args.trials}: needs at least {MATCH_AT}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    space = search_spaces.get("mnasnet")
    print(
        f"mnasnet space, surrogate objective, {args.seeds} seeds x {args.trials} trials, "
        f"{args.concurrent} in flight; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
        flush=True,
    )

    raw: dict[str, dict[str, list[dict]]] = {}
    wall = time.perf_counter()
    for kind, spec in KINDS.items():
        raw[kind] = {}
        if kind not in args.kinds:
            continue
        for name in spec["searchers"]:
            if args.only and name != "random" and name not in args.only:
                continue
            if (kind, name) in ON_REQUEST and not (args.only and name in args.only):
                continue
            start = time.perf_counter()
            raw[kind][name] = [
                run(name, kind, seed, args.trials, args.concurrent, space, options.get(name))
                for seed in range(args.seeds)
            ]
            per_trial = np.mean([r["searcher_s"] for r in raw[kind][name]]) / args.trials
            print(
                f"  {kind:<6} {name:<9} {time.perf_counter() - start:6.1f} s "
                f"(searcher {per_trial * 1e3:.2f} ms per trial)",
                flush=True,
            )

    all_macs = [m for runs in raw["pareto"].values() for r in runs for m in r["macs"]]
    ref = Reference(0.0, 2.0 * max(all_macs, default=1.0))
    curves = {
        "reward": {n: [best_curve(r["reward"]) for r in runs] for n, runs in raw["reward"].items()},
        "pareto": {n: [hypervolume_curve(r["acc"], r["macs"], ref) for r in runs] for n, runs in raw["pareto"].items()},
    }
    targets, tables = {}, {}
    for kind in args.kinds:
        targets[kind], tables[kind] = summarize(curves[kind], args.trials)
        what = "best reward" if kind == "reward" else f"hypervolume (reference {ref})"
        print(
            f"\n{kind}: trials to reach random's {MATCH_AT}-trial {what} {targets[kind]:.5f} "
            f"(goal: <= {GOAL} on average), {args.seeds} seeds"
        )
        print(
            f"| searcher | trials to reach (mean ± sd) | range | seeds not reaching in {args.trials} | "
            f"value at {args.trials} | searcher ms/trial |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        for name, row in sorted(tables[kind].items(), key=lambda kv: kv[1]["mean"]):
            ms = np.mean([r["searcher_s"] for r in raw[kind][name]]) / args.trials * 1e3
            print(
                f"| {name} | {row['mean']:.0f} ± {row['sd']:.0f} | {row['min']}–{row['max']} | {row['missed']} | "
                f"{row['final']:.5f} | {ms:.2f} |"
            )
    figure({k: curves[k] for k in args.kinds}, targets, args.trials, out / "searchers.png")
    (out / "searchers.json").write_text(
        json.dumps(
            {
                "seeds": args.seeds,
                "trials": args.trials,
                "concurrent": args.concurrent,
                "reference": vars(ref),
                "targets": targets,
                "tables": tables,
                "curves": {k: {n: [c.tolist() for c in v] for n, v in d.items()} for k, d in curves.items()},
            }
        )
    )
    print(
        f"\n{time.perf_counter() - wall:.0f} s in all, load {os.getloadavg()[0]:.1f}; "
        f"figure {out / 'searchers.png'}, curves {out / 'searchers.json'}"
    )


if __name__ == "__main__":
    main()
