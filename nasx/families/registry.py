"""The family registry: name -> generator of the published ArchSpec."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from nasx.arch.spec import ArchSpec


@dataclass(frozen=True)
class Family:
    """A registered family: its generator, published resolution and where its numbers come from."""

    name: str
    make: Callable[[], ArchSpec]
    resolution: int
    source: str  # "torchvision", "pycls", "timm" or "paper"
    timm_resolution: int | None = None  # set when timm has this network under this name: its pretrained_cfg size


_FAMILIES: dict[str, Family] = {}
TIMM_PREFIX = "timm:"


def register(name: str, resolution: int, source: str = "torchvision", timm_resolution: int | None = None):
    """Register `name`; `timm_resolution`: timm builds the same network under the same name (implied by
    source="timm", at `resolution`)."""

    def wrap(make: Callable[[], ArchSpec]) -> Callable[[], ArchSpec]:
        if name in _FAMILIES:
            raise ValueError(f"family {name!r} registered twice")
        timm_res = resolution if source == "timm" and timm_resolution is None else timm_resolution
        _FAMILIES[name] = Family(name, make, resolution, source, timm_res)
        return make

    return wrap


def names() -> list[str]:
    """All registered family names (torchvision's names where torchvision has the model)."""
    return list(_FAMILIES)


def timm_names() -> list[str]:
    """The families timm builds under the same name (`timm:NAME` resolves to them)."""
    return [name for name, family in _FAMILIES.items() if family.timm_resolution is not None]


def reference_name(name: str) -> str:
    """The registered name a search's `references` entry stands for: a family name as it is, `timm:NAME`
    the family registered under timm's NAME where timm builds it at the family's resolution (a reference's
    full-scale numbers are at the family's resolution). ValueError (one line) otherwise."""
    family = info(name)
    if name.strip().lower().startswith(TIMM_PREFIX):
        base = _FAMILIES[family.name]
        if base.resolution != family.resolution:
            raise ValueError(
                f"references: {name!r} is {family.name} at timm's {family.resolution}x"
                f"{family.resolution}, but a reference is trained and reported at the family's "
                f"{base.resolution}x{base.resolution}; use {family.name!r}"
            )
    return family.name


def info(name: str) -> Family:
    """The family `name`, or with the `timm:` prefix the one timm builds under that name."""
    key = name.strip().lower().replace(".", "_").replace("-", "_")
    if key.startswith(TIMM_PREFIX):
        family = _FAMILIES.get(key[len(TIMM_PREFIX) :])
        if family is None or family.timm_resolution is None:
            raise ValueError(
                f"{name!r}: nasx has no family under this timm name; it has {len(timm_names())} of "
                "timm's networks under timm's names (`nasx families` lists them)"
            )
        return replace(family, resolution=family.timm_resolution)
    if key not in _FAMILIES:
        raise ValueError(f"unknown family {name!r}; `nasx families` lists the {len(_FAMILIES)} known ones")
    return _FAMILIES[key]


def get(name: str, num_classes: int | None = None, resolution: int | None = None) -> ArchSpec:
    """The family's ArchSpec, at its published resolution unless `resolution` is given; `timm:NAME` at
    timm's pretrained_cfg resolution; `timm:[...]` / `timm:{"arch_def": [...], ...}` a timm arch_def as JSON (its own
    resolution and classes unless given). Families have their published classes (1000 for the ImageNet ones) unless
    `num_classes` is given."""
    text = name.strip()
    if text.startswith(TIMM_PREFIX) and text[len(TIMM_PREFIX) :].lstrip()[:1] in ("[", "{"):
        from nasx.timm import arch_def_from_json

        spec = arch_def_from_json(text[len(TIMM_PREFIX) :])
        return replace(
            spec,
            num_classes=spec.num_classes if num_classes is None else num_classes,
            resolution=spec.resolution if resolution is None else resolution,
        )
    family = info(name)
    spec = family.make()
    return replace(
        spec,
        num_classes=spec.num_classes if num_classes is None else num_classes,
        resolution=family.resolution if resolution is None else resolution,
    )
