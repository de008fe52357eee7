"""A space's latency table: how long it takes to build, how well it predicts whole networks, what a prediction costs.

    python -m bench.latency_table [--space mnasnet] [--networks 200] [--calibration 100] [--threads 1]
                                  [--warmup 5] [--iters 20] [--out PATH]

Builds the table of `--space` on this CPU (batch 1, fp32, `--threads` threads; every distinct unit measured once
at full scale, then the calibration networks), timing the build; validates it on `--networks` sampled networks
measured whole; prints the share within ±10% (target ≥ 90%, goal 99%) and ±5%, RMSE, RMS percentage error and
Kendall τ of the table's model and of the plain additive model (sum + constant), and the cost of one prediction
(median over the validation networks, then best of 5 rounds over them all). Run it on a quiet machine: for
`mnasnet` (5,241 units) expect about 10 minutes for the table and 5 more for 200 networks at one thread.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from dataclasses import replace

import torch

from nasx import log, search_spaces
from nasx.analysis.latency_error import prediction_error
from nasx.arch.codec import decode
from nasx.latency import make, measure, validate
from nasx.latency.measure import Timing
from nasx.latency.table import Setting

TARGET_WITHIN_10PCT, GOAL_WITHIN_10PCT = 0.90, 0.99
TARGET_BUILD_S = 15 * 60


def prediction_cost_ms(table, archs: list[str]) -> float:
    """Best of 5 rounds of the mean time of one prediction over `archs` (decoded beforehand), in ms."""
    specs = [decode(a) for a in archs]
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for spec in specs:
            table.predict_ms(spec)
        best = min(best, (time.perf_counter() - start) / len(specs))
    return best * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", default="mnasnet", choices=search_spaces.names())
    parser.add_argument("--networks", type=int, default=validate.VALIDATION_NETWORKS)
    parser.add_argument("--calibration", type=int, default=make.CALIBRATION_NETWORKS)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=measure.WARMUP)
    parser.add_argument("--iters", type=int, default=measure.ITERS)
    parser.add_argument("--out", default=None, help="also write the validated table there")
    args = parser.parse_args()
    setting, timing = Setting(threads=args.threads), Timing(args.warmup, args.iters)
    print(
        f"machine: {measure.machine(setting)['device_name']}, {setting.threads} thread(s), batch 1, fp32, "
        f"python {platform.python_version()}, torch {torch.__version__}"
    )
    lines = log.lines("latency")
    with log.to_terminal():
        start = time.perf_counter()
        table = make.make_table(args.space, setting, timing=timing, calibration=args.calibration, out=lines)
        build_s = time.perf_counter() - start
        rows, skipped = validate.validation_rows(table, args.networks, timing=timing, out=lines)
    measured = [r["measured_ms"] for r in rows]
    verdict = "met" if build_s < TARGET_BUILD_S else "missed"
    print(
        f"table: {len(table.units_ms):,} units ({table.enumeration}), built in {build_s:.0f} s "
        f"(units {table.build['units_s']:.0f} s; target under {TARGET_BUILD_S} s: {verdict}); "
        f"model {table.build['model']} (leave-one-out RMS error: "
        + ", ".join(f"{k} {v:.2f}%" for k, v in table.build["loo_rms_pct"].items())
        + ")"
    )
    print(f"validation: {len(rows)} networks (seed {validate.VALIDATION_SEED}), {skipped} skipped (units not held)")
    for name, key in (("table", "predicted_ms"), ("additive", "additive_ms")):
        e = prediction_error(measured, [r[key] for r in rows])
        verdict = (
            "goal met"
            if e["within_10pct"] >= GOAL_WITHIN_10PCT
            else ("target met" if e["within_10pct"] >= TARGET_WITHIN_10PCT else "target missed")
        )
        print(
            f"  {name:8s} within ±10% {e['within_10pct']:.1%} ({verdict}), within ±5% {e['within_5pct']:.1%}, "
            f"RMSE {e['rmse_ms']:.3f} ms, RMS {e['rms_pct']:.2f}%, Kendall τ {e['kendall_tau']:.3f}"
        )
    first = statistics.median(1e3 * r["predict_s"] for r in rows)
    print(
        f"one prediction: {first:.3f} ms as the search first asks (median), "
        f"{prediction_cost_ms(table, [r['arch'] for r in rows]):.3f} ms once its stages are known (target under 1 ms)"
    )
    if args.out:
        table = replace(table, validation={"networks": len(rows), "skipped": skipped, "rows": rows})
        print(f"table: {table.save(args.out)}")


if __name__ == "__main__":
    main()
