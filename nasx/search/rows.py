"""The results row of a trial, built from its config and its evaluation, and the outcome its searcher hears."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, replace
from typing import Any

from nasx.arch.codec import decode, encode
from nasx.arch.spec import ArchSpec
from nasx.complexity import complexity
from nasx.search.configs import trial_seed, trial_supernet
from nasx.search.searchers import Outcome
from nasx.search.setup import SearchSetup, SupernetSpec

OUTCOME_METRICS = ("reward", "val/top1", "macs", "params", "full_macs", "full_params", "latency_ms")


def row_evaluator(setup: SearchSetup, config: dict) -> str:
    """The evaluator that scores a trial: the config's, else the search's for its own stage, else `train`
    (a confirmation stage retrains)."""
    return config.get("evaluator") or (setup.evaluator if (config.get("stage") or "search") == "search" else "train")


def row_init(setup: SearchSetup, config: dict) -> str:
    """How a trial's network started (the rows' `init`): `inherited` (the supernet's weights: scored by the
    `supernet` evaluator, or a trained trial whose config says init=inherited), else `scratch`."""
    return "inherited" if row_evaluator(setup, config) == "supernet" else (config.get("init") or "scratch")


def training_key(
    setup: SearchSetup,
    *,
    train: dict | None = None,
    seed: int | None = None,
    evaluator: str = "train",
    init: str = "scratch",
    supernet: SupernetSpec | None = None,
) -> str:
    """Hash of everything besides the architecture that decides a trial's result (the rows' config_hash):
    the setup's data, training (with `train` overrides), objective, proxy and seed (or `seed`), the
    supernet's settings (`supernet`, else the setup's) for a trial the `supernet` evaluator scores, and for
    a trained trial with `init=inherited` the supernet and recalibration its start comes from."""
    protocol = asdict(replace(setup.train, **(train or {})))
    protocol.pop("timeout_s")  # decides whether a trial finishes, not what it measures
    if not protocol["fault"]:
        protocol.pop("fault")  # hashes of runs without injected faults stay as they were before faults existed
    if protocol["memory_format"] == "device":
        protocol.pop("memory_format")  # hashes of runs in the per-device format stay as they were before the knob
    if not protocol["crop_kernels"]:
        protocol.pop("crop_kernels")  # likewise for runs with nominal kernels
    if not protocol["fold_bn"]:
        protocol.pop("fold_bn")  # likewise for runs evaluated with batch norm unfolded
    if not protocol["compile"]:
        protocol.pop("compile")  # likewise before train.compile existed
    parts = {
        "data": asdict(setup.data),
        "train": protocol,
        "objective": objective_key(setup),
        "proxy": asdict(setup.proxy),
        "seed": setup.seed if seed is None else seed,
    }
    if evaluator == "supernet":  # the hashes of other rows stay as they were before evaluators existed
        settings = asdict(supernet or setup.supernet)
        if settings["sampling"] == "sandwich":
            settings.pop("sampling")  # hashes of supernet rows stay as they were before uniform sampling existed
        settings.pop("workers")  # how many processes trained the supernet changes no score
        parts["evaluator"] = {"name": evaluator, "supernet": settings}
    if init != "scratch":  # the hashes of networks trained from scratch stay as they were before init existed
        parts["init"] = {"name": init, "supernet": asdict(setup.supernet), "recalibration_seed": setup.seed}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


LATENCY_FIELDS = ("device", "batch", "dtype", "threads", "latency_table", "latency_measure")


def objective_key(setup: SearchSetup) -> dict[str, Any]:
    """The objective as it decides a result: the latency fields only for a latency objective, `metrics` only when
    given (so the hashes of other runs stay as they were before those fields existed)."""
    objective = asdict(setup.objective)
    if "latency_ms" not in setup.objective.costs:
        for name in LATENCY_FIELDS:
            objective.pop(name)
    if objective["metrics"] is None:
        objective.pop("metrics")  # hashes of runs with one cost stay as they were before several costs existed
    return objective


def base_row(setup: SearchSetup, config: dict, *, commit: str) -> dict[str, Any]:
    """The columns a trial's row takes from the search rather than from training."""
    seed, evaluator = trial_seed(setup, config), row_evaluator(setup, config)
    row = {
        "trial_id": config["trial_id"],
        "stage": config.get("stage") or "search",
        "rung": config.get("rung") or "",
        "full_arch": config.get("full_arch"),
        "space": setup.space.name,
        "family": config["family"],
        "choices": config["choices"],
        "searcher": "reference" if config["family"] else setup.searcher.name,
        "config_hash": training_key(
            setup,
            train=config.get("train"),
            seed=seed,
            evaluator=evaluator,
            init=config.get("init") or "scratch",
            supernet=trial_supernet(setup, config) if evaluator == "supernet" else None,
        ),
        "git_commit": commit,
        "seed": seed,
        "dataset": setup.data.name,
        "resolution": setup.data.resolution,
        "evaluator": evaluator,
        "init": row_init(setup, config),
    }
    choices = json.loads(config["choices"])
    if config.get("scaled"):
        row.update(config["scaled"])
    elif setup.space.name == "compound" and not config["family"]:
        row.update(
            {k: choices.get(k) for k in ("alpha", "beta", "gamma")},
            phi=float(setup.space.options.get("phi", 1.0)),
            scaling="compound",
        )
    return row


