"""`nasx latency table --space NAME --device cpu|cuda [--batch B] [--threads T] [--dtype fp32] [--validate N]
[--out PATH]`: a space's per-unit latency table, measured, fitted and validated against whole networks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nasx import log
from nasx.table import render

PROG = "nasx latency"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=f"{PROG} table",
        description="Measure every distinct unit (stem layer, block, head) a search space produces at full scale "
        "once, fit the constant that turns their sum into a network's latency, and validate the predictions "
        "against whole networks measured.",
    )
    p.add_argument("--space", default="mnasnet", help="a registered search space (default mnasnet)")
    p.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    p.add_argument("--batch", type=int, default=1, help="images per forward pass (default 1)")
    p.add_argument("--threads", type=int, default=1, help="CPU threads while measuring (default 1)")
    p.add_argument("--dtype", default="fp32", help="fp32 (default)")
    p.add_argument(
        "--validate", type=int, default=None, metavar="N", help="networks measured whole to validate (default 200)"
    )
    p.add_argument("--calibration", type=int, default=None, metavar="N", help="networks fitting the correction (100)")
    p.add_argument("--networks", type=int, default=None, help="a space that does not list its units: sample size")
    p.add_argument("--warmup", type=int, default=None, help="untimed forward passes per measurement (default 5)")
    p.add_argument("--iters", type=int, default=None, help="timed forward passes per measurement, median (20)")
    p.add_argument(
        "--out",
        default=None,
        help="the table file (default latency_tables/SPACE-DEVICE-bB-tT-DTYPE.json); a table "
        "already there, of the same space and setting on this machine, keeps its measured units",
    )
    return p


def default_out(space: str, setting) -> Path:
    return Path("latency_tables") / (
        f"{space}-{setting.device}-b{setting.batch}-t{setting.threads}-{setting.dtype}.json"
    )


def _check_counts(args) -> None:
    from nasx import checks

    for name, low in (("validate", 0), ("calibration", 1), ("networks", 1), ("warmup", 0), ("iters", 1)):
        value = getattr(args, name)
        if value is not None:
            checks.check_int(f"--{name}", value, low)


def run(args) -> None:
    from nasx import search_spaces
    from nasx.latency import make, measure, table, validate
    from nasx.latency.measure import Timing

    setting = table.Setting(device=args.device, batch=args.batch, dtype=args.dtype, threads=args.threads)
    setting.check(prefix="--")
    _check_counts(args)
    if args.space not in search_spaces.names():
        raise ValueError(f"--space={args.space!r}: choose one of {', '.join(search_spaces.names())}")
    measure.check_device(setting)
    out = Path(args.out) if args.out else default_out(args.space, setting)
    known: dict[str, float] = {}
    if out.exists():
        old = table.load(out)
        if old.space != args.space:
            raise ValueError(f"--out {out} holds the latency table of space {old.space}, not {args.space}")
        why = old.mismatch(setting, measure.machine(setting))
        if why is not None:
            raise ValueError(f"--out {out}: {why}; choose another --out")
        known = old.units_ms
    timing = Timing(
        warmup=Timing.warmup if args.warmup is None else args.warmup,
        iters=Timing.iters if args.iters is None else args.iters,
    )
    lines = log.lines("latency")
    built = make.make_table(
        args.space,
        setting,
        timing=timing,
        calibration=make.CALIBRATION_NETWORKS if args.calibration is None else args.calibration,
        networks=args.networks,
        known=known,
        out=lines,
    )
    built.save(out)
    lines(f"table: {out} ({len(built.units_ms):,} units, built in {built.build['wall_s']:.0f} s)")
    count = validate.VALIDATION_NETWORKS if args.validate is None else args.validate
    if count:
        built = validated(built, count, timing, lines)
        built.save(out)
        lines(f"table: {out} (with its validation)")


def validated(built, count: int, timing, lines):
    """`built` with the validation of `count` networks written in, the statistics printed."""
    from dataclasses import replace

    from nasx.analysis.latency_error import prediction_error
    from nasx.latency import validate

    rows, skipped = validate.validation_rows(built, count, timing=timing, out=lines)
    measured = [r["measured_ms"] for r in rows]
    stats = {
        "corrected": prediction_error(measured, [r["predicted_ms"] for r in rows]),
        "additive": prediction_error(measured, [r["additive_ms"] for r in rows]),
    }
    predict_ms = sorted(1e3 * r["predict_s"] for r in rows)[len(rows) // 2]
    validation = {
        "networks": len(rows),
        "seed": validate.VALIDATION_SEED,
        "skipped": skipped,
        "predict_ms_median": predict_ms,
        **stats,
        "rows": rows,
    }
    for line in describe(validation):
        lines(line)
    return replace(built, validation=validation)


def describe(validation: dict) -> list[str]:
    """The validation as terminal lines: one row per model."""
    rows = [
        [
            name,
            f"{s['within_10pct']:.1%}",
            f"{s['within_5pct']:.1%}",
            f"{s['rmse_ms']:.3f}",
            f"{s['rms_pct']:.2f}",
            f"{s['kendall_tau']:.3f}",
        ]
        for name, s in ((n, validation[n]) for n in ("corrected", "additive"))
    ]
    head = (
        f"validation: {validation['networks']} networks measured whole against their prediction "
        f"(one prediction: {validation['predict_ms_median']:.3f} ms)"
    )
    if validation["skipped"]:
        head += f"; {validation['skipped']} drawn networks skipped (a unit not in the table)"
    table = render(["model", "within ±10%", "within ±5%", "RMSE ms", "RMS %", "Kendall τ"], rows, right={1, 2, 3, 4, 5})
    return [head, *table.splitlines()]


def main(argv: list[str]) -> int:
    """Run the command on `argv` (the words after `nasx latency table`); errors as one line on stderr, exit 2."""
    args = parser().parse_args(argv)
    try:
        with log.to_terminal():
            run(args)
    except ValueError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
