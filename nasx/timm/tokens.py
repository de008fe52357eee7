"""One timm block string (`ir_r2_k3_s2_e6_c24_se0.25`) read into its options, and written back."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nasx.arch.codec import format_float

BLOCK_TYPES = ("ds", "dsa", "ir", "er", "cn", "uir")
TIMM_ACTS = {"re": "relu", "r6": "relu6", "hs": "hswish", "sw": "swish"}
# the options each block type reads, as timm's _decode_block_str does ("e" on ds / cn is read and unused)
OPTIONS = {
    "ds": {"r", "k", "s", "c", "e", "se", "p", "n", "noskip"},
    "dsa": {"r", "k", "s", "c", "e", "se", "p", "n", "noskip"},
    "ir": {"r", "k", "s", "e", "c", "se", "a", "p", "n", "noskip"},
    "er": {"r", "k", "s", "e", "c", "se", "p", "fc", "n", "noskip"},
    "cn": {"r", "k", "s", "c", "e", "n", "skip"},
    "uir": {"r", "k", "s", "e", "c", "se", "a", "p", "n", "noskip"},
}
REQUIRED = {"r", "k", "s", "c"}
_KERNELS = re.compile(r"[0-9]+(\.[0-9]+)*")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")


@dataclass(frozen=True)
class BlockString:
    """The options of one timm block string; kernels are lists (MixConv: k3.5.7, a1.1, p1.1)."""

    type: str
    r: int
    k: tuple[int, ...]
    s: int
    c: int
    e: float = 1.0
    se: float = 0.0
    a: tuple[int, ...] = (1,)  # uir: (0,) = no depthwise conv before the expansion
    p: tuple[int, ...] = (1,)  # uir: (0,) = none after the projection
    act: str | None = None
    skip: bool | None = None  # True: `skip`, False: `noskip`, None: neither
    fc: int = 0  # er: mid width from these input channels instead of the block's (timm's EdgeTPU `fc`)

    def text(self) -> str:
        ops = [self.type, f"r{self.r}", "k" + ".".join(map(str, self.k))]
        if self.a != (1,):
            ops.append("a" + ".".join(map(str, self.a)))
        if self.p != (1,):
            ops.append("p" + ".".join(map(str, self.p)))
        ops.append(f"s{self.s}")
        if self.type in ("ir", "er", "uir") or self.e != 1.0:
            ops.append(f"e{format_float(self.e)}")
        ops.append(f"c{self.c}")
        if self.fc:
            ops.append(f"fc{self.fc}")
        if self.se:
            ops.append(f"se{format_float(self.se)}")
        if self.act is not None:
            ops.append("n" + {v: k for k, v in TIMM_ACTS.items()}[self.act])
        if self.skip is not None:
            ops.append("skip" if self.skip else "noskip")
        return "_".join(ops)


def parse_block(text: str, where: str) -> BlockString:
    """Read a timm block string; raises ValueError naming the token that is not understood."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"timm arch_def {where}: expected a block string, got {text!r}")
    ops = text.split("_")
    kind = ops[0]
    if kind not in OPTIONS:
        raise ValueError(
            f"timm arch_def {where} {text!r}: unknown block type {kind!r} (known: {', '.join(BLOCK_TYPES)})"
        )
    values: dict[str, str] = {}
    act, skip = None, None
    for op in ops[1:]:
        if op in ("skip", "noskip"):
            key, value = op, ""
        elif op.startswith("n") and op[1:] in TIMM_ACTS:
            key, value = "n", op[1:]
        elif re.fullmatch(r"n[a-z0-9]+", op):
            raise ValueError(
                f"timm arch_def {where} {text!r}: unknown activation {op!r} "
                f"(known: {', '.join('n' + a for a in TIMM_ACTS)})"
            )
        else:
            match = re.fullmatch(r"([a-z]+)([0-9].*)", op)
            if not match:
                raise ValueError(f"timm arch_def {where} {text!r}: cannot read option {op!r}")
            key, value = match[1], match[2]
        if key not in OPTIONS[kind]:
            raise ValueError(
                f"timm arch_def {where} {text!r}: unknown option {op!r} for a {kind!r} block "
                f"(options: {', '.join(sorted(OPTIONS[kind]))})"
            )
        if key in values:
            raise ValueError(f"timm arch_def {where} {text!r}: option {key!r} given twice")
        values[key] = value
        if key == "n":
            act = TIMM_ACTS[value]
        elif key in ("skip", "noskip"):
            skip = key == "skip"
    missing = sorted((REQUIRED | ({"e"} if kind in ("ir", "er", "uir") else set())) - set(values))
    if missing:
        raise ValueError(f"timm arch_def {where} {text!r}: missing option(s) {', '.join(missing)}")

    def number(key: str, cast=int, default=None):
        if key not in values:
            return default
        pattern = _NUMBER if cast is float else re.compile(r"[0-9]+")
        if not pattern.fullmatch(values[key]):
            raise ValueError(f"timm arch_def {where} {text!r}: option {key}{values[key]!r} needs a number")
        return cast(values[key])

    def kernels(key: str) -> tuple[int, ...]:
        if key not in values:
            return (0,) if kind == "uir" and key in ("a", "p") else (1,)
        if not _KERNELS.fullmatch(values[key]):
            raise ValueError(
                f"timm arch_def {where} {text!r}: option {key}{values[key]!r} needs kernel sizes such as 3 or 3.5.7"
            )
        return tuple(int(v) for v in values[key].split("."))

    return BlockString(
        type=kind,
        r=number("r"),
        k=kernels("k"),
        s=number("s"),
        c=number("c"),
        e=number("e", float, 1.0),
        se=number("se", float, 0.0),
        a=kernels("a"),
        p=kernels("p"),
        act=act,
        skip=skip,
        fc=number("fc", int, 0),
    )
