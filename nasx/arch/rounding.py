"""Channel and depth rounding rules shared by the generators and the blocks."""
from __future__ import annotations

import math


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round to a multiple of `divisor`, never more than 10% below `value` (TF/torchvision rule)."""
    min_value = divisor if min_value is None else min_value
    new = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if new < 0.9 * value:
        new += divisor
    return new


def round_half_up(value: float) -> int:
    """Nearest integer, halves up; tolerant of float noise such as 80 * 2.3 = 183.99999999999997."""
    return math.floor(value + 0.5 + 1e-9)


def scale_channels(channels: int, width_mult: float) -> int:
    """Compound-scaling width rule: make_divisible(channels * width_mult, 8); unchanged at 1.0."""
    return channels if width_mult == 1.0 else make_divisible(channels * width_mult, 8)


def scale_repeats(repeats: int, depth_mult: float) -> int:
    """Compound-scaling depth rule: ceil(repeats * depth_mult); unchanged at 1.0."""
    return repeats if depth_mult == 1.0 else round_repeats(repeats, depth_mult)


def round_repeats(repeats: int, depth_mult: float) -> int:
    """EfficientNet depth rule: ceil(depth_mult * repeats), as in the TF and torchvision code."""
    return int(math.ceil(depth_mult * repeats))
