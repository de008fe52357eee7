"""Multi-branch blocks (Inception v1 and v3 modules, SqueezeNet's fire module) as small programs.

A block describes its layers as a program: a tuple of ops applied in order, where `Concat` runs
several programs on the same input and concatenates their outputs. One cost walk and one torch
builder serve every multi-branch block.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from nasx.arch import cost
from nasx.arch.blocks.base import Block, repeated
from nasx.arch.cost import Tally
from nasx.arch.fields import ODD_KERNEL, POS_FLOAT, POSITIVE, fld
from nasx.arch.receptive import Window, grow
from nasx.arch.rounding import scale_channels, scale_repeats


@dataclass(frozen=True)
class Conv:
    """k x kw conv + BN + ReLU (without BN: conv with bias + ReLU); p None = same padding."""

    c: int
    k: int
    kw: int | None = None
    s: int = 1
    p: int | None = None
    bn: bool = True


@dataclass(frozen=True)
class Pool:
    kind: str  # "max" or "avg"
    k: int
    s: int
    p: int = 0
    ceil: bool = False


@dataclass(frozen=True)
class Concat:
    branches: tuple[Program, ...]


Op = Conv | Pool | Concat
Program = tuple[Op, ...]  # ops applied in order


def program_cost(t: Tally, program: Program, c_in: int, size: int) -> tuple[int, int]:
    """Add the program's cost to `t`; returns (channels, size) of its output."""
    for op in program:
        if isinstance(op, Conv):
            size = cost.conv(t, c_in, op.c, op.k, op.s, size, kw=op.kw, p=op.p, bias=not op.bn)
            if op.bn:
                cost.bn(t, op.c)
            c_in = op.c
        elif isinstance(op, Pool):
            size = cost.conv_out(size, op.k, op.s, op.p, op.ceil)
        else:
            outs = [program_cost(t, branch, c_in, size) for branch in op.branches]
            if len({s for _, s in outs}) != 1:
                raise ValueError(f"branches end at different resolutions {[s for _, s in outs]}")
            c_in, size = sum(c for c, _ in outs), outs[0][1]
    return c_in, size


def program_window(program: Program, axis: int) -> Window:
    """The program as one (kernel, stride) window along `axis` (0: height, k; 1: width, kw); a `Concat`
    counts its largest branch."""
    windows: list[Window] = []
    for op in program:
        if isinstance(op, Conv):
            windows.append((op.k if axis == 0 or op.kw is None else op.kw, op.s))
        elif isinstance(op, Pool):
            windows.append((op.k, op.s))
        else:
            windows.append(max(program_window(branch, axis) for branch in op.branches))
    return grow(1, 1, windows)


@dataclass(frozen=True, kw_only=True)
class BranchBlock(Block):
    """Base of the multi-branch blocks: r repeats of `program(c_in)`."""

    def program(self, c_in: int) -> Program:
        raise NotImplementedError

    def out_channels(self, c_in: int) -> int:
        return program_cost(Tally(), self.program(c_in), c_in, 64)[0]

    def cost(self, c_in: int, size: int) -> tuple[Tally, int]:
        return repeated(
            Tally(), self.blocks, (c_in, size, 1), lambda t, c, hw, s: (*program_cost(t, self.program(c), c, hw), 1)
        )

    def unit_windows(self, stride: int) -> tuple[Window, ...]:
        """The largest branch, as one window; a program's layout does not depend on its input width.
        Where the height and width fields differ (factorized 1 x k / k x 1 convs), the larger one."""
        program = self.program(0)
        (kh, s), (kw, _) = program_window(program, 0), program_window(program, 1)
        return ((max(kh, kw), s),)


@dataclass(frozen=True, kw_only=True)
class Fire(BranchBlock):
    """SqueezeNet fire module: 1x1 squeeze to q, then 1x1 and 3x3 expands to x each (conv bias, ReLU)."""

    TYPE = "fire"
    r: int = fld("r", 1, check=POSITIVE, always=True)
    q: int = fld("q", check=POSITIVE)
    x: int = fld("x", check=POSITIVE)

    def program(self, c_in: int) -> Program:
        return (Conv(self.q, 1, bn=False), Concat(((Conv(self.x, 1, bn=False),), (Conv(self.x, 3, bn=False),))))

    def scaled(self, width_mult: float, depth_mult: float) -> Fire:
        return replace(
            self,
            r=scale_repeats(self.r, depth_mult),
            q=scale_channels(self.q, width_mult),
            x=scale_channels(self.x, width_mult),
        )


