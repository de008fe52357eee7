"""Channel and depth rounding rules shared by the generators and the blocks."""

from __future__ import annotations

import math


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None, round_limit: float = 0.9) -> int:
    """Round to a multiple of `divisor`, never more than 10% (1 - round_limit) below `value` (TF/torchvision
    rule; timm's round_limit=0 for EfficientNetV2-base, 0.95 for FBNetV3)."""
    min_value = divisor if min_value is None else min_value
    new = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if new < round_limit * value:
        new += divisor
    return new


def round_half_up(value: float) -> int:
    """Nearest integer, halves up; tolerant of float noise such as 80 * 2.3 = 183.99999999999997."""
    return math.floor(value + 0.5 + 1e-9)


def scale_channels(channels: int, width_mult: float) -> int:
    """Compound-scaling width rule: make_divisible(channels * width_mult, 8); unchanged at 1.0."""
    return channels if width_mult == 1.0 else make_divisible(channels * width_mult, 8)


DEPTH_ROUNDINGS = ("ceil", "round")


def scale_repeats(repeats: int, depth_mult: float, rounding: str = "ceil") -> int:
    """Compound-scaling depth rule: ceil(repeats * depth_mult) (or `round`); unchanged at 1.0."""
    return repeats if depth_mult == 1.0 else round_repeats(repeats, depth_mult, rounding)


def round_repeats(repeats: int, depth_mult: float, rounding: str = "ceil") -> int:
    """EfficientNet depth rule: ceil(depth_mult * repeats), as in the TF and torchvision code; `round`:
    max(1, round(depth_mult * repeats)) with Python's round (timm's depth_trunc="round": TinyNet, MixNet-M)."""
    if rounding == "round":
        return max(1, round(repeats * depth_mult))
    if rounding != "ceil":
        raise ValueError(f"depth rounding {rounding!r}: must be one of {', '.join(DEPTH_ROUNDINGS)}")
    return int(math.ceil(depth_mult * repeats))


def scale_stage_repeats(repeats: list[int], depth_mult: float, rounding: str = "ceil") -> list[int]:
    """Repeats of the blocks of one stage scaled together (timm's `_scale_stage_depth`): the stage total is
    rounded, then handed out in proportion from the last block back, each block keeping at least one."""
    total = sum(repeats)
    left = round_repeats(total, depth_mult, rounding)
    out = []
    for r in reversed(repeats):
        share = max(1, round(r / total * left))
        out.append(share)
        total -= r
        left -= share
    return out[::-1]


def split_channels(channels: int, groups: int) -> list[int]:
    """MixConv's channel split (timm's `_split_channels`): equal parts, the remainder to the first."""
    split = [channels // groups] * groups
    split[0] += channels - sum(split)
    return split


def round_se(value: float, rule: str) -> int:
    """Squeeze width of an SE layer: "floor" (torchvision's EfficientNet), "round" (Python's round, half to
    even: pycls, timm) or "div8" (make_divisible(value, 8): MobileNetV3); never below 1."""
    if rule == "floor":
        return max(1, int(value))
    if rule == "round":
        return max(1, round(value))
    return make_divisible(value, 8)
