"""Value checks of the plain dataclasses, each failing as one ValueError line that names the field by its
config path and shows the value: `train.batch_size=0: must be an integer >= 1`.

The dataclasses call these in `__post_init__`, so `TrainSpec(batch_size=0)` in Python and
`nasx train ... train.batch_size=0` stop with the same line. Types of config values are the command
line's conversion to check (`nasx.cli.convert`); these check values.

Every number is checked finite where it is read (NaN and infinities never pass `is_number`), and the bounds that
are not a field's own rule live here, in one place: seeds, thread counts, crop paddings (`MAX_*`). Architecture
fields have theirs in `nasx.arch.limits`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

# Seeds are in [0, MAX_SEED]: what every consumer of a seed accepts. Optuna's samplers and numpy's RandomState take
# [0, 2**32 - 1]; torch.manual_seed takes [-2**63, 2**64 - 1]; numpy's default_rng any integer >= 0. Derived seeds
# (seed + 1, ... for several seeds) stay far inside torch's range.
MAX_SEED = 2**32 - 1
MAX_THREADS = 1024  # train.threads: torch's CPU threads of one process, far above the cores of one machine
MAX_CROP_PAD = 256  # train.crop_pad: pixels of zero padding around an image before its random crop


def require(ok: bool, message: str) -> None:
    """ValueError(message) unless ok: the one way every check here fails."""
    if not ok:
        raise ValueError(message)


def check(ok: bool, name: str, value: Any, rule: str) -> None:
    """`name=value: rule` unless ok."""
    require(ok, f"{name}={value!r}: {rule}")


def is_number(value: Any) -> bool:
    """A finite real number (numpy's too) that is not a bool: NaN and infinities are not numbers here."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def int_rule(low: int) -> str:
    return "must be a non-negative integer" if low == 0 else f"must be an integer >= {low}"


def check_int(name: str, value: Any, low: int = 0) -> None:
    """An integer (not a bool) >= low."""
    check(is_int(value) and value >= low, name, value, int_rule(low))


def check_int_range(name: str, value: Any, low: int, high: int) -> None:
    """An integer (not a bool) in [low, high]."""
    check(is_int(value) and low <= value <= high, name, value, f"must be an integer in [{low}, {high}]")


SEED_RULE = f"must be an integer in [0, {MAX_SEED}]"


def check_seed(name: str, value: Any) -> None:
    """A seed: an integer in [0, MAX_SEED]."""
    check(is_int(value) and 0 <= value <= MAX_SEED, name, value, SEED_RULE)


def check_finite(name: str, value: Any) -> None:
    """Any finite number (not NaN, not an infinity)."""
    check(is_number(value), name, value, "must be a finite number")


def check_bool(name: str, value: Any) -> None:
    check(isinstance(value, bool), name, value, "must be true or false")


def check_in(name: str, value: Any, choices: Iterable[str]) -> None:
    """One of a fixed set of words."""
    choices = tuple(choices)
    check(value in choices, name, value, f"choose one of {', '.join(choices)}")


def check_known(what: str, value: Any, names: Iterable[str]) -> None:
    """A name a registry knows: `unknown dataset 'x'; choose one of ...`."""
    names = list(names)
    require(value in names, f"unknown {what} {value!r}; choose one of {', '.join(names)}")


def check_range(
    name: str, value: Any, low: float | None = None, high: float | None = None, *, closed: str = "[]"
) -> None:
    """A finite number within [low, high] (either bound may be None; `closed` "[)", "(]", "()" opens the ends):
    `must be in [0.0, 1.0)`, or with one bound `must be a finite number > 0`, `... >= 0`."""
    ok = is_number(value)
    if ok and low is not None:
        ok = low <= value if closed[0] == "[" else low < value
    if ok and high is not None:
        ok = value <= high if closed[1] == "]" else value < high
    if low is not None and high is not None:
        rule = f"must be in {closed[0]}{low}, {high}{closed[1]}"
    elif low is not None:
        rule = f"must be a finite number {'>=' if closed[0] == '[' else '>'} {low}"
    else:
        rule = f"must be a finite number {'<=' if closed[1] == ']' else '<'} {high}"
    check(ok, name, value, rule)


def check_positive(name: str, value: Any) -> None:
    """A positive finite number."""
    check(is_number(value) and 0 < value < math.inf, name, value, "must be a positive finite number")
