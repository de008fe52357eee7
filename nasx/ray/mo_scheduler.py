"""`MOASHA`: a Ray Tune scheduler stopping the trials of a Pareto search early (nasx.ranking.rungs).

At each rung epoch a trial's point (validation accuracy, costs known before training) is recorded and ranked
among the points recorded at that rung; a trial outside the first ceil(n / η) stops. Each stop is kept in
`decisions` (nasx trial id -> the row's `stopped_at_rung`, `stop_reason`) for the executor to write into the
trial's row. A resumed search passes the rung records rebuilt from its rows (`records`).
"""

from __future__ import annotations

import math
from typing import Any

from ray.tune.schedulers import FIFOScheduler, TrialScheduler

from nasx.ranking.rungs import decide, point


class MOASHA(FIFOScheduler):
    """Asynchronous multi-objective successive halving on the evaluator's per-epoch reports (`epoch`,
    `val_top1`, `costs`); the final report (with `row`), and a report without a finite accuracy or cost, always
    pass."""

    def __init__(self, rungs: tuple[int, ...], eta: int, records: dict[int, dict[str, tuple]] | None = None) -> None:
        super().__init__()
        self.rungs, self.eta = tuple(rungs), eta
        self.records: dict[int, dict[str, tuple]] = {r: dict((records or {}).get(r, {})) for r in self.rungs}
        self.decisions: dict[str, dict[str, Any]] = {}

    def on_result(self, trial_id: str, result: dict) -> str:
        """The decision on one report of the nasx trial `trial_id`: CONTINUE or STOP."""
        epoch = result.get("epoch")
        if "row" in result or epoch not in self.records or "costs" not in result:
            return TrialScheduler.CONTINUE
        mine = point(result.get("val_top1", float("nan")), result["costs"])
        if not all(math.isfinite(v) for v in mine):  # not measured at this epoch (train.eval_every): no ranking
            return TrialScheduler.CONTINUE
        at_rung = self.records[epoch]
        at_rung[trial_id] = mine
        ids = list(at_rung)
        decision = decide([at_rung[t] for t in ids], ids.index(trial_id), self.eta, epoch)
        if decision.keep:
            return TrialScheduler.CONTINUE
        self.decisions[trial_id] = {"stopped_at_rung": epoch, "stop_reason": decision.reason()}
        return TrialScheduler.STOP

    def on_trial_result(self, tune_controller, trial, result: dict) -> str:
        return self.on_result(trial.config["trial_id"], result)

    def stop_columns(self, trial_id: str) -> dict[str, Any]:
        """The row columns of a trial this scheduler stopped (empty if it did not)."""
        return self.decisions.pop(trial_id, {})
