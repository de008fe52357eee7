"""`make_table`: a space's latency table, measured: every distinct unit once, then a few whole networks that
fit the terms turning a sum of units into a network's latency."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from nasx import log, search_spaces
from nasx.latency import measure
from nasx.latency.measure import DEFAULT_TIMING, Timing
from nasx.latency.space_units import coverage, space_units
from nasx.latency.table import LatencyTable, Setting, fit, loo_rms_pct

CALIBRATION_NETWORKS = 100  # whole networks measured to fit the constant and the correction
CALIBRATION_SEED = 1  # their draw, apart from the validation's
MODELS = ("additive", "corrected")  # the sum plus a constant; the least-squares correction of scale and per unit
PROGRESS_EVERY_S = 10.0  # seconds between progress lines


class Progress:
    """`done/total (share), elapsed, about N left` lines, at most one every PROGRESS_EVERY_S seconds and at the end."""

    def __init__(self, what: str, total: int, out: Callable[[str], None]) -> None:
        self.what, self.total, self.out = what, total, out
        self.start = self.last = time.perf_counter()

    def step(self, done: int) -> None:
        now = time.perf_counter()
        if now - self.last < PROGRESS_EVERY_S and done < self.total:
            return
        self.last, elapsed = now, now - self.start
        left = elapsed / done * (self.total - done) if done else float("nan")
        self.out(
            f"{self.what} {done:,}/{self.total:,} ({done / self.total:.0%}), {elapsed:.0f} s, about {left:.0f} s left"
        )


def make_table(
    space_name: str,
    setting: Setting,
    *,
    timing: Timing = DEFAULT_TIMING,
    calibration: int = CALIBRATION_NETWORKS,
    networks: int | None = None,
    space_options: dict | None = None,
    known: dict[str, float] | None = None,
    out: Callable[[str], None] = log.lines("latency"),
) -> LatencyTable:
    """Measure the units of `space_name` at full scale (the space's resolution and classes) under `setting`,
    then `calibration` whole networks; `networks`: the sample whose units make a table of a space that does not
    list its units (default `space_units`'). `known`: units already measured under the same setting on this
    machine (an earlier table's), not measured again. ValueError for a device that is not here."""
    measure.check_device(setting)
    start = time.perf_counter()
    space = search_spaces.get(space_name, **(space_options or {}))
    units, enumeration = space_units(space) if networks is None else space_units(space, networks=networks)
    covered = coverage(units, space)
    out(
        f"latency table of space {space_name}: {len(units):,} distinct units ({enumeration}; they hold "
        f"{covered['units']:.1%} of the units of {covered['networks']} fresh networks), {setting.device}, "
        f"batch {setting.batch}, {setting.dtype}, {setting.threads} thread(s)"
    )
    units_ms = {key: ms for key, ms in (known or {}).items() if key in units}
    todo = [(key, unit) for key, unit in units.items() if key not in units_ms]
    if units_ms:
        out(f"{len(units_ms):,} units already measured: {len(todo):,} to measure")
    progress = Progress("units", len(todo), out)
    for i, (key, unit) in enumerate(todo, 1):
        units_ms[key] = measure.unit_ms(unit, setting, timing)
        progress.step(i)
    units_ms = {key: units_ms[key] for key in units}  # in the space's order
    units_s = time.perf_counter() - start
    table = LatencyTable(
        space=space_name,
        setting=setting,
        fingerprint=measure.machine(setting),
        units_ms=units_ms,
        enumeration=enumeration,
        coverage=covered,
    )
    rows = calibrate(table, space, calibration, timing, out)
    sums, counts, whole = ([r[k] for r in rows] for k in ("units_ms", "units", "measured_ms"))
    loo = {model: loo_rms_pct(sums, counts, whole, corrected=model == "corrected") for model in MODELS}
    model = "corrected" if loo["corrected"] < loo["additive"] else "additive"
    out(
        f"calibration: leave-one-out RMS error {loo['additive']:.2f}% additive (sum + constant), "
        f"{loo['corrected']:.2f}% corrected (scale, constant, per unit): the table predicts by the {model} model"
    )
    return LatencyTable(
        **{
            **vars(table),
            "fit": fit(sums, counts, whole, corrected=model == "corrected"),
            "additive": fit(sums, counts, whole, corrected=False),
            "calibration": rows,
            "build": {
                "wall_s": time.perf_counter() - start,
                "units_s": units_s,
                "warmup": timing.warmup,
                "iters": timing.iters,
                "calibration_networks": len(rows),
                "calibration_seed": CALIBRATION_SEED,
                "model": model,
                "loo_rms_pct": loo,
            },
        }
    )


def calibrate(table: LatencyTable, space, count: int, timing: Timing, out: Callable[[str], None]) -> list[dict]:
    """`count` networks of the space (seed CALIBRATION_SEED) that the table covers, each measured whole:
    arch, measured_ms, units_ms (the sum of its units), units."""
    from nasx.arch.codec import encode

    rng = np.random.default_rng(CALIBRATION_SEED)
    rows: list[dict] = []
    progress = Progress("calibration networks", count, out)
    for _ in range(50 * count):
        if len(rows) == count:
            break
        spec = space.sample(rng)
        try:
            total, units = table.units_sum_ms(spec)
        except ValueError:
            continue  # a sampled table need not hold every network's units
        measured = measure.network_ms(spec, table.setting, timing)
        rows.append({"arch": encode(spec), "measured_ms": measured, "units_ms": total, "units": units})
        progress.step(len(rows))
    if not rows:
        raise ValueError(f"space {table.space}: the table holds the units of none of {50 * count} sampled networks")
    return rows
