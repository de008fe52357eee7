"""Skeletons: a spec's network on the meta device (no memory, no init), and its tensors' places in a supernet."""

from __future__ import annotations

from functools import lru_cache

import torch

from nasx.arch.spec import ArchSpec
from nasx.build.model import Net
from nasx.supernet.slots import supernet_key

CACHED = 512


@lru_cache(maxsize=CACHED)
def skeleton(spec: ArchSpec) -> Net:
    """`Net(spec)` on the meta device, to be run with `torch.func.functional_call`."""
    with torch.device("meta"):
        return Net(spec)


@lru_cache(maxsize=CACHED)
def layout(spec: ArchSpec, slots: tuple[str, ...]) -> tuple[tuple[str, str, torch.Size], ...]:
    """(state_dict key, supernet key, shape) of every tensor of `spec`'s network, its stages in `slots`."""
    if len(slots) != len(spec.stages):
        raise ValueError(f"supernet: {len(slots)} slots for {len(spec.stages)} stages")
    return tuple((key, supernet_key(key, slots), t.shape) for key, t in skeleton(spec).state_dict().items())
