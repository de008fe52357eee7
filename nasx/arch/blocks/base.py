"""The interface every block spec implements: pure data plus its own analytic cost."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import ClassVar, Protocol

from nasx.arch.cost import Tally
from nasx.arch.fields import Spec
from nasx.arch.receptive import Window
from nasx.arch.rounding import scale_channels, scale_repeats


@dataclass(frozen=True, kw_only=True)
class Block(Spec):
    """One stage of identical blocks: the first takes the stride and the channel change."""

    DROP_PATH: ClassVar[bool] = False  # residual blocks that take stochastic depth

    def out_channels(self, c_in: int) -> int:
        """The stage's `c` field; a block without one (or whose output width depends on c_in) overrides this."""
        c = getattr(self, "c")  # noqa: B009  (a Block subclass may have no `c`: then it overrides this)
        if not isinstance(c, int):
            raise TypeError(f"{self.TYPE}.c={c!r}: not a width; {type(self).__name__} must override out_channels")
        return c

    def check_input(self, c_in: int) -> None:
        """Raise ValueError if this stage cannot follow `c_in` channels."""

    def cost(self, c_in: int, size: int) -> tuple[Tally, int]:
        """(params, MACs, activations) of the stage on a size x size input; returns the output size."""
        raise NotImplementedError

    @property
    def blocks(self) -> int:
        return getattr(self, "r", 1)

    def windows(self) -> tuple[Window, ...]:
        """(kernel, stride) of the stage's spatial layers in order along its deepest path, what its
        receptive field is made of; a 1x1 conv adds nothing and need appear only where it takes a stride."""
        stride = getattr(self, "s", 1)
        return tuple(w for i in range(self.blocks) for w in self.unit_windows(stride if i == 0 else 1))

    def unit_windows(self, stride: int) -> tuple[Window, ...]:
        """The windows of one of the stage's blocks when it takes `stride`."""
        raise NotImplementedError

    def scaled(self, width_mult: float, depth_mult: float) -> Block:
        """The same stage with channels and repeats scaled by the compound-scaling rules."""
        changes: dict[str, int] = {}
        if hasattr(self, "c"):
            changes["c"] = scale_channels(self.c, width_mult)
        if hasattr(self, "r"):
            changes["r"] = scale_repeats(self.r, depth_mult)
        return replace(self, **changes)


class StridedStage(Protocol):
    """What `repeat_cost` reads of a stage: its repeats `r`, its stride `s` and its output width."""

    @property
    def r(self) -> int: ...

    @property
    def s(self) -> int: ...

    def out_channels(self, c_in: int) -> int: ...


State = tuple[int, int, int]  # (c_in, size, stride) entering a block


def repeat_cost(
    block: StridedStage, c_in: int, size: int, unit: Callable[[Tally, int, int, int], int]
) -> tuple[Tally, int]:
    """Sum `unit(tally, c_in, size, stride)` over the stage's repeats; stride on the first only.
    Once a block's output equals its input, every later block costs the same: O(1) in the repeats."""
    total = Tally()
    stride = block.s
    return repeated(
        total, block.r, (c_in, size, stride), lambda t, c, hw, s: (block.out_channels(c), unit(t, c, hw, s), 1)
    )


def repeated(
    total: Tally, repeats: int, state: State, step: Callable[[Tally, int, int, int], State]
) -> tuple[Tally, int]:
    """Apply `step(tally, c_in, size, stride) -> (c_out, size_out, next_stride)` `repeats` times from
    `state`, adding to `total`; a step that leaves the state unchanged is multiplied out."""
    for done in range(1, repeats + 1):
        t = Tally()
        after = step(t, *state)
        total.add(t)
        if after == state:
            rest = repeats - done
            total.params += t.params * rest
            total.macs += t.macs * rest
            total.acts += t.acts * rest
            break
        state = after
    return total, state[1]
