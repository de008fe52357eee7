"""Theoretical receptive field and effective stride (jump) after each stem layer and stage, from the spec alone.

A layer of kernel k and stride s grows the receptive field by (k - 1) * jump and multiplies the jump by s
(rf and jump in input pixels, starting at 1 and 1). Each block reports its spatial layers as (kernel,
stride) windows (`Block.windows()`); multi-branch blocks report their largest branch. Padding changes
where a field lies, not its size, and the theoretical field may exceed the input (it counts the padding).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nasx.arch.spec import ArchSpec

Window = tuple[int, int]  # (kernel, stride) of one spatial layer, or of several composed into one


def grow(rf: int, jump: int, windows: Iterable[Window]) -> tuple[int, int]:
    """(receptive field, jump) after `windows`, from a field of `rf` pixels `jump` pixels apart."""
    for k, s in windows:
        rf += (k - 1) * jump
        jump *= s
    return rf, jump


@dataclass(frozen=True)
class StageField:
    """After layer `name` ("stem[0]", "stages[3]"): each output sees `rf` x `rf` input pixels, and
    neighbouring outputs are `jump` input pixels apart."""

    name: str
    rf: int
    jump: int


def receptive_field(spec: ArchSpec) -> tuple[StageField, ...]:
    """The receptive field and jump after every stem layer and stage of `spec`, in input pixels."""
    rf, jump, rows = 1, 1, []
    for where, block in spec.layers():
        rf, jump = grow(rf, jump, block.windows())
        rows.append(StageField(where, rf, jump))
    return tuple(rows)
