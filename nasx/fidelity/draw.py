"""Architectures for a fidelity study: a seeded draw spread evenly over a space's log-MACs range."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from nasx.arch.spec import ArchSpec
from nasx.complexity import complexity

POOL_PER_ARCH = 10


@dataclass(frozen=True)
class Drawn:
    values: dict[str, Any]
    spec: ArchSpec
    macs: int  # full scale


def draw_architectures(
    space, n: int, seed: int, *, accept: Callable[[ArchSpec], bool] | None = None, pool_size: int | None = None
) -> list[Drawn]:
    """`n` distinct architectures of `space`, cheapest first: a seeded pool of random points (`pool_size`,
    default 10 per architecture) sorted by log full-scale MACs, cut into `n` bins of equal count, one
    point drawn at random from each bin. `accept` drops points that cannot be used (e.g. at proxy scale)."""
    rng = np.random.default_rng(seed)
    pool: dict[str, Drawn] = {}
    for _ in range(pool_size or POOL_PER_ARCH * n):
        values, spec = space.sample_point(rng)
        if spec.key() not in pool and (accept is None or accept(spec)):
            pool[spec.key()] = Drawn(values, spec, complexity(spec).macs)
    if len(pool) < n:
        raise ValueError(
            f"space {space.name}: only {len(pool)} distinct usable architectures in "
            f"{pool_size or POOL_PER_ARCH * n} samples, fewer than fidelity.archs={n}"
        )
    ordered = sorted(pool.values(), key=lambda d: (math.log(d.macs), d.spec.key()))
    bins = np.array_split(np.arange(len(ordered)), n)
    return [ordered[int(rng.choice(b))] for b in bins]
