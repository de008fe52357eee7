"""The trial configs of a fidelity study: every candidate at every rung under every seed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nasx import families, log
from nasx.arch.spec import ArchSpec
from nasx.fidelity.draw import draw_architectures
from nasx.fidelity.spec import SUPERNET, ZERO_COST, FidelitySpec, SupernetRungs, supernet_dir
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


@dataclass(frozen=True)
class SupernetRung:
    """A rung of inherited weights: its label, the variant's training overrides, the recalibration images, and its
    supernets as (seed, run directory) pairs: the rung's seeds are its supernets."""

    label: str
    variant: str
    options: dict[str, Any]
    images: int
    supernets: tuple[tuple[int, str], ...]


def supernet_rungs(
    spec: SupernetRungs, run_dir: str, seed: int, given: tuple[tuple[int, str], ...] = ()
) -> list[SupernetRung]:
    """The study's supernet rungs, variant by variant and size by size: with `spec.train` the supernets it trains
    (seeds seed, seed + 1, ..., under RUN_DIR/supernets/), else `given`, the (seed, run directory) of each
    supernet of `spec.run`."""
    if not spec.on:
        return []
    out = []
    for variant, options in spec.variant_items():
        supernets = (
            tuple((s, str(supernet_dir(run_dir, variant, s))) for s in range(seed, seed + spec.seeds))
            if spec.train
            else given
        )
        out += [SupernetRung(spec.label(variant, n), variant, options, n, supernets) for n in spec.sizes]
    return out


def rung_tag(label: str) -> str:
    """Short form of a rung label in trial ids: zero_cost -> zc, epochs=3 -> e3, steps=200 -> t200, supernet -> sn,
    supernet/uniform/r250 -> sn.uniform.r250."""
    if label == ZERO_COST:
        return "zc"
    if label == SUPERNET or label.startswith(SUPERNET + "/"):
        return "sn" + label[len(SUPERNET) :].replace("/", ".")
    unit, budget = label.split("=")
    return {"epochs": "e", "steps": "t"}[unit] + budget


def seeds_of(setup: SearchSetup, fspec: FidelitySpec) -> list[int]:
    return [setup.seed + i for i in range(fspec.seeds)]


def rung_labels(fspec: FidelitySpec, supernets: Sequence[SupernetRung] = ()) -> list[str]:
    """The study's rungs, cheapest first: zero_cost (when on), the supernet rungs, the training budgets."""
    labels = fspec.labels()
    zero = labels[:1] if fspec.zero_cost else []
    return zero + [r.label for r in supernets] + labels[len(zero) :]


def fidelity_configs(
    setup: SearchSetup, fspec: FidelitySpec, cands: list[Candidate], supernets: Sequence[SupernetRung] = ()
) -> list[dict]:
    """One config per (seed, rung, candidate), seed by seed (so a study cut short still holds complete
    seeds), zero_cost first, then the supernet rungs (a supernet's seed is its rung's seed, and draws its
    BatchNorm recalibration images), then the training rungs cheapest first."""
    budgets = dict(zip(fspec.labels()[-len(fspec.rungs) :], fspec.rungs))
    by_label = {r.label: r for r in supernets}
    trial_seeds = seeds_of(setup, fspec)
    configs = []
    for seed in sorted(set(trial_seeds) | {s for r in supernets for s, _ in r.supernets}):
        for label in rung_labels(fspec, supernets):
            rung, supernet = by_label.get(label), None
            if rung is not None:
                runs = [d for s, d in rung.supernets if s == seed]
                if not runs:
                    continue
                supernet = {"run": runs[0], "recalibration_images": rung.images, **rung.options}
            elif seed not in trial_seeds:
                continue
            for c in cands:
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
                    train=None if label == ZERO_COST or supernet else fspec.train_override(budgets[label]),
                    evaluator="zero_cost" if label == ZERO_COST else "supernet" if supernet else "train",
                    supernet=supernet,
                )
                if label == ZERO_COST:
                    config["zero_cost_batch"] = fspec.zero_cost_batch
                configs.append(config)
    return configs
