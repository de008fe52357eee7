"""Multi-objective early stopping: does MO-ASHA buy a better accuracy-MACs front at equal wall time?

    python -m bench.mo_early_stop [--seeds 3] [--budget 24] [--stop-budget 48] [--epochs 8] [--out DIR]
                                  [--set KEY=VALUE ...]

Real `nasx search` runs on digits at proxy scale (conf/search.yaml's defaults: 16x16 digits, the mnasnet
space, quarter-width proxies), Pareto objective (val/top1 up, full-scale MACs down), four arms (`--arms`) for each of
`--seeds` seeds:

- nsga2: NSGA-II, every trial trains `--epochs` epochs (`--budget` trials);
- nsga2+mo_asha: NSGA-II with `search.scheduler=mo_asha` (rungs at 1, 2, 4, ... epochs, eta 2);
- random+mo_asha: random search with it;
- nsga2+front_halving: NSGA-II with `search.scheduler=front_halving` (synchronous, cohorts of eta^rungs trials).

The arms with stopping get `--stop-budget` trials, so that each arm spends about as many trial-seconds
(the sum of the rows' `wall_s`); every arm is then cut at the same budget of trial-seconds, the smallest total
of any run, and scored by its hypervolume (`nasx.analysis.hypervolume`: accuracy x decades of full-scale
MACs, reference point accuracy 0 and twice the largest MACs of the bench) against wall time since the first trial
started. It prints, per arm, the hypervolume at that budget and at the shortest wall time of any run (mean,
sample standard deviation over seeds) and the number of trials and stops; and, for the multi-objective
fidelity question, the fraction of the final front of each no-stopping run that MO-ASHA's ranking
(`nasx.ranking.rungs`, replayed on that run's learning curves in completion order) would have stopped at a
rung. A difference counts only where it exceeds the seeds' spread. Writes `mo_early_stop.png` (hypervolume
against wall time, mean over seeds, shaded min to max) and `mo_early_stop.json` to `--out`.

Expected duration on a 2-core CPU at the defaults: about 45-60 minutes (twelve searches; a no-stopping search
of 24 trials of 8 epochs takes some 5-8 minutes). A check that it runs, in about 3 minutes:
`python -m bench.mo_early_stop --seeds 1 --budget 3 --stop-budget 4 --epochs 2 --set data.resolution=8`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from nasx import results
from nasx.analysis.hypervolume import Reference, hypervolume
from nasx.ranking.pareto import pareto_mask
from nasx.ranking.rungs import decide, point, rung_epochs

ARMS = {
    "nsga2": ("search=nsga2",),
    "nsga2+mo_asha": ("search=nsga2", "search.scheduler=mo_asha"),
    "random+mo_asha": ("search=random", "search.scheduler=mo_asha"),
    "nsga2+front_halving": ("search=nsga2", "search.scheduler=front_halving"),
}
COST = "full_macs"
ETA, GRACE = 2, 1


def search(arm: str, seed: int, budget: int, epochs: int, run_dir: Path, extra: list[str]) -> float:
    """One `nasx search` in a subprocess; returns its wall seconds."""
    args = [
        *ARMS[arm],
        f"seed={seed}",
        f"budget={budget}",
        f"train.epochs={epochs}",
        "objective.mode=multi",
        "objective.metric=macs",
        "objective.scale=full",
        f"search.reduction_factor={ETA}",
        f"search.grace_epochs={GRACE}",
        "confirm.after_search=false",
        f"run_dir={run_dir}",
        *extra,
    ]
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "nasx", "search", *args], check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - start


def curve(frame, ref: Reference) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(wall seconds since the first trial started, cumulative trial-seconds, hypervolume) after each row."""
    frame = frame[frame["family"].fillna("") == ""].sort_values("order")
    finished = frame["finished_at"].to_numpy(float)
    wall = frame["wall_s"].fillna(0).to_numpy(float)
    t0 = float(np.nanmin(finished - wall))
    acc, cost = frame["val/top1"].to_numpy(float), frame[COST].to_numpy(float)
    ok = (frame["status"] == "ok").to_numpy()
    hv = [hypervolume(acc[: i + 1][ok[: i + 1]], cost[: i + 1][ok[: i + 1]], ref) for i in range(len(frame))]
    return finished - t0, np.cumsum(wall), np.array(hv)


def at(x: np.ndarray, y: np.ndarray, limit: float) -> float:
    """The last y with x <= limit (0 before the first)."""
    inside = y[x <= limit]
    return float(inside[-1]) if len(inside) else 0.0


