"""Search spaces over ArchSpecs, one module per space, registered by the name used in conf/space/.

A registered space is a `nasx.search_spaces.base.Space` subclass; `get(name, **options)` makes one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from nasx.arch.spec import ArchSpec
    from nasx.search_spaces.base import Space

S = TypeVar("S", bound="Space")

_SPACES: dict[str, type[Space]] = {}


def register(name: str) -> Callable[[type[S]], type[S]]:
    def wrap(make: type[S]) -> type[S]:
        if name in _SPACES:
            raise ValueError(f"search space {name!r} registered twice")
        _SPACES[name] = make
        return make

    return wrap


def names() -> list[str]:
    return sorted(_SPACES)


def get(name: str, **options: Any) -> Space:
    if name not in _SPACES:
        known = ", ".join(names()) or "none registered"
        raise ValueError(f"unknown search space {name!r} (known: {known})")
    try:
        return _SPACES[name](**options)
    except TypeError as exc:  # an unknown keyword: name it without a traceback
        raise ValueError(f"search space {name!r}: {exc}".replace("__init__() ", "")) from None


def containing(spec: ArchSpec) -> list[str]:
    """Names of the registered spaces (at default options) of which `spec` is a point."""
    return [name for name in names() if get(name).contains(spec)]


def _load() -> None:
    from nasx.search_spaces import anynet, compound, mnasnet, regnet, resnext  # noqa: F401  (they register themselves)


_load()
