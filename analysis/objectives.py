"""A Pareto search's objectives as its runs' configs state them, and its front in all of them.

A run whose config has `objective.mode: multi` optimised validation accuracy and each cost of
`objective.metrics` (or `objective.metric` alone), each read from its results column
(`nasx.reward.cost_column`: full_macs / full_params at scale full, latency_ms as measured). The front
is the non-dominated set in all of them (`nasx.ranking.pareto.nondominated`). A finished row with a
cost missing (NaN: a latency that was not measured) is not on the front; `missing_note` says so once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nasx.analysis.frame import ACC, as_float, finished_in, searched
from nasx.ranking.pareto import minimised, nondominated
from nasx.reward import METRICS, cost_column


def cost_columns(config: dict) -> tuple[str, ...]:
    """The cost columns a run's config optimised in a Pareto search; () when it is not one (or unreadable)."""
    objective = config.get("objective") if isinstance(config, dict) else None
    if not isinstance(objective, dict) or objective.get("mode") != "multi":
        return ()
    costs = objective.get("metrics") or [objective.get("metric", "macs")]
    if not isinstance(costs, list) or not all(c in METRICS for c in costs):
        return ()
    return tuple(cost_column(c, str(objective.get("scale", "full"))) for c in costs)


def search_objectives(configs: list[dict]) -> tuple[str, ...]:
    """The cost columns of the first run that searched in more than two objectives; () when none did."""
    for config in configs:
        columns = cost_columns(config)
        if len(columns) >= 2:
            return columns
    return ()


def front_mask(frame: pd.DataFrame, columns, acc: str = ACC) -> np.ndarray:
    """True on the rows of `frame` that are on the front in (accuracy up, every cost down); a row with a
    missing cost never is."""
    values = np.column_stack([as_float(frame[acc]), *(as_float(frame[c]) for c in columns)])
    values[~frame.index.isin(finished_in(frame, columns, acc).index)] = np.nan
    return nondominated(minimised(values, ("max", *("min",) * len(columns))))


def front(frame: pd.DataFrame, columns, acc: str = ACC) -> pd.DataFrame:
    """The searched rows on the front in all objectives, cheapest in the first cost first."""
    rows = searched(finished_in(frame, columns, acc))
    on = rows[front_mask(rows, columns, acc)]
    return on.iloc[np.lexsort((-as_float(on[acc]), *(as_float(on[c]) for c in reversed(columns))))]


def missing_note(frame: pd.DataFrame, columns, acc: str = ACC) -> str:
    """One line naming how many finished searched rows lack a cost (and so are not on the front), '' if none."""
    ok = (frame["status"] == "ok").fillna(False).to_numpy(bool) & np.isfinite(as_float(frame[acc]))
    done = searched(frame[ok])
    lacking = {c: int((~np.isfinite(as_float(done[c])) | (as_float(done[c]) <= 0)).sum()) for c in columns}
    lacking = {c: n for c, n in lacking.items() if n}
    if not lacking:
        return ""
    parts = ", ".join(f"{n} without {c}" for c, n in lacking.items())
    return f"finished searched trials lacking a cost ({parts}) are not on the front and add no hypervolume"
