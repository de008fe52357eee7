"""Named parameters of a search space: a finite choice, an integer range or a float range.

Each parameter samples from a numpy Generator, proposes through an Optuna trial (`suggest_*` only),
snaps any proposed value onto its grid, and counts its distinct values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

Value = bool | int | float | str | None  # one parameter's value: a JSON scalar (Optuna's categorical choice)


class Trial(Protocol):
    """The three methods of an Optuna trial (`optuna.trial.BaseTrial`) that parameters propose through."""

    def suggest_categorical(self, name: str, choices: Sequence[Value]) -> Value: ...

    def suggest_int(self, name: str, low: int, high: int, *, step: int = 1, log: bool = False) -> int: ...

    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float: ...


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step)) + 3)


@dataclass(frozen=True)
class Choice:
    """One of a finite tuple of values (categorical)."""

    name: str
    values: tuple[Value, ...]

    def __post_init__(self) -> None:
        if not self.values:
            raise ValueError(f"{self.name}: a choice needs at least one value")
        if len(set(self.values)) != len(self.values):
            raise ValueError(f"{self.name}: repeated values in {self.values}")

    def sample(self, rng: np.random.Generator) -> Value:
        return self.values[int(rng.integers(len(self.values)))]

    def suggest(self, trial: Trial) -> Value:
        return trial.suggest_categorical(self.name, list(self.values))

    def snap(self, value: Value) -> Value:
        if value not in self.values:
            raise ValueError(f"{self.name}={value!r}: not one of {list(self.values)}")
        return value

    def grid(self) -> tuple[Value, ...]:
        return self.values

    def count(self) -> int:
        return len(self.values)

    def describe(self) -> str:
        return "{" + ", ".join(str(v) for v in self.values) + "}"


@dataclass(frozen=True)
class IntRange:
    """An integer in [low, high] on multiples of `step` (from low), uniform or log-uniform."""

    name: str
    low: int
    high: int
    step: int = 1
    log: bool = False

    def __post_init__(self) -> None:
        if not (self.step >= 1 and self.low <= self.high and (not self.log or self.low > 0)):
            raise ValueError(
                f"{self.name}: need 1 <= step, low <= high (low > 0 for log); "
                f"got [{self.low}, {self.high}] step {self.step}"
            )

    def snap(self, value: float) -> int:
        v = self.low + round((float(value) - self.low) / self.step) * self.step
        return int(min(max(v, self.low), self.high - (self.high - self.low) % self.step))

    def sample(self, rng: np.random.Generator) -> int:
        if self.log:
            return self.snap(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))
        return self.low + self.step * int(rng.integers(self.count()))

    def suggest(self, trial: Trial) -> int:
        if self.log and self.step > 1:  # Optuna has no stepped log ints: propose, then snap
            return self.snap(trial.suggest_int(self.name, self.low, self.high, log=True))
        return trial.suggest_int(self.name, self.low, self.high, step=self.step, log=self.log)

    def grid(self) -> range:
        return range(self.low, self.high + 1, self.step)

    def count(self) -> int:
        return (self.high - self.low) // self.step + 1

    def describe(self) -> str:
        step = f" step {self.step}" if self.step > 1 else ""
        return f"[{self.low}, {self.high}]{step}{' log' if self.log else ''}"


@dataclass(frozen=True)
class FloatRange:
    """A float in [low, high], uniform or log-uniform, quantized to multiples of `q` when given."""

    name: str
    low: float
    high: float
    q: float | None = None
    log: bool = False

    def __post_init__(self) -> None:
        if not (self.low <= self.high and (self.q is None or self.q > 0) and (not self.log or self.low > 0)):
            raise ValueError(
                f"{self.name}: need low <= high, q > 0, low > 0 for log; got [{self.low}, {self.high}] q={self.q}"
            )

    def snap(self, value: float) -> float:
        v = min(max(float(value), self.low), self.high)
        if self.q is None:
            return v
        v = round(round(v / self.q) * self.q, _decimals(self.q))
        return min(max(v, self.low), self.high)

    def sample(self, rng: np.random.Generator) -> float:
        if self.log:
            return self.snap(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))
        return self.snap(rng.uniform(self.low, self.high))

    def suggest(self, trial: Trial) -> float:
        if self.q is not None and not self.log:
            return self.snap(trial.suggest_float(self.name, self.low, self.high, step=self.q))
        return self.snap(trial.suggest_float(self.name, self.low, self.high, log=self.log))

    def grid(self) -> list[float]:
        if self.q is None:
            raise ValueError(f"{self.name}: a continuous range has no grid")
        return [self.snap(self.low + i * self.q) for i in range(self._points(self.q))]

    def count(self) -> int | float:
        if self.q is None:
            return math.inf
        return self._points(self.q)

    def _points(self, q: float) -> int:
        """Grid points of the range quantized to multiples of `q`."""
        return int(math.floor((self.high - self.low) / q + 1e-9)) + 1

    def describe(self) -> str:
        q = f" q={self.q}" if self.q is not None else ""
        return f"[{self.low}, {self.high}]{q}{' log' if self.log else ''}"


Param = Choice | IntRange | FloatRange
