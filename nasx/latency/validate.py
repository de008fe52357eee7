"""A latency table against the truth: sampled networks of its space measured whole beside their predictions
(the statistics of the error: `nasx.analysis.latency_error`)."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from nasx import log, search_spaces
from nasx.arch.codec import encode
from nasx.latency import measure
from nasx.latency.make import Progress
from nasx.latency.measure import DEFAULT_TIMING, Timing
from nasx.latency.table import LatencyTable

VALIDATION_NETWORKS = 200
VALIDATION_SEED = 2  # apart from the calibration's draw


def validation_rows(
    table: LatencyTable,
    networks: int = VALIDATION_NETWORKS,
    *,
    seed: int = VALIDATION_SEED,
    timing: Timing = DEFAULT_TIMING,
    space_options: dict | None = None,
    out: Callable[[str], None] = log.lines("latency"),
) -> tuple[list[dict], int]:
    """(rows, skipped): `networks` networks drawn from the table's space with `seed` that the table covers, each
    with arch, measured_ms, predicted_ms, additive_ms (the plain sum-plus-constant prediction) and predict_s (one
    prediction's cost); `skipped` networks held a unit the table lacks (a sampled table)."""
    measure.check_device(table.setting)
    space = search_spaces.get(table.space, **(space_options or {}))
    rng = np.random.default_rng(seed)
    rows: list[dict] = []
    skipped = 0
    progress = Progress("validation networks", networks, out)
    while len(rows) < networks:
        spec = space.sample(rng)
        t0 = time.perf_counter()
        try:
            predicted = table.predict_ms(spec)
        except ValueError:
            skipped += 1
            if skipped > 50 * networks:
                raise ValueError(
                    f"space {table.space}: the table holds the units of too few sampled networks"
                ) from None
            continue
        predict_s = time.perf_counter() - t0
        rows.append(
            {
                "arch": encode(spec),
                "measured_ms": measure.network_ms(spec, table.setting, timing),
                "predicted_ms": predicted,
                "additive_ms": table.predict_ms(spec, additive=True),
                "predict_s": predict_s,
            }
        )
        progress.step(len(rows))
    return rows, skipped
