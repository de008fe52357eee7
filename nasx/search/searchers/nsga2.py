"""`nsga2`: Optuna's NSGA-II (Deb et al., 2002), seeded, over every objective (e.g. val/top1 up, macs down)."""
from __future__ import annotations

import optuna

from nasx.search.searchers import register
from nasx.search.searchers._optuna import OptunaSearcher


@register("nsga2")
class NSGA2Searcher(OptunaSearcher):
    """Generations of `population_size` proposals; directions come from `objectives`."""

    def __init__(self, space, *, population_size: int = 50, **options) -> None:
        if population_size < 2:
            raise ValueError(f"searcher nsga2: population_size={population_size} must be >= 2")
        self.population_size = int(population_size)
        super().__init__(space, **options)

    def _sampler(self, seed: int):
        return optuna.samplers.NSGAIISampler(seed=seed, population_size=self.population_size)
