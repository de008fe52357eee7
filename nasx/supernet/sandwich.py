"""The sandwich rule (BigNAS, Once-for-All) and single-path uniform sampling (SPOS): the networks of one
supernet training step, and the step.

Each step trains the largest network on the labels, with the protocol's label smoothing and the spec's
dropout and stochastic depth; then the smallest network and `random_subnets` random points, without dropout,
stochastic depth or label smoothing, on the largest's soft labels (`distill`: in-place distillation, the
detached softmax as target of a soft cross-entropy) or on the labels. Their gradients add up; the caller
steps the optimizer once (nasx.supernet.training).

The largest network is the teacher: of the space's largest networks (`supernet.largest()`), the one that
holds the smallest network's slots (mnasnet: the mb6 one, whose MBConv family the smallest, mb1, shares;
compound: its only one), the most MACs among several; the most MACs of all when none holds them.

Progressive shrinking (`progressive`, Once-for-All's order kept simple): the first third of the epochs
trains the largest network alone; the second third adds networks that differ from it only in the space's
kernel sizes and depths (`space.kernel_and_depth()`, the other values the largest's): the smallest such and
random ones; the last third trains every point. With fewer than three epochs the later phases are cut.

Uniform sampling (`sampling="uniform"`, Guo et al. 2020's single-path one-shot): each step trains one point drawn
at random, on the labels with the protocol's label smoothing and its spec's dropout and stochastic depth, as a
candidate is trained on its own; no largest network, no distillation. The largest and the smallest are still
the networks measured after each epoch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch
from torch import nn

from nasx.arch.spec import ArchSpec
from nasx.complexity import complexity
from nasx.data.images import fit

PHASES = ("largest", "kernel_depth", "every")  # progressive shrinking, one per third of the epochs


@dataclass(frozen=True)
class Network:
    """A network of the supernet: its trained spec and the slots of its stages."""

    spec: ArchSpec
    slots: tuple[str, ...]


def without_regularisation(spec: ArchSpec) -> ArchSpec:
    """`spec` without stochastic depth and head dropout: how the sandwich trains every network but the largest."""
    return replace(spec, drop_path=0.0, head=replace(spec.head, dropout=0.0))


def progressive_blocker(space) -> str | None:
    """None when progressive shrinking applies to `space`; else why not, one line."""
    if space.kernel_and_depth():
        return None
    return f"supernet.progressive=true: space {space.name} declares no kernel-size or depth parameters to free first"


SAMPLINGS = ("sandwich", "uniform")


class Sandwich:
    """Which networks a step trains: by the sandwich rule `largest` and `smallest` (each a Network) and, per
    step, `random_subnets` random points drawn from a numpy Generator; by `sampling="uniform"` one random point
    per step. `networks(phase, rng)` lists them; `trains_largest` says whether the first is the largest."""

    def __init__(self, supernet, random_subnets: int, *, progressive: bool = False, sampling: str = "sandwich") -> None:
        if sampling not in SAMPLINGS:
            raise ValueError(f"supernet.sampling={sampling!r}: choose one of {', '.join(SAMPLINGS)}")
        if progressive and sampling != "sandwich":
            raise ValueError("supernet.progressive=true: progressive shrinking needs supernet.sampling=sandwich")
        if progressive and progressive_blocker(supernet.space):
            raise ValueError(progressive_blocker(supernet.space))
        self.supernet, self.space = supernet, supernet.space
        self.random_subnets, self.progressive, self.sampling = random_subnets, progressive, sampling
        self.smallest_values = self.space.smallest_point()[0]
        self.smallest = self.plain(self.smallest_values)
        self.largest_values, spec, slots = teacher(self.space, supernet.largest(), self.smallest.slots)
        self.largest = Network(spec, slots)

    @property
    def trains_largest(self) -> bool:
        """Whether each step trains the largest network first (the sandwich rule), not one random network."""
        return self.sampling == "sandwich"

    def plain(self, values: dict[str, Any]) -> Network:
        """The network of a point's values, trained without regularisation."""
        spec, slots = self.supernet.resolve(values)
        return Network(without_regularisation(spec), slots)

    def phase(self, epoch: int, total_epochs: int) -> str:
        """The phase of 0-based `epoch`: always `every` unless progressive."""
        return PHASES[min(2, 3 * epoch // total_epochs)] if self.progressive else PHASES[-1]

    def networks(self, phase: str, rng: np.random.Generator) -> list[Network]:
        """The largest, then the smallest, then the random networks of one step in `phase`; by uniform
        sampling one random network, with its regularisation."""
        if not self.trains_largest:
            return [Network(*self.supernet.resolve(self.space.sample_point(rng)[0]))]
        if phase == "largest":
            return [self.largest]
        if phase == "kernel_depth":
            free = self.space.kernel_and_depth()
            points = [self.smallest_values] + [self.space.sample_values(rng) for _ in range(self.random_subnets)]
            points = [{**self.largest_values, **{k: p[k] for k in free}} for p in points]
        else:
            points = [self.smallest_values] + [self.space.sample_point(rng)[0] for _ in range(self.random_subnets)]
        return [self.largest] + [self.plain(values) for values in points]


def teacher(
    space, largest: Sequence[tuple[ArchSpec, tuple[str, ...]]], smallest_slots: tuple[str, ...]
) -> tuple[dict[str, Any], ArchSpec, tuple[str, ...]]:
    """(values, spec, slots) of the largest network the sandwich trains on the labels (module docstring)."""
    candidates = [(values, spec, slots) for (values, _), (spec, slots) in zip(space.largest_points(), largest)]
    sharing = [c for c in candidates if set(smallest_slots) <= set(c[2])]
    return max(sharing or candidates, key=lambda c: complexity(c[1]).macs)


def soft_cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy against a distribution `target` (rows summing to 1): KL(target || softmax) plus a constant."""
    return -(target * torch.log_softmax(logits, dim=1)).sum(1).mean()


def sandwich_step(
    supernet,
    networks: Sequence[Network],
    x: torch.Tensor,
    y: torch.Tensor,
    inputs: Callable[[torch.Tensor], torch.Tensor],
    *,
    label_smoothing: float,
    distill: bool,
    autocast: Callable[[], Any],
    weight: float = 1.0,
) -> list[torch.Tensor]:
    """Forward and backward of each network on the uint8 batch `x` (resized to each network's resolution
    with `fit`, then made an input by `inputs`), the first (the largest, or uniform sampling's one network)
    learning the labels, the others as `distill` says; gradients accumulate in the supernet (zeroing them and
    the optimizer step are the caller's). `supernet` is what runs the networks (`run(x, spec, slots)`: the
    Supernet, or nasx.supernet.shards.ShardedRun). `weight` scales each loss before its backward pass: a
    data-parallel worker's share of the global batch (nasx.supernet.shards). Returns each network's loss,
    detached (weighted)."""
    hard = nn.CrossEntropyLoss(label_smoothing=label_smoothing)
    plain = nn.CrossEntropyLoss()
    cache: dict[int, torch.Tensor] = {}
    losses, soft = [], None
    for i, net in enumerate(networks):
        r = net.spec.resolution
        if r not in cache:
            cache[r] = inputs(x if x.shape[-1] == r and x.shape[-2] == r else fit(x, r, x.shape[1]))
        with autocast():
            logits = supernet.run(cache[r], net.spec, net.slots).float()
        if i == 0:
            loss = hard(logits, y)
            soft = logits.detach().softmax(1) if distill else None
        else:
            loss = soft_cross_entropy(logits, soft) if soft is not None else plain(logits, y)
        if weight != 1.0:
            loss = loss * weight
        loss.backward()
        losses.append(loss.detach())
    return losses
