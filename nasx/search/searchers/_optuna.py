"""The Optuna side shared by `tpe` and `nsga2`: one in-memory study driven by `study.ask()` / `study.tell()`.

A point the space rejects (invalid or over budget) is told to Optuna as pruned, so the sampler
learns to avoid it, and another trial is asked, at most `max_rejections` times in a row.
An outcome becomes: ok -> its objective values; pruned -> pruned, after reporting its objective
(when single and finite) as the last intermediate value; failed or non-finite -> failed.
"""
from __future__ import annotations

import math

import optuna
from optuna.trial import TrialState

from nasx.search.searchers.base import Outcome, Proposal, Searcher
from search_spaces.base import Rejected

DIRECTION = {"max": "maximize", "min": "minimize"}


class OptunaSearcher(Searcher):
    """A searcher whose proposals come from an Optuna sampler (`_sampler()` in the subclass)."""

    def __init__(self, space, *, max_rejections: int = 1000, **options) -> None:
        super().__init__(space, **options)
        if max_rejections < 1:
            raise ValueError(f"searcher {self.name}: max_rejections={max_rejections} must be >= 1")
        self.max_rejections = int(max_rejections)
        self.rejections = 0  # all points the space rejected so far
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.study = optuna.create_study(sampler=self._sampler(),
                                         directions=[DIRECTION[d] for _, d in self.objectives])
        self._trials: dict[int, optuna.Trial] = {}  # proposal id -> its Optuna trial

    def _sampler(self) -> optuna.samplers.BaseSampler:
        raise NotImplementedError

    def _propose(self):
        last = ""
        for _ in range(self.max_rejections):
            trial = self.study.ask()
            try:
                spec = self.space.suggest(trial)
            except Rejected as exc:
                self.study.tell(trial, state=TrialState.PRUNED)
                self.rejections += 1
                last = str(exc)
                continue
            self._trials[len(self.proposals)] = trial
            return self.space.values_from(trial.params), spec
        raise ValueError(f"searcher {self.name}: the space rejected {self.max_rejections} proposals in a row "
                         f"(last: {last}); widen the space's budget")

    def _observe(self, proposal: Proposal, outcome: Outcome) -> None:
        trial = self._trials.pop(proposal.id)
        values = self.objective_values(outcome)
        if values is not None:
            self.study.tell(trial, list(values))
        elif outcome.status == "pruned":
            value = outcome.metrics.get(self.objectives[0][0])
            if len(self.objectives) == 1 and isinstance(value, (int, float)) and math.isfinite(value):
                trial.report(float(value), int(outcome.metrics.get("epochs", 0)))
            self.study.tell(trial, state=TrialState.PRUNED)
        else:
            self.study.tell(trial, state=TrialState.FAIL)