@dataclass(frozen=True, kw_only=True)
class Inception(BranchBlock):
    """GoogLeNet's Inception module: 1x1 (a) | 1x1 (br) -> 3x3 (b) | 1x1 (cr) -> ck x ck (c) |
    3x3 max pool -> 1x1 (d). The paper's ck is 5; torchvision's GoogLeNet uses 3."""

    TYPE = "inc"
    r: int = fld("r", 1, check=POSITIVE, always=True)
    a: int = fld("a", check=POSITIVE)
    br: int = fld("br", check=POSITIVE)
    b: int = fld("b", check=POSITIVE)
    cr: int = fld("cr", check=POSITIVE)
    c: int = fld("c", check=POSITIVE)
    ck: int = fld("ck", 5, check=ODD_KERNEL)
    d: int = fld("d", check=POSITIVE)

    def program(self, c_in: int) -> Program:
        return (
            Concat(
                (
                    (Conv(self.a, 1),),
                    (Conv(self.br, 1), Conv(self.b, 3)),
                    (Conv(self.cr, 1), Conv(self.c, self.ck)),
                    (Pool("max", 3, 1, 1, ceil=True), Conv(self.d, 1)),
                )
            ),
        )

    def scaled(self, width_mult: float, depth_mult: float) -> Inception:
        widths = {f: scale_channels(getattr(self, f), width_mult) for f in ("a", "br", "b", "cr", "c", "d")}
        return replace(self, r=scale_repeats(self.r, depth_mult), **widths)


@dataclass(frozen=True, kw_only=True)
class InceptionV3Module(BranchBlock):
    """Base of the Inception-v3 modules: torchvision's widths times the multiplier w (to multiples of 8)."""

    r: int = fld("r", 1, check=POSITIVE, always=True)
    w: float = fld("w", 1.0, check=POS_FLOAT)

    def width(self, channels: int) -> int:
        return scale_channels(channels, self.w)

    def scaled(self, width_mult: float, depth_mult: float) -> InceptionV3Module:
        return replace(self, r=scale_repeats(self.r, depth_mult), w=self.w * width_mult)


@dataclass(frozen=True, kw_only=True)
class InceptionA(InceptionV3Module):
    """35x35 module: 1x1 64 | 1x1 48 -> 5x5 64 | 1x1 64 -> 3x3 96 -> 3x3 96 | avg pool -> 1x1 pp."""

    TYPE = "inca"
    pp: int = fld("pp", check=POSITIVE)

    def program(self, c_in: int) -> Program:
        w = self.width
        return (
            Concat(
                (
                    (Conv(w(64), 1),),
                    (Conv(w(48), 1), Conv(w(64), 5)),
                    (Conv(w(64), 1), Conv(w(96), 3), Conv(w(96), 3)),
                    (Pool("avg", 3, 1, 1), Conv(w(self.pp), 1)),
                )
            ),
        )


@dataclass(frozen=True, kw_only=True)
class InceptionB(InceptionV3Module):
    """35 -> 17 grid reduction: 3x3 s2 384 | 1x1 64 -> 3x3 96 -> 3x3 s2 96 | 3x3 s2 max pool."""

    TYPE = "incb"

    def program(self, c_in: int) -> Program:
        w = self.width
        return (
            Concat(
                (
                    (Conv(w(384), 3, s=2, p=0),),
                    (Conv(w(64), 1), Conv(w(96), 3), Conv(w(96), 3, s=2, p=0)),
                    (Pool("max", 3, 2),),
                )
            ),
        )


@dataclass(frozen=True, kw_only=True)
class InceptionC(InceptionV3Module):
    """17x17 module with 7x7 factorized into 1x7 and 7x1 at m channels."""

    TYPE = "incc"
    m: int = fld("m", check=POSITIVE)

    def program(self, c_in: int) -> Program:
        w, m = self.width, self.width(self.m)
        return (
            Concat(
                (
                    (Conv(w(192), 1),),
                    (Conv(m, 1), Conv(m, 1, 7), Conv(w(192), 7, 1)),
                    (Conv(m, 1), Conv(m, 7, 1), Conv(m, 1, 7), Conv(m, 7, 1), Conv(w(192), 1, 7)),
                    (Pool("avg", 3, 1, 1), Conv(w(192), 1)),
                )
            ),
        )


@dataclass(frozen=True, kw_only=True)
class InceptionD(InceptionV3Module):
    """17 -> 8 grid reduction: 1x1 192 -> 3x3 s2 320 | 1x1 192 -> 1x7 -> 7x1 -> 3x3 s2 192 | max pool."""

    TYPE = "incd"

    def program(self, c_in: int) -> Program:
        w = self.width
        return (
            Concat(
                (
                    (Conv(w(192), 1), Conv(w(320), 3, s=2, p=0)),
                    (Conv(w(192), 1), Conv(w(192), 1, 7), Conv(w(192), 7, 1), Conv(w(192), 3, s=2, p=0)),
                    (Pool("max", 3, 2),),
                )
            ),
        )


@dataclass(frozen=True, kw_only=True)
class InceptionE(InceptionV3Module):
    """8x8 module with expanded filter banks: 1x3 and 3x1 side by side."""

    TYPE = "ince"

    def program(self, c_in: int) -> Program:
        w = self.width

        def fork() -> Concat:
            return Concat(((Conv(w(384), 1, 3),), (Conv(w(384), 3, 1),)))

        return (
            Concat(
                (
                    (Conv(w(320), 1),),
                    (Conv(w(384), 1), fork()),
                    (Conv(w(448), 1), Conv(w(384), 3), fork()),
                    (Pool("avg", 3, 1, 1), Conv(w(192), 1)),
                )
            ),
        )
