"""`tpe`: Optuna's Tree-structured Parzen Estimator (Bergstra et al., 2011), seeded; with several
objectives Optuna's multi-objective TPE (Ozaki et al., 2020: good/bad split by non-domination rank)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import optuna

from nasx.search.searchers import register
from nasx.search.searchers.optuna_study import OptunaSearcher

if TYPE_CHECKING:
    from nasx.search_spaces.base import Space


@register("tpe")
class TPESearcher(OptunaSearcher):
    """`n_startup_trials` random proposals first, then TPE (Optuna's defaults otherwise); the sampler
    reads at most the last `max_history` finished trials (see `optuna_study`), so an ask costs no more at
    trial 10,000 than at trial 1,000."""

    def __init__(
        self, space: Space, *, n_startup_trials: int = 10, max_history: int | None = 1000, **options: Any
    ) -> None:
        self.n_startup_trials = int(n_startup_trials)
        super().__init__(space, max_history=max_history, **options)

    def _sampler(self, seed: int) -> optuna.samplers.BaseSampler:
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=self.n_startup_trials)
