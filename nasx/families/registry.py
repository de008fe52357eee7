"""The family registry: name -> generator of the published ArchSpec."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from nasx.arch.spec import ArchSpec


@dataclass(frozen=True)
class Family:
    """A registered family: its generator, published resolution and where its numbers come from."""

    name: str
    make: Callable[[], ArchSpec]
    resolution: int
    source: str  # "torchvision", "pycls", "timm" or "paper"


_FAMILIES: dict[str, Family] = {}


def register(name: str, resolution: int, source: str = "torchvision"):
    def wrap(make: Callable[[], ArchSpec]) -> Callable[[], ArchSpec]:
        if name in _FAMILIES:
            raise ValueError(f"family {name!r} registered twice")
        _FAMILIES[name] = Family(name, make, resolution, source)
        return make
    return wrap


def names() -> list[str]:
    """All registered family names (torchvision's names where torchvision has the model)."""
    return list(_FAMILIES)


def info(name: str) -> Family:
    key = name.strip().lower().replace(".", "_").replace("-", "_")
    if key not in _FAMILIES:
        raise ValueError(f"unknown family {name!r}; `nasx families` lists the {len(_FAMILIES)} known ones")
    return _FAMILIES[key]


def get(name: str, num_classes: int = 1000, resolution: int | None = None) -> ArchSpec:
    """The family's ArchSpec, at its published resolution unless `resolution` is given."""
    family = info(name)
    spec = family.make()
    return replace(spec, num_classes=num_classes,
                   resolution=family.resolution if resolution is None else resolution)
