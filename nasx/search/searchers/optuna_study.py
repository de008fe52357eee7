"""The Optuna side shared by `tpe` and `nsga2`: one in-memory study driven by `study.ask()` / `study.tell()`.

A point the space rejects (invalid or over budget) is told to Optuna as pruned, so the sampler
learns to avoid it, and another trial is asked, at most `max_rejections` times in a row.
An outcome becomes: ok -> its objective values; pruned -> pruned, after reporting its objective
(when single and finite) as the last intermediate value; failed or non-finite -> failed.

`max_history` bounds what the sampler reads: once the study holds that many finished trials, a fresh
study (with a fresh sampler seeded from the seed and the study's number) starts from the most recent
half of them, so a sampler whose cost grows with its history (TPE re-reads every trial on every ask)
costs at most that of `max_history` trials per ask, at trial 10,000 as at trial 1,000. A proposal
asked before the switch is told to the study it came from and copied into the current one; an old
study is dropped once none of its proposals is pending. None: the whole history, as Optuna does.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

import optuna
from optuna.trial import TrialState

from nasx import log
from nasx.search.searchers.base import Outcome, Proposal, Searcher

if TYPE_CHECKING:
    from nasx.search_spaces.base import Point, Rejected, Space
    from nasx.search_spaces.params import Value

DIRECTION: dict[str, Literal["maximize", "minimize"]] = {"max": "maximize", "min": "minimize"}
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
OPTUNA_QUIET = {"optuna": logging.WARNING}


class OptunaSearcher(Searcher):
    """A searcher whose proposals come from an Optuna sampler (`_sampler()` in the subclass)."""

    def __init__(
        self, space: Space, *, max_rejections: int = 1000, max_history: int | None = None, **options: Any
    ) -> None:
        super().__init__(space, **options)
        if max_rejections < 1:
            raise ValueError(f"searcher {self.name}: max_rejections={max_rejections} must be >= 1")
        if max_history is not None and (isinstance(max_history, bool) or int(max_history) < 2):
            raise ValueError(f"searcher {self.name}: max_history={max_history} must be >= 2 (or null: unbounded)")
        self.max_rejections = int(max_rejections)
        self.max_history = None if max_history is None else int(max_history)
        self.rejections = 0  # all points the space rejected so far
        self._storage = optuna.storages.InMemoryStorage()
        self.studies = 0  # studies started so far (1 + the number of history switches)
        self.study = self._new_study()
        self._trials: dict[int, optuna.Trial] = {}  # proposal id -> its Optuna trial

    def _sampler(self, seed: int) -> optuna.samplers.BaseSampler:
        raise NotImplementedError

    def _new_study(self) -> optuna.Study:
        self.studies += 1
        seed = self.seed if self.studies == 1 else (self.seed * 1_000_003 + self.studies) % 2**32
        with log.quieter(OPTUNA_QUIET):  # no "A new study created" line per study
            return optuna.create_study(
                storage=self._storage,
                study_name=f"{self.name}-{self.studies}",
                sampler=self._sampler(seed),
                directions=[DIRECTION[d] for _, d in self.objectives],
            )

    def _tell(
        self, trial: optuna.Trial, values: Sequence[float] | None = None, state: TrialState | None = None
    ) -> None:
        """Tell `trial` to its study; a trial of an earlier study is copied into the current one too."""
        trial.study.tell(trial, values, state=state)
        if trial.study is not self.study:
            self.study.add_trial(self._storage.get_trial(trial._trial_id))
            self._drop_if_done(trial.study)
        self._bound_history()

    def _drop_if_done(self, study: optuna.Study) -> None:
        if study is not self.study and not any(t.study is study for t in self._trials.values()):
            optuna.delete_study(study_name=study.study_name, storage=self._storage)

    def _bound_history(self) -> None:
        if self.max_history is None:
            return
        done = self.study._get_trials(deepcopy=False, states=FINISHED, use_cache=True)
        if len(done) >= self.max_history:
            keep, old = done[-(self.max_history // 2) :], self.study
            self.study = self._new_study()
            self.study.add_trials(keep)
            self._drop_if_done(old)

    def _asked(self, asked: list[optuna.Trial]) -> Iterator[dict[str, Value]]:
        """Values suggested by newly asked Optuna trials, `max_rejections` of them; each trial goes to `asked`."""
        for _ in range(self.max_rejections):
            trial = self.study.ask()
            asked.append(trial)
            yield {p.name: p.suggest(trial) for p in self.space.parameters()}

    def _propose(self) -> Point:
        asked: list[optuna.Trial] = []
        last = ""

        def rejected(exc: Rejected) -> None:
            nonlocal last
            self._tell(asked[-1], state=TrialState.PRUNED)
            self.rejections += 1
            last = str(exc)

        point = self.space.first_admitted(self._asked(asked), on_reject=rejected)
        if point is None:
            raise ValueError(
                f"searcher {self.name}: the space rejected {self.max_rejections} proposals in a row "
                f"(last: {last}); widen the space's budget"
            )
        self._trials[len(self.proposals)] = asked[-1]
        return point

    def _observe(self, proposal: Proposal, outcome: Outcome) -> None:
        trial = self._trials.pop(proposal.id)
        values = self.objective_values(outcome)
        if values is not None:
            self._tell(trial, list(values))
        elif outcome.status == "pruned":
            value = outcome.metrics.get(self.objectives[0][0])
            if len(self.objectives) == 1 and isinstance(value, (int, float)) and math.isfinite(value):
                trial.report(float(value), int(outcome.metrics.get("epochs", 0)))
            self._tell(trial, state=TrialState.PRUNED)
        else:
            self._tell(trial, state=TrialState.FAIL)
