"""The distinct units a search space produces at full scale: every one (`exact`, spaces that list their blocks'
choices: `mnasnet`) or those of a large seeded sample (`sampled`, every other space), and the share of a fresh
sample's units a set of units covers."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

import numpy as np

from nasx.arch.blocks import ConvBNAct
from nasx.arch.head import Head
from nasx.latency.units import Unit, canonical, decompose, split
from nasx.search_spaces.base import Space

SAMPLE_NETWORKS = 2000  # networks whose units make a sampled table
COVERAGE_NETWORKS = 200  # networks of a fresh sample that measure a table's coverage
COVERAGE_SEED = 10_007  # its seed, apart from the seeds of the table's sample and of the validation


def _mnasnet_units(space: Space) -> dict[str, Unit]:
    """Every unit of the `mnasnet` space: per block, every input width its predecessor can give times every
    choice of the block, decomposed at the block's input resolution (the skeleton's strides)."""
    from nasx.search_spaces import mnasnet as m

    units: dict[str, Unit] = {}

    def add(unit: Unit) -> None:
        units.setdefault(unit.key, unit)

    size = space.resolution
    for act in space.acts:  # type: ignore[attr-defined]
        stem = ConvBNAct(k=3, s=2, c=m.STEM_C, act=act)
        add(Unit("stem", stem, 3, size))
    _, size = stem.cost(3, size)
    inputs: tuple[int, ...] = (m.STEM_C,)
    for i in range(7):
        filters = space.filter_choices(i)  # type: ignore[attr-defined]
        size_out = size
        for act, c_in, op, k, se, skip, f, layers in itertools.product(
            space.acts,  # type: ignore[attr-defined]
            inputs,
            m.OPS,
            (3, 5),
            (0.0, 0.25),
            (True, False),
            filters,
            space.layer_choices(i),  # type: ignore[attr-defined]
        ):
            if op in ("conv", "sep") and (se or not skip):
                continue  # conv and sep take neither SE nor skip
            c, hw = c_in, size
            for stage in m.block_stages(op, k, se, skip, f, layers, m.STRIDES[i], c_in, act):
                for block in split(stage):
                    unit = Unit("block", canonical(block, c), c, hw)
                    add(unit)
                    c, hw = unit.c_out, unit.size_out
            size_out = hw
        inputs, size = filters, size_out
    for act, c_in in itertools.product(space.acts, inputs):  # type: ignore[attr-defined]
        add(Unit("head", Head(c=m.HEAD_C, act=act), c_in, size, space.num_classes))
    return units


EXACT: dict[str, Callable[[Space], dict[str, Unit]]] = {"mnasnet": _mnasnet_units}


def sampled_units(space: Space, networks: int, seed: int) -> dict[str, Unit]:
    """The distinct units of `networks` networks drawn from `space` with `seed`."""
    rng = np.random.default_rng(seed)
    units: dict[str, Unit] = {}
    for _ in range(networks):
        for unit in decompose(space.sample(rng)):
            units.setdefault(unit.key, unit)
    return units


def space_units(space: Space, *, networks: int = SAMPLE_NETWORKS, seed: int = 0) -> tuple[dict[str, Unit], str]:
    """(units by key, `exact` or `sampled`) of `space` at full scale."""
    if space.name in EXACT:
        return EXACT[space.name](space), "exact"
    return sampled_units(space, networks, seed), "sampled"


def coverage(keys: Iterable[str], space: Space, *, networks: int = COVERAGE_NETWORKS, seed: int = COVERAGE_SEED):
    """The share of the units (with repeats) and of the networks of a fresh sample of `space` that `keys` hold."""
    known = set(keys)
    rng = np.random.default_rng(seed)
    held = total = whole = 0
    for _ in range(networks):
        units = [u.key in known for u in decompose(space.sample(rng))]
        held, total, whole = held + sum(units), total + len(units), whole + all(units)
    return {"networks": networks, "seed": seed, "units": held / total, "whole_networks": whole / networks}
