"""`grid`: every valid point of a finite space within its budget, once, in a deterministic order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from nasx.search.searchers import register
from nasx.search.searchers.base import Searcher

if TYPE_CHECKING:
    from nasx.search_spaces.base import Point, Space


@register("grid")
class GridSearcher(Searcher):
    """The space's grid order, or a seeded permutation of it with `shuffle=True`; None when done."""

    def __init__(self, space: Space, *, shuffle: bool = False, **options: Any) -> None:
        super().__init__(space, **options)
        if not space.finite:
            raise ValueError(f"searcher grid: space {space.name} has continuous parameters and no grid")
        self.shuffle = bool(shuffle)
        self._points: Iterator[Point]
        if self.shuffle:
            points = list(space.grid())
            self._points = iter([points[i] for i in self.rng.permutation(len(points))])
        else:
            self._points = space.grid()
        self._seen: set[str] = set()

    def _propose(self) -> Point | None:
        for values, spec in self._points:
            if spec.key() not in self._seen:  # space.grid() already drops duplicates; kept as the invariant
                self._seen.add(spec.key())
                return values, spec
        return None