def stopped_front_fraction(frame, curves, epochs: int) -> float:
    """The fraction of a no-stopping run's final front that MO-ASHA would have stopped, its decisions replayed
    on the run's curves in completion order."""
    frame = frame[(frame["family"].fillna("") == "") & (frame["status"] == "ok")].sort_values("order")
    rungs = rung_epochs(GRACE, ETA, epochs)
    val = {(t, int(e)): float(v) for t, e, v in zip(curves["trial_id"], curves["epoch"], curves["val/top1"])}
    records: dict[int, list[tuple]] = {r: [] for r in rungs}
    stopped = set()
    for trial, cost in zip(frame["trial_id"], frame[COST].astype(float)):
        for rung in rungs:
            records[rung].append(point(val.get((trial, rung), float("nan")), [cost]))
            if not decide(records[rung], len(records[rung]) - 1, ETA, rung).keep:
                stopped.add(trial)
                break
    front = frame[pareto_mask(frame["val/top1"].astype(float), frame[COST].astype(float))]
    return sum(t in stopped for t in front["trial_id"]) / max(len(front), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--budget", type=int, default=24, help="trials of the no-stopping arm")
    parser.add_argument("--stop-budget", type=int, default=48, help="trials of the arms with MO-ASHA")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--set", nargs="*", default=[], help="more `nasx search` overrides, KEY=VALUE")
    parser.add_argument("--arms", nargs="+", choices=list(ARMS), default=list(ARMS))
    a = parser.parse_args()
    out = a.out or Path(tempfile.mkdtemp(prefix="mo_early_stop-"))
    out.mkdir(parents=True, exist_ok=True)
    runs: dict[str, list[dict]] = {arm: [] for arm in a.arms}
    total = len(a.arms) * a.seeds
    for i, (seed, arm) in enumerate((s, arm) for s in range(a.seeds) for arm in a.arms):
        budget = a.budget if arm == "nsga2" else a.stop_budget
        run_dir = out / f"{arm}-s{seed}"
        print(f"[{i + 1}/{total}] {arm} seed {seed}: {budget} trials of {a.epochs} epochs", flush=True)
        wall_s = search(arm, seed, budget, a.epochs, run_dir, a.set)
        frame = results.load(run_dir)
        runs[arm].append({"seed": seed, "wall_s": wall_s, "frame": frame, "curves": results.curves.load(run_dir)})
        print(f"    {wall_s:.0f} s, {int((frame['status'] == 'pruned').sum())} of {len(frame)} stopped", flush=True)

    every = [r["frame"] for rs in runs.values() for r in rs]
    ref = Reference(0.0, 2.0 * max(float(f[COST].astype(float).max()) for f in every))
    for rs in runs.values():
        for r in rs:
            r["wall"], r["trial_s"], r["hv"] = curve(r["frame"], ref)
    budget_s = min(float(r["trial_s"][-1]) for rs in runs.values() for r in rs)
    wall_end = min(float(r["wall"][-1]) for rs in runs.values() for r in rs)
    print(f"\nequal budget: {budget_s:.0f} trial-seconds; equal wall time: {wall_end:.0f} s; reference {ref}")
    print(f"{'arm':<20} {'HV @ budget':>18} {'HV @ wall time':>18} {'trials':>7} {'stopped':>8}")
    summary = {}
    for arm, rs in runs.items():
        hv_b = [at(r["trial_s"], r["hv"], budget_s) for r in rs]
        hv_w = [at(r["wall"], r["hv"], wall_end) for r in rs]
        sd = lambda v: float(np.std(v, ddof=1)) if len(v) > 1 else float("nan")
        trials = int(np.mean([len(r["frame"]) for r in rs]))
        stopped = int(np.mean([(r["frame"]["status"] == "pruned").sum() for r in rs]))
        summary[arm] = {"hv_at_budget": hv_b, "hv_at_wall": hv_w, "trials": trials, "stopped": stopped}
        print(
            f"{arm:<20} {np.mean(hv_b):>9.3f} ± {sd(hv_b):<6.3f} {np.mean(hv_w):>9.3f} ± {sd(hv_w):<6.3f} "
            f"{trials:>7} {stopped:>8}"
        )
    fractions = [stopped_front_fraction(r["frame"], r["curves"], a.epochs) for r in runs.get("nsga2", [])]
    summary["front_stopped_fraction"] = fractions
    if fractions:
        print(f"\nfraction of the no-stopping front MO-ASHA would have stopped: {np.mean(fractions):.2f} ({fractions})")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    grid = np.linspace(0, wall_end, 200)
    for arm, rs in runs.items():
        ys = np.array([[at(r["wall"], r["hv"], t) for t in grid] for r in rs])
        ax.plot(grid, ys.mean(axis=0), label=arm)
        ax.fill_between(grid, ys.min(axis=0), ys.max(axis=0), alpha=0.2)
    ax.set_xlabel("wall time since the first trial started (s)")
    ax.set_ylabel("hypervolume (accuracy x decades of full MACs)")
    ax.set_title(f"digits, proxy scale, {a.seeds} seeds: MO-ASHA against training every trial")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "mo_early_stop.png", dpi=120)
    (out / "mo_early_stop.json").write_text(
        json.dumps({"budget_s": budget_s, "wall_s": wall_end, "reference": [ref.acc, ref.macs], **summary}, indent=1)
    )
    print(f"figure: {out / 'mo_early_stop.png'}; numbers: {out / 'mo_early_stop.json'}")


if __name__ == "__main__":
    main()
