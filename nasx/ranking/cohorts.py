"""Synchronous front halving (after Archai): trials grouped in cohorts in the order they start; at each rung
epoch a trial waits until every member of its cohort has reported there or ended, then the cohort's points
are ranked as MO-ASHA ranks a rung's (nasx.ranking.rungs) and the first ceil(n / η) continue.

A cohort is decided at a rung once it is closed (full, or `close`d: no more trials will join it, e.g. every
trial of the budget has started) and none of its live members is still on its way there. A member that
reports without a finite point (not evaluated at that epoch) is not ranked there and goes on.
"""

from __future__ import annotations

import math

from nasx.ranking.rungs import Decision, decide


class Cohorts:
    """The cohorts of one search: who joined which, what each reported at each rung, who ended, who waits.
    `records` (rung -> {trial_id: point}, a resumed search's, in the order its trials were recorded) replays
    the recorded trials as ended members of the first cohorts, so that the trials run again join the last
    one and are ranked beside the recorded points."""

    def __init__(
        self, rungs: tuple[int, ...], eta: int, size: int, records: dict[int, dict[str, tuple]] | None = None
    ) -> None:
        if size < 2:
            raise ValueError(f"cohort size {size}: must be >= 2")
        self.rungs, self.eta, self.size = tuple(rungs), eta, size
        self.members: list[list[str]] = []  # cohorts in start order
        self.cohort_of: dict[str, int] = {}
        self.closed: set[int] = set()
        self.points: dict[tuple[int, int], dict[str, tuple | None]] = {}  # (cohort, rung) -> trial -> point
        self.decided: set[tuple[int, int]] = set()
        self.ended: set[str] = set()
        recorded: dict[str, None] = {}
        for rung in self.rungs:
            recorded.update(dict.fromkeys((records or {}).get(rung, {})))
        for trial_id in recorded:
            cohort = self.join(trial_id)
            for rung in self.rungs:
                point = (records or {}).get(rung, {}).get(trial_id)
                if point is not None:
                    self.points.setdefault((cohort, rung), {})[trial_id] = point
            self.ended.add(trial_id)

    def join(self, trial_id: str) -> int:
        """Put a starting trial in the open cohort (a new one when there is none); returns the cohort."""
        if trial_id in self.cohort_of:
            return self.cohort_of[trial_id]
        if not self.members or len(self.members) - 1 in self.closed:
            self.members.append([])
        cohort = len(self.members) - 1
        self.members[cohort].append(trial_id)
        self.cohort_of[trial_id] = cohort
        if len(self.members[cohort]) >= self.size:
            self.closed.add(cohort)
        return cohort

    def close(self) -> dict[str, Decision]:
        """No more trials will join the open cohort: it is decided at every rung its members wait at."""
        if self.members:
            self.closed.add(len(self.members) - 1)
        return self._settle(len(self.members) - 1) if self.members else {}

    def report(self, trial_id: str, rung: int, point: tuple | None) -> dict[str, Decision]:
        """A member reached `rung` (`point`: None or not finite, not ranked there); returns the decisions made
        now (trial -> Decision; empty while the cohort waits). A trial not decided at a rung it reported waits."""
        if point is not None and not all(math.isfinite(v) for v in point):
            point = None
        cohort = self.join(trial_id)
        self.points.setdefault((cohort, rung), {})[trial_id] = point
        return self._settle(cohort)

    def end(self, trial_id: str) -> dict[str, Decision]:
        """A member ended (finished, stopped or failed): it is no longer waited for."""
        self.ended.add(trial_id)
        cohort = self.cohort_of.get(trial_id)
        return self._settle(cohort) if cohort is not None else {}

    def waiting(self, trial_id: str) -> bool:
        """Whether the trial reported at a rung of its cohort that is not decided yet."""
        cohort = self.cohort_of.get(trial_id)
        return cohort is not None and any(
            self.points.get((cohort, r), {}).get(trial_id) is not None and (cohort, r) not in self.decided
            for r in self.rungs
        )

    def _settle(self, cohort: int) -> dict[str, Decision]:
        out: dict[str, Decision] = {}
        if cohort not in self.closed:
            return out
        for rung in self.rungs:
            key = (cohort, rung)
            at = self.points.get(key, {})
            if key in self.decided or not at:
                continue
            if any(t not in at and t not in self.ended for t in self.members[cohort]):
                continue  # a live member is still on its way to the rung
            self.decided.add(key)
            ranked = {t: p for t, p in at.items() if p is not None}
            ids = list(ranked)
            for trial_id in ids:
                if trial_id not in self.ended:
                    out[trial_id] = decide([ranked[t] for t in ids], ids.index(trial_id), self.eta, rung)
        return out
