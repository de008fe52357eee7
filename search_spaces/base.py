"""The interface every search space implements, with seeded sampling under a complexity budget."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np

from nasx.arch.spec import ArchSpec
from nasx.complexity import complexity
from nasx.search_spaces.params import Param, Trial

Point = tuple[dict[str, Any], ArchSpec]  # (values of the parameters, the spec they generate)
Seed = int | np.random.Generator  # what a space samples from: a seed or a numpy Generator
SMALLEST_SAMPLE = 64  # points drawn (seed 0) by the default `smallest_point`


class Rejected(ValueError):
    """A proposed point the space does not accept: an invalid combination or outside the budget."""


def _check_range(name: str, bounds: Iterable[float] | None) -> tuple[float, float] | None:
    if bounds is None:
        return None
    try:
        low, high = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise ValueError(f"{name} range {bounds!r}: must be two numbers [min, max]") from None
    if not (math.isfinite(low) and math.isfinite(high)) or low < 0:
        raise ValueError(f"{name} range [{low:g}, {high:g}]: bounds must be finite and >= 0")
    if low > high:
        raise ValueError(f"{name} range [{low:g}, {high:g}] is inverted (min > max)")
    if low == high:
        raise ValueError(f"{name} range [{low:g}, {high:g}] is empty (min == max)")
    return low, high


@dataclass(frozen=True)
class Budget:
    """Closed ranges of analytic MACs and params a candidate must fall in (None: unbounded), and of its
    latency in ms as `latency` gives it (spec -> (ms, how): a latency table's prediction or a measurement)."""

    macs: tuple[float, float] | None = None
    params: tuple[float, float] | None = None
    latency_ms: tuple[float, float] | None = None
    latency: Callable[[ArchSpec], tuple[float, str]] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "macs", _check_range("MACs", self.macs))
        object.__setattr__(self, "params", _check_range("params", self.params))
        object.__setattr__(self, "latency_ms", _check_range("latency_ms", self.latency_ms))
        if self.latency_ms is not None and self.latency is None:
            raise ValueError("a latency_ms range needs a way to know the latency")

    def admits(self, spec: ArchSpec) -> bool:
        """Whether `spec` is within every range (ValueError when its latency cannot be had)."""
        if self.macs is not None or self.params is not None:
            cost = complexity(spec)
            if not all(b is None or b[0] <= v <= b[1] for b, v in ((self.macs, cost.macs), (self.params, cost.params))):
                return False
        if self.latency_ms is not None and self.latency is not None:
            low, high = self.latency_ms
            return low <= self.latency(spec)[0] <= high
        return True

    def describe(self) -> str:
        ranges = (("MACs", self.macs, ""), ("params", self.params, ""))
        parts = [f"{n} in [{b[0]:,.0f}, {b[1]:,.0f}]{u}" for n, b, u in ranges if b]
        if self.latency_ms:
            parts.append(f"latency in [{self.latency_ms[0]:g}, {self.latency_ms[1]:g}] ms")
        return " and ".join(parts) or "no budget"


@dataclass(frozen=True)
class Size:
    """Number of distinct architectures; `exact` is False for an estimate or an upper bound."""

    count: float
    exact: bool
    note: str = ""


@dataclass
class SampleStats:
    """What rejection sampling (`Space.admit`) has seen so far."""

    tries: int = 0
    invalid: int = 0
    over_budget: int = 0

    @property
    def accepted(self) -> int:
        return self.tries - self.invalid - self.over_budget

    @property
    def acceptance(self) -> float:
        return self.accepted / self.tries if self.tries else math.nan


