"""`reinforce`: a MnasNet-style controller (Tan et al., 2019) trained by REINFORCE (Williams, 1992).

The policy is an independent softmax per parameter over its actions: a Choice's values, or an
IntRange/FloatRange discretised onto at most `max_choices` grid points (evenly spaced, in log
space for a log range, snapped onto the parameter's own grid). Each proposal samples one action
per parameter; a point the space rejects is resampled. On an ok outcome with reward r (the
objective, signed so that larger is better), every sampled parameter's logits move by

    logits += lr * A * (onehot(action) - softmax(logits))
            + lr * entropy_weight * dH/dlogits,    dH/dlogits = -p * (log p + H)
    A = (r - b) / sd

where b is the baseline before this reward, then b <- decay * b + (1 - decay) * r, and sd is the
standard deviation (population) of every reward told so far, r included; A = 0 while sd is 0. The
baseline starts at the first reward told. Normalising by sd makes the step invariant to an affine
rescaling of the rewards (r -> a * r + c, a > 0), so one `lr` serves rewards that differ by 0.01 or by
100. Failed and pruned outcomes do not update the policy.

Every ask is answered at once, from the current policy (the uniform one before any result), so a
search with many slots and no results yet still fills them all; results update the policy one at a
time as they are told, in any order.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from nasx.search.searchers import register
from nasx.search.searchers.base import Outcome, Proposal, Searcher
from nasx.search_spaces.params import Choice, Param, Value

if TYPE_CHECKING:
    from nasx.search_spaces.base import Point, Space

Vector = npt.NDArray[np.float64]


def softmax(z: Vector) -> Vector:
    e: Vector = np.exp(z - z.max())  # annotated: numpy's stubs type ndarray.max() and .sum() as Any
    return e / np.sum(e)


def actions_of(param: Param, max_choices: int) -> tuple[Value, ...]:
    """The values a parameter's policy chooses among."""
    if isinstance(param, Choice):
        return tuple(param.values)
    if math.isfinite(param.count()) and param.count() <= max_choices:
        return tuple(param.grid())
    points = (np.geomspace if param.log else np.linspace)(param.low, param.high, max_choices)
    return tuple(dict.fromkeys(param.snap(float(x)) for x in points))


@register("reinforce")
class ReinforceSearcher(Searcher):
    max_objectives = 1

    def __init__(
        self,
        space: Space,
        *,
        lr: float = 0.1,
        baseline_decay: float = 0.9,
        entropy_weight: float = 0.0,
        max_choices: int = 32,
        max_tries: int = 10_000,
        **options: Any,
    ) -> None:
        super().__init__(space, **options)
        if not (lr > 0 and 0 <= baseline_decay < 1 and entropy_weight >= 0 and max_choices >= 2 and max_tries >= 1):
            raise ValueError(
                f"searcher reinforce: need lr > 0, 0 <= baseline_decay < 1, entropy_weight >= 0, "
                f"max_choices >= 2, max_tries >= 1; got {lr}, {baseline_decay}, {entropy_weight}, "
                f"{max_choices}, {max_tries}"
            )
        self.lr, self.baseline_decay, self.entropy_weight = float(lr), float(baseline_decay), float(entropy_weight)
        self.max_tries = int(max_tries)
        self.params = space.parameters()
        self.actions = [actions_of(p, int(max_choices)) for p in self.params]
        self.logits = [np.zeros(len(a)) for a in self.actions]
        self.baseline: float | None = None
        self._reward_stats = (0, 0.0, 0.0)  # Welford: count, mean, sum of squared deviations
        self._sampled: dict[int, list[int]] = {}  # proposal id -> action index per parameter

    def probabilities(self) -> dict[str, dict[Value, float]]:
        """{parameter: {value: probability}} of the current policy."""
        return {p.name: dict(zip(a, softmax(z).tolist())) for p, a, z in zip(self.params, self.actions, self.logits)}

    def _reward_sd(self, reward: float) -> float:
        """Standard deviation of the rewards told so far, this one included (Welford's update)."""
        n, mean, m2 = self._reward_stats
        n += 1
        delta = reward - mean
        mean += delta / n
        m2 += delta * (reward - mean)
        self._reward_stats = (n, mean, m2)
        return math.sqrt(max(m2, 0.0) / n)

    def _draws(self, picked: list[list[int]]) -> Iterator[dict[str, Value]]:
        """Values sampled from the policy, `max_tries` of them; each one's action indices go to `picked`."""
        for _ in range(self.max_tries):
            picks = [int(self.rng.choice(len(z), p=softmax(z))) for z in self.logits]
            picked.append(picks)
            yield {p.name: a[i] for p, a, i in zip(self.params, self.actions, picks)}

    def _propose(self) -> Point:
        picked: list[list[int]] = []
        point = self.space.first_admitted(self._draws(picked))
        if point is not None:
            self._sampled[len(self.proposals)] = picked[-1]
            return point
        raise ValueError(
            f"searcher reinforce: no point of space {self.space.name} within "
            f"{self.space.budget.describe()} in {self.max_tries:,} samples of the policy"
        )

    def _observe(self, proposal: Proposal, outcome: Outcome) -> None:
        picks = self._sampled.pop(proposal.id)
        reward = self.score(outcome)
        if reward is None:
            return
        if self.baseline is None:
            self.baseline = reward
        sd = self._reward_sd(reward)
        advantage = (reward - self.baseline) / sd if sd > 0 else 0.0
        for z, i in zip(self.logits, picks):
            p = softmax(z)
            step = -advantage * p
            step[i] += advantage
            if self.entropy_weight:
                logp = np.log(np.maximum(p, 1e-300))
                step += self.entropy_weight * (-p * (logp + -(p * logp).sum()))
            z += self.lr * step
        self.baseline = self.baseline_decay * self.baseline + (1 - self.baseline_decay) * reward
