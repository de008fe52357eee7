"""Analytic complexity of an ArchSpec, from the spec alone (no torch, no module)."""

from __future__ import annotations

from dataclasses import dataclass

from nasx.arch.cost import Tally
from nasx.arch.spec import ArchSpec


@dataclass(frozen=True)
class StageCost:
    """One row of a profile: a stem layer, a stage or the head."""

    name: str
    block: str
    resolution_in: int
    resolution_out: int
    channels_in: int
    channels_out: int
    blocks: int
    params: int
    macs: int
    activations: int


@dataclass(frozen=True)
class Cost:
    """Integer totals: params (count), macs (conv + linear multiply-accumulates), flops = 2 * macs."""

    params: int
    macs: int
    activations: int
    stages: tuple[StageCost, ...] = ()

    @property
    def flops(self) -> int:
        return 2 * self.macs


def complexity(spec: ArchSpec) -> Cost:
    """Params, MACs and activations of `spec`, summed block by block in closed form."""
    total = Tally()
    rows = []
    channels, size = spec.in_channels, spec.resolution
    for where, block in spec.layers():
        tally, out = block.cost(channels, size)
        c_out = block.out_channels(channels)
        rows.append(
            StageCost(where, block.TYPE, size, out, channels, c_out, block.blocks, tally.params, tally.macs, tally.acts)
        )
        total.add(tally)
        channels, size = c_out, out
    head = spec.head.cost(channels, size, spec.num_classes)
    rows.append(StageCost("head", "head", size, 1, channels, spec.num_classes, 1, head.params, head.macs, head.acts))
    total.add(head)
    return Cost(total.params, total.macs, total.acts, tuple(rows))