class Space:
    """A set of ArchSpecs: named parameters plus one pure generator.

    Subclasses define `parameters()`, `_generate(values)` (raises ValueError for an invalid
    combination) and `params_of(spec)`; everything else is shared. Membership ignores what a
    space does not choose: resolution, classes, dropout and stochastic depth (see `normalize`).
    """

    name: ClassVar[str] = ""

    def __init__(
        self,
        *,
        resolution: int = 224,
        num_classes: int = 1000,
        macs: Iterable[float] | None = None,
        params: Iterable[float] | None = None,
        max_tries: int = 10_000,
    ) -> None:
        """`macs` and `params`: the budget's [min, max] ranges (a list from a config, or None)."""
        if max_tries < 1:
            raise ValueError(f"max_tries={max_tries}: must be >= 1")
        self.resolution, self.num_classes, self.max_tries = resolution, num_classes, max_tries
        self.budget = Budget(_check_range("MACs", macs), _check_range("params", params))
        self.stats = SampleStats()

    # --- to define in a space ---
    def parameters(self) -> tuple[Param, ...]:
        raise NotImplementedError

    def _generate(self, values: dict[str, Any]) -> ArchSpec:
        raise NotImplementedError

    def params_of(self, spec: ArchSpec) -> dict[str, Any]:
        """The choices that generate `spec` (up to `normalize`); ValueError if it is not a point."""
        raise NotImplementedError

    # --- shared ---
    def parameter(self, name: str) -> Param:
        for p in self.parameters():
            if p.name == name:
                return p
        raise ValueError(f"space {self.name}: no parameter {name!r}")

    def values_from(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Raw proposed values (Optuna, Ray, a config) snapped onto the parameters' grids."""
        names = [p.name for p in self.parameters()]
        missing, unknown = set(names) - set(raw), set(raw) - set(names)
        if missing or unknown:
            raise ValueError(f"space {self.name}: missing parameters {sorted(missing)}, unknown {sorted(unknown)}")
        return {p.name: p.snap(raw[p.name]) for p in self.parameters()}

    def generate(self, values: dict[str, Any]) -> ArchSpec:
        """The ArchSpec of one point (values snapped first); ValueError for an invalid combination."""
        return self._generate(self.values_from(values))

    def normalize(self, spec: ArchSpec) -> ArchSpec:
        """`spec` with what the space does not choose set to the space's defaults."""
        return replace(
            spec,
            resolution=self.resolution,
            num_classes=self.num_classes,
            drop_path=0.0,
            head=replace(spec.head, dropout=0.0),
        )

    def contains(self, spec: ArchSpec) -> bool:
        try:
            self.params_of(spec)
        except ValueError:
            return False
        return True

    def is_point(self, spec: ArchSpec, values: dict[str, Any]) -> bool:
        """True when `values` generate `spec` up to `normalize`."""
        try:
            return self.normalize(self.generate(values)) == self.normalize(spec)
        except ValueError:
            return False

    def sample_values(self, rng: Seed) -> dict[str, Any]:
        rng = np.random.default_rng(rng)
        return {p.name: p.sample(rng) for p in self.parameters()}

    def sample_point(self, rng: Seed) -> Point:
        """(values, spec) of a random valid point within the budget, by rejection; seeded by `rng`."""
        rng = np.random.default_rng(rng)
        point = self.first_admitted(self.sample_values(rng) for _ in range(self.max_tries))
        if point is None:
            raise ValueError(
                f"space {self.name}: no candidate with {self.budget.describe()} in {self.max_tries:,} "
                f"samples; widen the range"
            )
        return point

    def first_admitted(
        self, proposals: Iterable[dict[str, Any]], *, on_reject: Callable[[Rejected], None] | None = None
    ) -> Point | None:
        """Rejection sampling, the one loop every sampler of the space uses: the first of `proposals` (values
        on the parameters' grids) that the space admits, as (values, spec); None when none is.
        `on_reject` hears each rejection."""
        for values in proposals:
            try:
                return values, self.admit(values)
            except Rejected as exc:
                if on_reject is not None:
                    on_reject(exc)
        return None

    def sample(self, rng: Seed) -> ArchSpec:
        return self.sample_point(rng)[1]

    def suggest(self, trial: Trial) -> ArchSpec:
        """Optuna define-by-run: one `trial.suggest_*` per parameter, then the pure generator.
        Raises `Rejected` for an invalid combination or a candidate outside the budget."""
        return self.suggest_point(trial)[1]

    def suggest_point(self, trial: Trial) -> Point:
        """(values, spec) of `suggest`: the values as the parameters returned them (on their grids)."""
        values = {p.name: p.suggest(trial) for p in self.parameters()}
        return values, self.admit(values)

    def admit(self, values: dict[str, Any]) -> ArchSpec:
        """The ArchSpec of proposed values (on the parameters' grids); `Rejected` when the combination
        is invalid or the candidate is outside the budget. Every call counts in `stats`."""
        self.stats.tries += 1
        try:
            spec = self._generate(values)
        except ValueError as exc:
            self.stats.invalid += 1
            raise Rejected(f"space {self.name}: invalid point: {exc}") from None
        try:
            admitted = self.budget.admits(spec)
        except ValueError as exc:  # a latency that cannot be had: a unit the latency table lacks
            self.stats.invalid += 1
            raise Rejected(f"space {self.name}: {exc}") from None
        if not admitted:
            self.stats.over_budget += 1
            raise Rejected(f"space {self.name}: candidate outside {self.budget.describe()}")
        return spec

    @property
    def finite(self) -> bool:
        return all(math.isfinite(p.count()) for p in self.parameters())

    def size(self) -> Size:
        """Distinct choice assignments; spaces with invalid combinations or coinciding points refine this."""
        count = math.prod(p.count() for p in self.parameters())
        return Size(count, exact=False, note="choice assignments (upper bound)")

    def grid(self, *, within_budget: bool = True) -> Iterator[Point]:
        """Every valid point (within the budget) once, in a deterministic order (finite spaces only)."""
        if not self.finite:
            raise ValueError(f"space {self.name} has continuous parameters: it has no grid")
        params = self.parameters()
        seen: set[str] = set()
        for combo in itertools.product(*(p.grid() for p in params)):
            values = dict(zip((p.name for p in params), combo))
            try:
                spec = self._generate(values)
            except ValueError:
                continue
            key = spec.key()
            if key in seen or (within_budget and not self.budget.admits(spec)):
                continue
            seen.add(key)
            yield values, spec

    def describe(self) -> list[tuple[str, str, str]]:
        """(name, kind, values) of each parameter."""
        return [(p.name, type(p).__name__, p.describe()) for p in self.parameters()]

    # --- weight sharing (nasx.supernet) ---
    def weight_sharing_blocker(self) -> str | None:
        """None when one supernet can hold every point's weights; else one line naming the choice that
        prevents it. A space shares weights only where it declares its elastic structure."""
        return f"space {self.name} does not declare its elastic structure (stage_slots, largest_points)"

    def stage_slots(self, values: dict[str, Any], spec: ArchSpec) -> tuple[str, ...]:
        """One slot per stage of `spec` (the point of `values`): the place in the space's skeleton and op
        family whose supernet weights that stage takes. Default: positional, `s{i}.{TYPE}`."""
        return tuple(f"s{i}.{block.TYPE}" for i, block in enumerate(spec.stages))

    def largest_points(self) -> list[tuple[dict[str, Any], ArchSpec]]:
        """(values, full-scale spec) of networks whose weights, slot by slot, are at least as large as
        every point's: the supernet's shapes are their elementwise maximum."""
        raise NotImplementedError(f"space {self.name} declares no largest points")

    def smallest_point(self) -> Point:
        """(values, spec) of the space's network with the fewest full-scale MACs within the budget, the
        sandwich rule's smallest. Default: the fewest-MACs of SMALLEST_SAMPLE points drawn with seed 0 (the
        first on a tie), deterministic; a space that knows its smallest point exactly overrides this."""
        rng = np.random.default_rng(0)
        points = [self.sample_point(rng) for _ in range(SMALLEST_SAMPLE)]
        return min(points, key=lambda point: complexity(point[1]).macs)

    def kernel_and_depth(self) -> tuple[str, ...]:
        """The parameters that choose kernel sizes and depths, which Once-for-All's progressive shrinking
        frees before the others (nasx.supernet.sandwich); default none: the space is not shrunk progressively."""
        return ()
