"""`nsga2`: Optuna's NSGA-II (Deb et al., 2002), seeded, over every objective (e.g. val/top1 up, macs down)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import optuna

from nasx.search.searchers import register
from nasx.search.searchers.optuna_study import OptunaSearcher

if TYPE_CHECKING:
    from nasx.search_spaces.base import Space


@register("nsga2")
class NSGA2Searcher(OptunaSearcher):
    """Generations of `population_size` proposals; directions come from `objectives`. The first
    generation is random, and Optuna's parents of generation 1 are the whole of generation 0, so
    selection starts biting from the third generation: at Optuna's default of 50 that is trial 100+,
    and on `bench.searchers` NSGA-II at 50 matched random search's 100-trial result no sooner than
    random search itself; at 24 it needs about half as many trials. `mutation_prob`: Optuna's
    per-parameter mutation probability (None: 1 / number of parameters)."""

    def __init__(
        self, space: Space, *, population_size: int = 24, mutation_prob: float | None = None, **options: Any
    ) -> None:
        if population_size < 2:
            raise ValueError(f"searcher nsga2: population_size={population_size} must be >= 2")
        if mutation_prob is not None and not 0.0 <= mutation_prob <= 1.0:
            raise ValueError(f"searcher nsga2: mutation_prob={mutation_prob} must be in [0, 1] (or null)")
        self.population_size = int(population_size)
        self.mutation_prob = None if mutation_prob is None else float(mutation_prob)
        super().__init__(space, **options)

    def _sampler(self, seed: int) -> optuna.samplers.BaseSampler:
        return optuna.samplers.NSGAIISampler(
            seed=seed, population_size=self.population_size, mutation_prob=self.mutation_prob
        )
