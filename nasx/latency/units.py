"""A network as its measurable units: each stem layer, each block of each stage, and the head (pure data).

A stage of `r` repeated blocks is `r` units: the first takes the stage's stride and width change, the others
run at stride 1 on the stage's width, exactly as the builder stacks them (`nasx.build.layers.stage`). Block
types whose stage is not a stack of independent blocks (a dense block, VGG's stage, pools, multi-branch
blocks) are one unit per stage. A unit's key names everything its latency depends on besides the device:
the block's fields, its input width and resolution (and the head's classes)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from nasx.arch.blocks import Block, FusedMBConv, MBConv
from nasx.arch.codec import encode_block
from nasx.arch.head import Head
from nasx.arch.spec import ArchSpec

STACKED = ("cn", "ir", "fr", "basic", "preact", "bot", "shuffle")  # stages built as r independent blocks
KINDS = ("stem", "block", "head")


@dataclass(frozen=True)
class Unit:
    """One measurable piece of a network: a stem layer, one block or the head, on a c_in x size x size input."""

    kind: str
    layer: Block | Head
    c_in: int
    size: int
    num_classes: int = 0  # the head's

    @property
    def key(self) -> str:
        """`kind:token@c_in x size` (the head's with `/classes`), e.g. `block:ir_r1_k3_s2_e6_c24@16x112`."""
        token = encode_block(self.layer) if isinstance(self.layer, Block) else "head" + encode_block(self.layer)
        tail = f"/{self.num_classes}" if self.kind == "head" else ""
        return f"{self.kind}:{token}@{self.c_in}x{self.size}{tail}"

    @property
    def macs(self) -> int:
        if isinstance(self.layer, Head):
            return self.layer.cost(self.c_in, self.size, self.num_classes).macs
        return self.layer.cost(self.c_in, self.size)[0].macs

    @property
    def size_out(self) -> int:
        return 1 if isinstance(self.layer, Head) else self.layer.cost(self.c_in, self.size)[1]

    @property
    def c_out(self) -> int:
        return self.num_classes if isinstance(self.layer, Head) else self.layer.out_channels(self.c_in)


def split(block: Block) -> tuple[Block, ...]:
    """The blocks of one stage as single-block stages: the first with the stage's stride, the rest at stride 1."""
    if block.TYPE not in STACKED or block.blocks == 1:
        return (block,)
    first = replace(block, r=1)  # type: ignore[call-arg]
    return (first,) + (replace(first, s=1),) * (block.blocks - 1)  # type: ignore[call-arg]


def canonical(block: Block, c_in: int) -> Block:
    """`block` with `skip=True` where one block cannot have a residual (a stride or a width change): the same
    module, so the same unit (what `ArchSpec` does for single-block stages)."""
    if isinstance(block, (MBConv, FusedMBConv)) and not block.skip and (block.s != 1 or block.c != c_in):
        return replace(block, skip=True)
    return block


def decompose(spec: ArchSpec) -> tuple[Unit, ...]:
    """The units of `spec` in the order they run; their MACs sum to complexity(spec).macs exactly. Dropout
    and stochastic depth do not run at inference: the head's key leaves its dropout out."""
    units: list[Unit] = []
    channels, size = spec.in_channels, spec.resolution
    for where, stage in spec.layers():
        kind = "stem" if where.startswith("stem") else "block"
        for block in split(stage):
            unit = Unit(kind, canonical(block, channels), channels, size)
            units.append(unit)
            channels, size = unit.c_out, unit.size_out
    units.append(Unit("head", replace(spec.head, dropout=0.0), channels, size, spec.num_classes))
    return tuple(units)
