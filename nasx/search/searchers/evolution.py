"""`evolution`: regularized (aging) evolution (Real et al., 2019, "Regularized Evolution for Image
Classifier Architecture Search", Algorithm 1), asynchronous.

The first `population_size` proposals (and any proposal made while no member lives yet) are
random points. After that, each proposal mutates the best of `sample_size` members drawn without
replacement: one parameter is resampled to a different value of its type (Choice: another value;
IntRange/FloatRange: a new draw from its range). A child the space rejects (invalid or over
budget) is replaced by another mutation of the same parent, `max_mutations` times at most, then by
a random point. Members join the population when their ok outcome is told; the oldest member dies
once it exceeds `population_size`. Failed and pruned outcomes never join.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from nasx.search.searchers import register
from nasx.search.searchers.base import Outcome, Proposal, Searcher
from nasx.search_spaces.params import Choice, Param, Value

if TYPE_CHECKING:
    from nasx.search_spaces.base import Point, Space


@register("evolution")
class EvolutionSearcher(Searcher):
    max_objectives = 1

    def __init__(
        self, space: Space, *, population_size: int = 20, sample_size: int = 5, max_mutations: int = 100, **options: Any
    ) -> None:
        super().__init__(space, **options)
        if not (population_size >= 2 and 1 <= sample_size <= population_size and max_mutations >= 1):
            raise ValueError(
                f"searcher evolution: need population_size >= 2, 1 <= sample_size <= population_size, "
                f"max_mutations >= 1; got {population_size}, {sample_size}, {max_mutations}"
            )
        self.population_size, self.sample_size = int(population_size), int(sample_size)
        self.max_mutations = int(max_mutations)
        self.population: deque[tuple[int, float]] = deque()  # (proposal id, score), oldest first
        self._mutable: list[Param] = [p for p in space.parameters() if p.count() > 1]

    def _propose(self) -> Point:
        if len(self.proposals) < self.population_size or not self.population or not self._mutable:
            return self.space.sample_point(self.rng)
        drawn = self.rng.choice(len(self.population), size=min(self.sample_size, len(self.population)), replace=False)
        parent = max((self.population[i] for i in sorted(drawn)), key=lambda member: member[1])
        values = self.proposals[parent[0]].values
        child = self.space.first_admitted(self.mutate(values) for _ in range(self.max_mutations))
        return child or self.space.sample_point(self.rng)

    def mutate(self, values: dict[str, Any]) -> dict[str, Any]:
        """`values` with one parameter (of more than one value) resampled to a different value."""
        param = self._mutable[int(self.rng.integers(len(self._mutable)))]
        old = values[param.name]
        new: Value
        if isinstance(param, Choice):
            others = [v for v in param.values if v != old]
            new = others[int(self.rng.integers(len(others)))]
        else:
            new = param.sample(self.rng)
            while new == old:
                new = param.sample(self.rng)
        return {**values, param.name: new}

    def _observe(self, proposal: Proposal, outcome: Outcome) -> None:
        score = self.score(outcome)
        if score is None:
            return
        self.population.append((proposal.id, score))
        if len(self.population) > self.population_size:
            self.population.popleft()
