"""`FrontHalving`: a Ray Tune scheduler halving the cohorts of a Pareto search synchronously (nasx.ranking.cohorts).

A trial joins a cohort when Tune adds it. At a rung epoch it is PAUSEd (Tune keeps the checkpoint it reported
with that result) until its cohort is decided there; then the first ceil(n / η) are unpaused
(`choose_trial_to_run` hands them back to Tune, which restores them from their checkpoints) and the others
are stopped. Each stop is kept in `decisions` (nasx trial id -> the row's `stopped_at_rung`, `stop_reason`),
and the rung report of a trial stopped while paused in `last` (Tune completes it without a result). The
executor's searcher calls `close` when the ledger has no next trial: the open cohort is decided without
waiting for more members.
"""

from __future__ import annotations

from typing import Any

from ray.tune.experiment import Trial
from ray.tune.schedulers import FIFOScheduler, TrialScheduler

from nasx.ranking.cohorts import Cohorts
from nasx.ranking.rungs import Decision, point


class FrontHalving(FIFOScheduler):
    """Synchronous front halving on the evaluator's per-epoch reports (`epoch`, `val_top1`, `costs`); the final
    report (with `row`) always passes."""

    def __init__(self, cohorts: Cohorts) -> None:
        super().__init__()
        self.cohorts = cohorts
        self.trials: dict[str, Trial] = {}  # nasx trial id -> Tune's trial
        self.unpause: dict[str, Trial] = {}  # trials kept by a decision while paused, until they report again
        self.queued: dict[str, Decision] = {}  # decisions made outside a Tune callback (`close`)
        self.decisions: dict[str, dict[str, Any]] = {}
        self.last: dict[str, dict] = {}  # rung report of each paused trial

    def on_trial_add(self, tune_controller, trial: Trial) -> None:
        nasx_id = trial.config["trial_id"]
        self.trials[nasx_id] = trial
        if not trial.config.get("family"):  # references train to the end, outside the cohorts
            self.cohorts.join(nasx_id)

    def on_trial_result(self, tune_controller, trial: Trial, result: dict) -> str:
        nasx_id = trial.config["trial_id"]
        self.unpause.pop(nasx_id, None)  # running again
        epoch = result.get("epoch")
        if "row" in result or epoch not in self.cohorts.rungs or "costs" not in result:
            return TrialScheduler.CONTINUE
        mine = point(result.get("val_top1", float("nan")), result["costs"])
        decisions = self.cohorts.report(nasx_id, epoch, mine)
        mine_decided = decisions.pop(nasx_id, None)
        self._apply(tune_controller, decisions)
        if mine_decided is not None:
            return self._verdict(nasx_id, mine_decided)
        if not self.cohorts.waiting(nasx_id):  # not ranked at this epoch (not evaluated): goes on
            return TrialScheduler.CONTINUE
        self.last[nasx_id] = dict(result)
        return TrialScheduler.PAUSE

    def on_trial_complete(self, tune_controller, trial: Trial, result: dict) -> None:
        self._ended(tune_controller, trial)

    def on_trial_error(self, tune_controller, trial: Trial) -> None:
        self._ended(tune_controller, trial)

    def on_trial_remove(self, tune_controller, trial: Trial) -> None:
        self._ended(tune_controller, trial)

    def choose_trial_to_run(self, tune_controller) -> Trial | None:
        """A kept trial to run again first, then a pending one; applies the decisions `close` made."""
        if self.queued:
            queued, self.queued = self.queued, {}
            self._apply(tune_controller, queued)
        for trial in self.unpause.values():
            if trial.status == Trial.PAUSED:
                return trial
        for trial in tune_controller.get_trials():
            if trial.status == Trial.PENDING:
                return trial
        return None

    def close(self) -> None:
        """No more trials will join the open cohort (the ledger has no next trial)."""
        self.queued.update(self.cohorts.close())

    def waiting(self) -> int:
        """How many trials are paused at a rung not decided yet."""
        return sum(1 for t in self.cohorts.cohort_of if self.cohorts.waiting(t) and t not in self.cohorts.ended)

    def stop_columns(self, trial_id: str) -> dict[str, Any]:
        """The row columns of a trial this scheduler stopped (empty if it did not)."""
        self.last.pop(trial_id, None)
        return self.decisions.pop(trial_id, {})

    def last_result(self, trial_id: str) -> dict | None:
        """The rung report of a trial stopped while paused."""
        return self.last.get(trial_id)

    def _verdict(self, nasx_id: str, decision: Decision) -> str:
        if decision.keep:
            return TrialScheduler.CONTINUE
        self.decisions[nasx_id] = {"stopped_at_rung": decision.rung, "stop_reason": decision.reason()}
        return TrialScheduler.STOP

    def _apply(self, tune_controller, decisions: dict[str, Decision]) -> None:
        """Unpause the kept trials and stop the others among those paused."""
        for nasx_id, decision in decisions.items():
            trial = self.trials[nasx_id]
            if self._verdict(nasx_id, decision) == TrialScheduler.CONTINUE:
                self.unpause[nasx_id] = trial
            else:  # paused, or still saving on its way to the pause
                tune_controller.stop_trial(trial)

    def _ended(self, tune_controller, trial: Trial) -> None:
        self.unpause.pop(trial.config["trial_id"], None)
        self._apply(tune_controller, self.cohorts.end(trial.config["trial_id"]))
