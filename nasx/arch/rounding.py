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


def round_repeats(repeats: int, depth_mult: float) -> int:
    """EfficientNet depth rule: ceil(depth_mult * repeats), as in the TF and torchvision code."""
    return int(math.ceil(depth_mult * repeats))
