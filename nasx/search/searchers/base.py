"""The ask/tell interface every searcher implements: proposals out, outcomes in.

A searcher is deterministic given its seed and the sequence of `ask`/`tell` calls (no clock, no
global RNG, no hash order), so a search resumes by replaying the recorded calls on a fresh one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from nasx.arch.spec import ArchSpec

if TYPE_CHECKING:
    from nasx.search_spaces.base import Point, Space

STATUSES = ("ok", "failed", "pruned")
DIRECTIONS = ("max", "min")


@dataclass(frozen=True)
class Proposal:
    """One candidate: `id` counts asks from 0; `values` are the space's parameter values."""

    id: int
    values: dict[str, Any]
    spec: ArchSpec


@dataclass(frozen=True)
class Outcome:
    """What became of a proposal: `status` ok / failed / pruned and its metrics
    (reward, val/top1, macs, params, ...; possibly empty when it failed)."""

    status: str
    metrics: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"outcome status {self.status!r}: must be one of {', '.join(STATUSES)}")
        object.__setattr__(self, "metrics", dict(self.metrics))


Objectives = tuple[tuple[str, str], ...]


def check_objectives(objectives: Iterable[Iterable[object]]) -> Objectives:
    """Objectives as a tuple of (metric, "max" | "min"); lists (from YAML) are accepted."""
    try:
        out = tuple((str(k), str(d)) for k, d in objectives)
    except (TypeError, ValueError):
        raise ValueError(f"objectives {objectives!r}: must be pairs (metric, max|min)") from None
    if not out:
        raise ValueError("objectives: at least one (metric, max|min) is needed")
    for key, direction in out:
        if direction not in DIRECTIONS:
            raise ValueError(f"objective {key!r}: direction {direction!r} must be max or min")
    if len({k for k, _ in out}) != len(out):
        raise ValueError(f"objectives {out}: a metric appears twice")
    return out


class Searcher:
    """Base of all searchers. Subclasses define `_propose()` and may define `_observe()`.

    `ask()` returns the next Proposal, or None once the searcher is exhausted. `tell(id, outcome)`
    accepts each asked id once, in any order. Options a subclass does not take raise ValueError.
    """

    name: ClassVar[str] = ""
    max_objectives: ClassVar[int | None] = None  # 1 for single-objective searchers

    def __init__(
        self,
        space: Space,
        *,
        seed: int = 0,
        objectives: Iterable[Iterable[object]] = (("reward", "max"),),
        **options: Any,
    ) -> None:
        if options:
            raise ValueError(f"searcher {self.name}: unknown options {sorted(options)}")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"searcher {self.name}: seed={seed!r} must be an integer >= 0")
        self.space, self.seed = space, int(seed)
        self.objectives = check_objectives(objectives)
        if self.max_objectives is not None and len(self.objectives) > self.max_objectives:
            raise ValueError(
                f"searcher {self.name} optimizes one objective; got {len(self.objectives)}: "
                f"{[k for k, _ in self.objectives]}"
            )
        self.rng = np.random.default_rng(self.seed)
        self.proposals: dict[int, Proposal] = {}
        self.outcomes: dict[int, Outcome] = {}
        self._exhausted = False

    # --- to define in a searcher ---
    def _propose(self) -> Point | None:
        """(values, spec) of the next candidate, or None when there is none left."""
        raise NotImplementedError

    def _observe(self, proposal: Proposal, outcome: Outcome) -> None:
        """Learn from one outcome (default: nothing)."""

    # --- shared ---
    def ask(self) -> Proposal | None:
        if self._exhausted:
            return None
        point = self._propose()
        if point is None:
            self._exhausted = True
            return None
        values, spec = point
        proposal = Proposal(len(self.proposals), dict(values), spec)
        self.proposals[proposal.id] = proposal
        return proposal

    def tell(self, proposal_id: int, outcome: Outcome) -> None:
        if proposal_id not in self.proposals:
            raise ValueError(f"searcher {self.name}: no proposal {proposal_id!r} was asked")
        if proposal_id in self.outcomes:
            raise ValueError(f"searcher {self.name}: proposal {proposal_id} was already told")
        if not isinstance(outcome, Outcome):
            raise TypeError(f"searcher {self.name}: tell takes an Outcome, got {type(outcome).__name__}")
        self.objective_values(outcome)  # an ok outcome lacking an objective is refused before it counts
        self.outcomes[proposal_id] = outcome
        self._observe(self.proposals[proposal_id], outcome)

    @property
    def pending(self) -> list[int]:
        """Ids asked but not yet told, in ask order."""
        return [i for i in self.proposals if i not in self.outcomes]

    def objective_values(self, outcome: Outcome) -> tuple[float, ...] | None:
        """The objectives of an ok outcome as measured; None for failed, pruned or non-finite."""
        if outcome.status != "ok":
            return None
        missing = [k for k, _ in self.objectives if k not in outcome.metrics]
        if missing:
            raise ValueError(f"searcher {self.name}: ok outcome lacks objective metrics {missing}")
        values = tuple(float(outcome.metrics[k]) for k, _ in self.objectives)
        return values if all(math.isfinite(v) for v in values) else None

    def score(self, outcome: Outcome) -> float | None:
        """The single objective, signed so that larger is better; None when there is none."""
        values = self.objective_values(outcome)
        if values is None:
            return None
        return values[0] if self.objectives[0][1] == "max" else -values[0]
