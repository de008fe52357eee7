"""RegNet: one quantized-linear generator of stage widths and depths (Radosavovic et al., 2020)."""

from __future__ import annotations

import math

import numpy as np

from nasx.arch.blocks import Bottleneck, ConvBNAct
from nasx.arch.head import Head
from nasx.arch.rounding import make_divisible
from nasx.arch.spec import ArchSpec

ROUNDINGS = ("pycls", "torchvision")


def regnet_block_stages(w0: float, wa: float, wm: float, depth: int) -> np.ndarray:
    """s_j = round(log_wm(u_j / w0)) with u_j = w0 + wa*j: the quantized stage index of each block."""
    u = np.arange(depth) * wa + w0
    return np.round(np.log(u / w0) / math.log(wm))


def regnet_widths(w0: float, wa: float, wm: float, depth: int, q: int = 8) -> tuple[list[int], list[int]]:
    """Stage widths and depths: u_j = w0 + wa*j, s_j = round(log_wm(u_j / w0)), w = q*round(w0*wm^s_j / q)."""
    if not (wa >= 0 and w0 > 0 and wm > 1 and depth >= 1):
        raise ValueError(
            f"regnet: need wa >= 0, w0 > 0, wm > 1, depth >= 1; got w0={w0}, wa={wa}, wm={wm}, depth={depth}"
        )
    if w0 % q:
        raise ValueError(f"regnet: w0={w0} must be a multiple of {q}")
    s = regnet_block_stages(w0, wa, wm, depth)
    ws = (np.round(w0 * np.power(wm, s) / q) * q).astype(int)
    widths, depths = np.unique(ws, return_counts=True)
    return [int(w) for w in widths], [int(d) for d in depths]


def compatible_width(width: int, bot_mul: float, group_w: int, rounding: str) -> tuple[int, int]:
    """(stage width, group width) adjusted so the group width divides the bottleneck width."""
    w_b = int(width * bot_mul) if rounding == "torchvision" else int(max(1, width * bot_mul))
    g = min(group_w, w_b)
    if rounding == "torchvision":
        w_b = make_divisible(w_b, g)
    else:
        m = math.lcm(g, int(bot_mul)) if bot_mul > 1 else g
        w_b = max(m, int(round(w_b / m) * m))
    return int(w_b / bot_mul), g


def regnet(
    w0: float,
    wa: float,
    wm: float,
    depth: int,
    group_w: int,
    bot_mul: float = 1.0,
    se_ratio: float = 0.0,
    rounding: str = "pycls",
    *,
    stem_w: int = 32,
    num_classes: int = 1000,
    resolution: int = 224,
) -> ArchSpec:
    """A RegNet as an ArchSpec: 3x3 s2 stem, stride-2 bottleneck stages, pool + linear head.

    rounding="pycls" snaps bottleneck widths to the group width with round-half-even (pycls, timm);
    "torchvision" uses make_divisible's half-up and 10% rule (torchvision's regnet_* models). The SE
    width is round(c_in * se_ratio) in all three sources (differing from floor for widths that are not
    multiples of 4: group widths such as 6 or 10).
    """
    if rounding not in ROUNDINGS:
        raise ValueError(f"rounding={rounding!r}: must be one of {', '.join(ROUNDINGS)}")
    widths, depths = regnet_widths(w0, wa, wm, depth)
    stages = []
    for width, d in zip(widths, depths):
        width, g = compatible_width(width, bot_mul, group_w, rounding)
        w_b = round(width * bot_mul)
        stages.append(Bottleneck(r=d, s=2, c=width, b=bot_mul, g=w_b // g, se=se_ratio, se_round="round"))
    return ArchSpec(
        stem=(ConvBNAct(k=3, s=2, c=stem_w),),
        stages=tuple(stages),
        head=Head(),
        resolution=resolution,
        num_classes=num_classes,
    )
