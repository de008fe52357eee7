"""`random`: independent samples of the space under its budget, from a seeded numpy Generator."""
from __future__ import annotations

from nasx.search.searchers import register
from nasx.search.searchers.base import Searcher


@register("random")
class RandomSearcher(Searcher):
    """Never exhausted; repeats are possible in a small space (the runner skips known keys)."""

    def _propose(self):
        return self.space.sample_point(self.rng)
