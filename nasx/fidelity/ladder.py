"""The trial configs of a fidelity study: every candidate at every rung under every seed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nasx import families, log
from nasx.arch.spec import ArchSpec
from nasx.fidelity.draw import draw_architectures
from nasx.fidelity.spec import ZERO_COST, FidelitySpec
from nasx.results.schema import SUPERNET_RUNG as SUPERNET
from nasx.search.configs import proxy_spec, trial_config
from nasx.search.setup import SearchSetup

STAGE = "fidelity"


@dataclass(frozen=True)
class Candidate:
    """One architecture of the study: `name` (a00, a01, ... cheapest first, or ref-FAMILY), the full-scale
    spec, the trained proxy and the space's choices that generate it."""

    name: str
    full: ArchSpec
    trained: ArchSpec
    family: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    index: int | None = None


def candidates(
    setup: SearchSetup, fspec: FidelitySpec, shape: dict, *, out: Callable[[str], None] = log.lines("fidelity")
) -> list[Candidate]:
    """`fspec.archs` architectures drawn from the space by `setup.seed` (spread over log-MACs) and the
    reference families, each shrunk to the proxy task of `shape` (resolution, num_classes, channels).
    Families that cannot be shrunk to the proxy task are left out, with a line on `out`."""
    space = setup.space.make()

    def trained_of(full: ArchSpec, base: int | None) -> ArchSpec | None:
        try:
            return proxy_spec(setup, full, **shape, base_resolution=base)
        except ValueError:
            return None

    drawn = draw_architectures(
        space, fspec.archs, setup.seed, accept=lambda s: trained_of(s, space.resolution) is not None
    )
    # every drawn architecture shrinks (`accept`), so proxy_spec returns rather than raising
    out_list = [
        Candidate(
            f"a{i:02d}",
            d.spec,
            proxy_spec(setup, d.spec, **shape, base_resolution=space.resolution),
            values=d.values,
            index=i,
        )
        for i, d in enumerate(drawn)
    ]
    for name in setup.references:
        full = families.get(name)
        trained = trained_of(full, None)
        if trained is None:
            out(f"reference {name} cannot be shrunk to the proxy task: left out")
            continue
        values = space.params_of(full) if space.contains(full) else {}
        out_list.append(Candidate(f"ref-{name}", full, trained, family=name, values=values))
    return out_list


def rung_tag(label: str) -> str:
    """Short form of a rung label in trial ids: zero_cost -> zc, epochs=3 -> e3, steps=200 -> t200."""
    if label == ZERO_COST:
        return "zc"
    if label == SUPERNET:
        return "sn"
    unit, budget = label.split("=")
    return {"epochs": "e", "steps": "t"}[unit] + budget


def seeds_of(setup: SearchSetup, fspec: FidelitySpec) -> list[int]:
    return [setup.seed + i for i in range(fspec.seeds)]


def rung_labels(setup: SearchSetup, fspec: FidelitySpec) -> list[str]:
    """The study's rungs, cheapest first: zero_cost (when on), supernet (with supernet.run), the budgets."""
    labels = fspec.labels()
    return (
        labels[:1] + [SUPERNET] + labels[1:]
        if fspec.zero_cost and setup.supernet.run
        else ([SUPERNET] if setup.supernet.run else []) + labels
    )


def fidelity_configs(setup: SearchSetup, fspec: FidelitySpec, cands: list[Candidate]) -> list[dict]:
    """One config per (seed, rung, candidate), seed by seed (so a study cut short still holds complete
    seeds), zero_cost first, then the supernet's inherited weights (with supernet.run; each seed draws
    its own BatchNorm recalibration images), then the training rungs cheapest first."""
    budgets = dict(zip(fspec.labels()[-len(fspec.rungs) :], fspec.rungs))
    evaluator = {ZERO_COST: "zero_cost", SUPERNET: "supernet"}
    configs = []
    for seed in seeds_of(setup, fspec):
        for label in rung_labels(setup, fspec):
            for c in cands:
                train = None if label in evaluator else fspec.train_override(budgets[label])
                config = trial_config(
                    f"{c.name}-{rung_tag(label)}-s{seed}",
                    c.full,
                    c.trained,
                    proposal_id=c.index,
                    family=c.family,
                    values=c.values,
                    seed=seed,
                    stage=STAGE,
                    rung=label,
                    train=train,
                    evaluator=evaluator.get(label, "train"),
                )
                if label == ZERO_COST:
                    config["zero_cost_batch"] = fspec.zero_cost_batch
                configs.append(config)
    return configs
