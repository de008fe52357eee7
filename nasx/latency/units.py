"""A network as its measurable units: each stem layer, each block of each stage, and the head (pure data).

A stage of `r` repeated blocks is `r` units: the first takes the stage's stride and width change, the others
run at stride 1 on the stage's width, exactly as the builder stacks them (`nasx.build.layers.stage`). Block
types whose stage is not a stack of independent blocks (a dense block, VGG's stage, pools, multi-branch
blocks) are one unit per stage. A unit's key names everything its latency depends on besides the device:
the block's fields, its input width and resolution (and the head's classes)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

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

    @cached_property
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

    @cached_property
    def size_out(self) -> int:
        return 1 if isinstance(self.layer, Head) else self.layer.cost(self.c_in, self.size)[1]

    @property
    def c_out(self) -> int:
        return self.num_classes if isinstance(self.layer, Head) else self.layer.out_channels(self.c_in)


def _with(block: Block, **changes: object) -> Block:
    """`block` with fields changed, unchecked: only for changes that keep a valid block valid (one repeat, stride 1,
    a skip where none can apply). `dataclasses.replace` checks every field again, which predicting cannot afford."""
    new = object.__new__(type(block))
    new.__dict__.update(block.__dict__, **changes)
    return new


def split(block: Block) -> tuple[Block, ...]:
    """The blocks of one stage as single-block stages: the first with the stage's stride, the rest at stride 1."""
    if block.TYPE not in STACKED or block.blocks == 1:
        return (block,)
    first = _with(block, r=1)
    return (first,) + (_with(first, s=1),) * (block.blocks - 1)


def canonical(block: Block, c_in: int) -> Block:
    """`block` with `skip=True` where one block cannot have a residual (a stride or a width change): the same
    module, so the same unit (what `ArchSpec` does for single-block stages)."""
    if isinstance(block, (MBConv, FusedMBConv)) and not block.skip and (block.s != 1 or block.c != c_in):
        return _with(block, skip=True)
    return block


def decompose(spec: ArchSpec) -> tuple[Unit, ...]:
    """The units of `spec` in the order they run; their MACs sum to complexity(spec).macs exactly. Dropout
    and stochastic depth do not run at inference: the head's key leaves its dropout out."""
    units: list[Unit] = []
    channels, size = spec.in_channels, spec.resolution
    for where, stage in spec.layers():
        done = _stage_units("stem" if where.startswith("stem") else "block", stage, channels, size)
        units += done
        channels, size = done[-1].c_out, done[-1].size_out
    units.append(_head_unit(spec.head, channels, size, spec.num_classes))
    return tuple(units)


@lru_cache(maxsize=1 << 16)
def _stage_units(kind: str, stage: Block, c_in: int, size: int) -> tuple[Unit, ...]:
    """The units of one stage (memoised: a space's networks share their stages, so predicting stays cheap)."""
    blocks = split(stage)
    first = Unit(kind, canonical(blocks[0], c_in), c_in, size)
    if len(blocks) == 1:
        return (first,)
    rest = Unit(kind, canonical(blocks[1], first.c_out), first.c_out, first.size_out)  # the same for every repeat
    return (first,) + (rest,) * (len(blocks) - 1)


@lru_cache(maxsize=1 << 12)
def _head_unit(head: Head, c_in: int, size: int, num_classes: int) -> Unit:
    return Unit("head", replace(head, dropout=0.0), c_in, size, num_classes)
