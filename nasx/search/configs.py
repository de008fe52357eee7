"""A trial's config: what a worker receives to evaluate one candidate (JSON-able), and the network it trains."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from nasx.arch.codec import encode
from nasx.arch.spec import ArchSpec
from nasx.generators.proxy import for_task
from nasx.search.setup import SearchSetup, SupernetSpec
from nasx.train.spec import TrainSpec

STAGES = ("search", "confirm", "fidelity")


def proxy_spec(
    setup: SearchSetup,
    full: ArchSpec,
    *,
    resolution: int,
    num_classes: int,
    channels: int,
    base_resolution: int | None = None,
) -> ArchSpec:
    """The network actually trained: `full` shrunk by setup.proxy to the data's classes and channels, at
    the data's resolution scaled by full.resolution / base_resolution (so a compound-scaled candidate
    keeps its larger input at proxy scale; None: the data's resolution)."""
    p = setup.proxy
    return for_task(
        full,
        resolution=resolution,
        num_classes=num_classes,
        channels=channels,
        width_mult=p.width_mult,
        depth_mult=p.depth_mult,
        stem_stride=p.stem_stride,
        base_resolution=base_resolution,
    )


def trial_train(setup: SearchSetup, config: dict) -> TrainSpec:
    """The training protocol of one trial: the setup's, with the config's `train` overrides applied."""
    return replace(setup.train, **(config.get("train") or {}))


def trial_supernet(setup: SearchSetup, config: dict) -> SupernetSpec:
    """The supernet that scores one trial: the setup's, with the config's `supernet` overrides applied (a fidelity
    study's supernet rungs: each its own run directory and recalibration size)."""
    return replace(setup.supernet, **(config.get("supernet") or {}))


def trial_seed(setup: SearchSetup, config: dict) -> int:
    """The seed of one trial: the config's, else the setup's."""
    seed = config.get("seed")
    return setup.seed if seed is None else int(seed)


def trial_config(
    trial_id: str,
    full: ArchSpec,
    trained: ArchSpec,
    *,
    proposal_id: int | None = None,
    family: str = "",
    values: dict | None = None,
    scaled: dict | None = None,
    seed: int | None = None,
    stage: str = "search",
    rung: str = "",
    train: dict | None = None,
    evaluator: str | None = None,
    init: str = "scratch",
    supernet: dict | None = None,
) -> dict[str, Any]:
    """What a worker receives (JSON-able). `scaled`: alpha/beta/gamma/phi/scaling of a scaling trial;
    `seed` (None: the setup's) and `train` (TrainSpec field overrides) the trial's own protocol; `stage`
    and `rung` label its row; `evaluator` (None: the run's) scores it when the list is run by
    `evaluators.per_trial`; `init` is where a trained network starts: `scratch`, or `inherited` (the
    weights of the run's supernet, `nasx.search.evaluators.supernet.inherited_start`); `supernet`
    (SupernetSpec field overrides: `run`, `recalibration_images`, ...) the supernet that scores it, when not
    the setup's."""
    if stage not in STAGES:
        raise ValueError(f"stage={stage!r}: choose one of {', '.join(STAGES)}")
    config: dict[str, Any] = {
        "trial_id": trial_id,
        "arch": encode(trained),
        "arch_key": trained.key(),
        "full_arch": encode(full),
        "proposal_id": proposal_id,
        "family": family,
        "scaled": scaled,
        "choices": json.dumps(values or {}, sort_keys=True, default=str),
        "seed": seed,
        "stage": stage,
        "rung": rung,
        "train": dict(train or {}),
        "evaluator": evaluator,
        "init": init,
    }
    if supernet is not None:
        config["supernet"] = dict(supernet)
    return config
