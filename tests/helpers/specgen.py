"""Random valid ArchSpecs over every registered block type, for the contract tests."""

from __future__ import annotations

import random

from nasx.arch import (
    BLOCKS,
    ArchSpec,
    Basic,
    Bottleneck,
    ConvBNAct,
    Head,
    MaxPool,
    MBConv,
    VGGStage,
)
from nasx.arch.blocks import (
    DenseBlock,
    Fire,
    FusedMBConv,
    Inception,
    InceptionA,
    InceptionB,
    InceptionC,
    InceptionD,
    InceptionE,
    PreActBasic,
    ShuffleUnit,
    Transition,
)
from nasx.arch.fields import ACTIVATIONS, GATES, SE_ROUNDINGS

ACTS = list(ACTIVATIONS)


def _width(rng: random.Random) -> int:
    return rng.choice([4, 6, 8, 12, 16, 24, 32])


def random_block(kind: str, rng: random.Random) -> object:
    r = rng.randint(1, 3)
    s = rng.choice([1, 2])
    if kind == "cn":
        c = _width(rng)
        g = rng.choice([d for d in (1, 2, 4) if c % d == 0])
        return ConvBNAct(r=r, k=rng.choice([1, 3, 5]), s=s, c=c, g=g, act=rng.choice(ACTS), bn=rng.random() < 0.8)
    if kind == "mp":
        return MaxPool(k=rng.choice([2, 3]), s=s, ceil=rng.random() < 0.3, avg=rng.random() < 0.3)
    if kind == "ir":
        se = rng.choice([0.0, 0.25, 0.5])
        return MBConv(
            r=r,
            k=rng.choice([3, 5, 7]),
            s=s,
            e=rng.choice([1.0, 2.5, 3.0, 4.0, 6.0]),
            c=_width(rng),
            se=se,
            se_base=rng.choice(["in", "mid"]),
            act=rng.choice(ACTS),
            se_act=rng.choice([None, "relu"]),
            se_gate=rng.choice(list(GATES)),
            skip=rng.random() < 0.8,
            expand=rng.random() < 0.3,
            mid_div=rng.choice([1, 1, 8]),
            mix=rng.choice([1, 1, 2, 3]),
            exp_groups=rng.choice([1, 1, 2]),
            proj_groups=rng.choice([1, 1, 2, 3]),
            se_round=rng.choice([None, *SE_ROUNDINGS]),
            pw_act=rng.random() < 0.2,
        )
    if kind == "basic":
        return Basic(r=r, s=s, c=_width(rng))
    if kind == "bot":
        c = _width(rng) * 2
        b = rng.choice([0.25, 0.5, 1.0])
        w = round(c * b)
        g = rng.choice([d for d in (1, 2, 4, 8) if w % d == 0])
        return Bottleneck(
            r=r,
            s=s,
            c=c,
            b=b,
            g=g,
            se=rng.choice([0.0, 0.25]),
            se_at=rng.choice(["mid", "out"]),
            stride_at=rng.choice(["3x3", "1x1"]),
            se_round=rng.choice(["floor", "round"]),
        )
    if kind == "vgg":
        return VGGStage(r=r, c=_width(rng), bn=rng.random() < 0.5)
    if kind == "fr":
        return FusedMBConv(
            r=r,
            k=rng.choice([3, 5]),
            s=s,
            e=rng.choice([1.0, 2.0, 4.0]),
            c=_width(rng),
            act=rng.choice(ACTS),
            skip=rng.random() < 0.8,
            expand=rng.random() < 0.3,
            mid_div=rng.choice([1, 1, 8]),
        )
    if kind == "preact":
        return PreActBasic(r=r, s=s, c=_width(rng))
    if kind == "dense":
        return DenseBlock(r=r, gr=rng.choice([4, 8]), bs=rng.choice([1, 2, 4]))
    if kind == "tr":
        return Transition(cr=rng.choice([0.5, 1.0]))
    if kind == "shuffle":
        return ShuffleUnit(r=r, s=2, c=_width(rng) * 2)
    if kind == "fire":
        return Fire(r=r, q=rng.choice([4, 8]), x=_width(rng))
    if kind == "inc":
        return Inception(a=_width(rng), br=4, b=_width(rng), cr=4, c=_width(rng), ck=rng.choice([3, 5]), d=_width(rng))
    w = rng.choice([0.05, 0.1])
    if kind == "inca":
        return InceptionA(r=rng.randint(1, 2), pp=rng.choice([32, 64]), w=w)
    if kind == "incb":
        return InceptionB(w=w)
    if kind == "incc":
        return InceptionC(m=rng.choice([64, 128]), w=w)
    if kind == "incd":
        return InceptionD(w=w)
    if kind == "ince":
        return InceptionE(w=w)
    raise AssertionError(f"specgen does not know block type {kind!r}")


def random_spec(rng: random.Random) -> ArchSpec:
    """A valid spec: small widths and resolutions so that a real forward pass is cheap."""
    while True:
        stem = tuple(random_block(rng.choice(["cn", "mp"]), rng) for _ in range(rng.randint(0, 2)))
        stages = tuple(random_block(rng.choice(list(BLOCKS)), rng) for _ in range(rng.randint(1, 4)))
        conv_cls = rng.random() < 0.2
        head = Head(
            c=rng.choice([0, 0, 16, 40]),
            act=rng.choice(ACTS),
            pool=1 if conv_cls else rng.choice([1, 1, 2]),
            hidden=() if conv_cls else tuple(rng.choice([8, 20]) for _ in range(rng.randint(0, 2))),
            hidden_act=rng.choice(ACTS),
            dropout=rng.choice([0.0, 0.2]),
            norm=rng.random() < 0.3,
            conv_cls=conv_cls,
            hidden_bias=rng.random() < 0.8,
        )
        try:
            return ArchSpec(
                stem=stem,
                stages=stages,
                head=head,
                resolution=rng.choice([8, 16, 24, 32]),
                num_classes=rng.randint(2, 12),
                in_channels=rng.choice([1, 3]),
                drop_path=rng.choice([0.0, 0.1]),
            )
        except ValueError as exc:
            if (
                "shrinks to nothing" not in str(exc)
                and "input channels" not in str(exc)
                and "cannot be split" not in str(exc)
            ):
                raise


def spec_with_block(kind: str, seed: str) -> ArchSpec:
    """A 16x16 network: a 16-channel stem conv, then one random stage of block type `kind` (drawn with `seed`)."""
    rng = random.Random(seed)
    for _ in range(200):
        try:
            return ArchSpec(
                stem=(ConvBNAct(c=16, k=3, s=1),),
                stages=(random_block(kind, rng),),
                head=Head(),
                resolution=16,
                num_classes=10,
                drop_path=0.1,
            )
        except ValueError:
            continue
    raise AssertionError(f"no valid 16x16 spec with a {kind} stage")
