"""Searchers behind one ask/tell interface, registered by the name used in conf/search/.

`get(name, space, seed=..., objectives=..., **options)` makes one; see `base.Searcher`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from nasx.search.searchers.base import Outcome, Proposal, Searcher

if TYPE_CHECKING:
    from nasx.search_spaces.base import Space

__all__ = ["Outcome", "Proposal", "Searcher", "get", "names", "register"]

S = TypeVar("S", bound=Searcher)

_SEARCHERS: dict[str, type[Searcher]] = {}


def register(name: str) -> Callable[[type[S]], type[S]]:
    def wrap(cls: type[S]) -> type[S]:
        if name in _SEARCHERS:
            raise ValueError(f"searcher {name!r} registered twice")
        cls.name = name
        _SEARCHERS[name] = cls
        return cls

    return wrap


def names() -> list[str]:
    return sorted(_SEARCHERS)


def get(name: str, space: Space, **options: Any) -> Searcher:
    if name not in _SEARCHERS:
        known = ", ".join(names()) or "none registered"
        raise ValueError(f"unknown searcher {name!r} (known: {known})")
    return _SEARCHERS[name](space, **options)


def _load() -> None:
    from nasx.search.searchers import evolution, grid, nsga2, random, reinforce, tpe  # noqa: F401  (self-registering)


_load()
