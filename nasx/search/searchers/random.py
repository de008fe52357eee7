"""`random`: independent samples of the space under its budget, from a seeded numpy Generator."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nasx.search.searchers import register
from nasx.search.searchers.base import Searcher

if TYPE_CHECKING:
    from nasx.search_spaces.base import Point


@register("random")
class RandomSearcher(Searcher):
    """Never exhausted; repeats are possible in a small space (the runner skips known keys)."""

    def _propose(self) -> Point:
        return self.space.sample_point(self.rng)