def cost_columns(config: dict) -> dict[str, Any]:
    """The analytic costs of a trial's trained and full-scale networks, known from its config alone."""
    trained, full = decode(config["arch"]), decode(config["full_arch"])
    cost, full_cost = complexity(trained), complexity(full)
    return {
        "arch": config["arch"],
        "arch_key": trained.key(),
        "params": cost.params,
        "macs": cost.macs,
        "full_params": full_cost.params,
        "full_macs": full_cost.macs,
    }


def reported_row(setup: SearchSetup, config: dict, result: dict, *, commit: str) -> dict[str, Any]:
    """Row of a trial whose evaluator returned its final `row` (and the executor its `node`); the evaluator's
    columns win over the costs known from the config."""
    return {
        **base_row(setup, config, commit=commit),
        **cost_columns(config),
        **result["row"],
        "node": result.get("node", ""),
    }


def reported_history(result: dict | None) -> list[dict] | None:
    """The per-epoch training history reported with a result (`curve`), None when there is none."""
    curve = (result or {}).get("curve")
    return list(curve) if isinstance(curve, list) else None


def incomplete_row(
    setup: SearchSetup, config: dict, status: str, error: str, *, commit: str, last: dict | None = None
) -> dict[str, Any]:
    """Row of a trial that did not report a final result: pruned by the scheduler or lost with its worker. A
    pruned trial's `wall_s` is the seconds it trained until its last report (from the reported curve), so that
    the trial-seconds of a search with early stopping count the trials it stopped."""
    last = last or {}
    history = reported_history(last) or []
    wall_s = history[-1].get("wall_s", math.nan) if status == "pruned" and history else math.nan
    return {
        **base_row(setup, config, commit=commit),
        **cost_columns(config),
        "status": status,
        "error": error,
        "val/top1": last.get("val_top1", math.nan),
        "epochs": last.get("epoch", 0),
        "node": last.get("node", ""),
        "wall_s": float(wall_s),
    }


def unbuildable_row(
    setup: SearchSetup,
    trial_id: str,
    full: ArchSpec,
    error: str,
    *,
    family: str = "",
    values: dict | None = None,
    commit: str = "",
) -> dict[str, Any]:
    """Row of a candidate that cannot be adapted to the proxy task (e.g. it shrinks small images to nothing)."""
    config = {
        "trial_id": trial_id,
        "family": family,
        "full_arch": encode(full),
        "choices": json.dumps(values or {}, sort_keys=True, default=str),
    }
    cost = complexity(full)
    return {
        **base_row(setup, config, commit=commit),
        "status": "failed",
        "error": f"invalid at proxy scale: {error}",
        "arch": encode(full),
        "arch_key": full.key(),
        "full_params": cost.params,
        "full_macs": cost.macs,
        "epochs": 0,
    }


def outcome_of(row: dict[str, Any]) -> Outcome:
    """What the searcher hears about a finished row."""
    metrics = {k: row[k] for k in OUTCOME_METRICS if row.get(k) is not None}
    return Outcome(str(row["status"]), {k: float(v) for k, v in metrics.items()})
