"""`train`: score a trial's candidate by training it under the trial's protocol (the ground truth);
`zero_cost`: score it at initialisation (a fidelity study's zero_cost rung).

The trial's proxy network is trained by `nasx.evaluation.evaluate_candidate`, reporting each epoch
for early stopping; from scratch, or for a config with `init=inherited` (a confirmation stage's
`confirm.init`) from the weights the run's supernet holds for it (`supernet.inherited_start`); a config
with `quantize` (a confirmation stage's `confirm.quantize`) is also scored in INT8. Faults
injected with `train.fault` leave a marker per trial under RUN_DIR/faults/, so that a fault that
killed a worker does not fire again in the retry.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from nasx.arch.codec import decode
from nasx.complexity import complexity
from nasx.quantize.spec import CALIBRATION_IMAGES
from nasx.search.configs import trial_seed, trial_train
from nasx.search.evaluators import Report, register
from nasx.search.setup import RANKED_SCHEDULERS, SearchSetup
from nasx.train import faults

FAULTS_DIR = "faults"  # one marker per fault fired in a trial: RUN_DIR/faults/<trial_id>.<kind>


@register("train")
def train(config: dict[str, Any], data, setup: SearchSetup, report: Report) -> dict[str, Any]:
    """Train the trial's network; report each epoch when the search stops trials early."""
    import torch

    from nasx.evaluation import evaluate_candidate

    threads = setup.train.threads or max(1, int(setup.resources.cpus_per_trial))
    torch.set_num_threads(threads)
    spec, full = decode(config["arch"]), decode(config["full_arch"])
    asha = setup.searcher.stopping is not None and not config["family"]  # references always train to the end
    fault, note = _trial_fault(setup, config)
    known = config.get("full_latency")  # (ms, how), had by the driver before the trial started
    full_latency = (float(known[0]), str(known[1])) if known else None
    cost = _cost(setup, spec, full, full_latency) if asha else float("nan")
    costs = (
        [_cost(setup, spec, full, full_latency, metric) for metric in setup.objective.costs]
        if asha and setup.searcher.stopping in RANKED_SCHEDULERS
        else None
    )  # mo_asha's and front_halving's costs at each rung, exact
    pause_at = _pause_epochs(setup) if asha else ()  # where front halving may pause the trial: a checkpoint
    start: dict[str, Any] | None = None
    inherited: dict[str, Any] = {}
    if config.get("init") == "inherited":
        from nasx.search.evaluators.supernet import inherited_start

        inherited = {"supernet_run": str(setup.supernet.run)}
        try:
            start, inherited["supernet_sha256"] = inherited_start(config, data, setup)
        except ValueError as exc:
            return _not_started(config, data, setup, inherited, f"not started from the supernet: {exc}")

    def on_epoch(metrics, state) -> None:
        if asha:
            val = metrics.history[-1].get("val/top1", float("nan"))
            reward = setup.objective.score(val, cost) if setup.objective.mode == "reward" and val == val else val
            report(
                {
                    "epoch": metrics.history[-1]["epoch"],
                    "val_top1": val,
                    "reward": reward,
                    "curve": list(metrics.history),
                    **({"costs": costs} if costs is not None else {}),
                    **({"state": state} if metrics.history[-1]["epoch"] in pause_at else {}),
                }
            )  # so far: a trial stopped early keeps it

    record = evaluate_candidate(
        spec,
        data_at(spec.resolution, data, setup),
        replace(trial_train(setup, config), threads=threads, fault=fault),
        setup.objective,
        seed=trial_seed(setup, config),
        full_spec=full,
        on_epoch=on_epoch,
        weights_path=config.get("weights"),
        initial_state=start,
        resume_state=config.get("resume_state"),
        full_latency=full_latency,
        quantize=config.get("quantize"),
        calibration_images=config.get("calibration_images", CALIBRATION_IMAGES),
    )
    row = {**record.to_row(), "evaluator": "train", **inherited}
    if note:
        row["error"] = f"{row['error']}; {note}" if row["error"] else note
    history = record.metrics.history if record.metrics is not None else []
    return {
        "epoch": record.epochs,
        "val_top1": record.val_top1,
        "reward": record.reward,
        "row": row,
        "curve": list(history),
    }


def _pause_epochs(setup: SearchSetup) -> tuple[int, ...]:
    """The rung epochs of search.scheduler=front_halving (none for another scheduler)."""
    from nasx.ranking.rungs import rung_epochs

    s = setup.searcher
    if s.stopping != "front_halving":
        return ()
    return rung_epochs(s.grace_epochs, s.reduction_factor, max(setup.train.epochs, 1), s.rungs)


def _not_started(config: dict[str, Any], data, setup: SearchSetup, row: dict[str, Any], error: str) -> dict[str, Any]:
    """The result of a trial whose start could not be had: failed, untrained, with the reason."""
    import time

    from nasx.provenance import versions

    row = {
        **row,
        "status": "failed",
        "error": " ".join(error.split()),
        "epochs": 0,
        "wall_s": 0.0,
        "seed": trial_seed(setup, config),
        "dataset": data.name,
        "resolution": decode(config["arch"]).resolution,
        "versions": versions(),
        "finished_at": time.time(),
        "evaluator": "train",
    }
    return {"epoch": 0, "val_top1": float("nan"), "reward": float("nan"), "row": row, "curve": []}


@register("zero_cost")
def zero_cost(config: dict[str, Any], data, setup: SearchSetup, report: Report) -> dict[str, Any]:
    """A fidelity study's scores at initialisation (nasx.zero_cost): no training."""
    import torch

    from nasx.zero_cost import BATCH_SIZE, evaluate_zero_cost

    torch.set_num_threads(setup.train.threads or max(1, int(setup.resources.cpus_per_trial)))
    spec, full = decode(config["arch"]), decode(config["full_arch"])
    row = evaluate_zero_cost(
        spec,
        data_at(spec.resolution, data, setup),
        seed=trial_seed(setup, config),
        batch_size=config.get("zero_cost_batch", BATCH_SIZE),
        full_spec=full,
    )
    row["evaluator"] = "zero_cost"
    return {"epoch": 0, "val_top1": float("nan"), "reward": float("nan"), "row": row, "curve": []}


def _trial_fault(setup: SearchSetup, config: dict) -> tuple[str, str]:
    """(fault to inject in this trial, note for its row). An `exit` fault fires once per trial: its
    marker tells the retry on a fresh worker that the fault already killed one."""
    trial_id = config["trial_id"]
    fault = faults.for_trial(trial_train(setup, config).fault, trial_id)
    if fault is None:
        return "", ""
    marker = Path(setup.run_dir) / FAULTS_DIR / f"{trial_id}.{fault.kind}"
    if fault.kind == "exit" and marker.exists():
        return "", f"injected fault {fault} killed the worker; retried"
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        with open(marker, "w") as f:
            f.write(f"{fault}\n")
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        if fault.kind == "exit":  # without its marker the retry would die again
            return "", f"injected fault {fault} not fired: cannot write {marker} ({exc.strerror})"
    return str(fault), ""


_DATA_AT: dict = {}


def data_at(resolution: int, data, setup: SearchSetup):
    """The dataset at a trial's resolution: the shared copy, or (compound-scaled inputs) one loaded once
    per worker process."""
    if resolution == data.resolution:
        return data
    if resolution not in _DATA_AT:
        _DATA_AT[resolution] = replace(setup.data, resolution=resolution).load()
    return _DATA_AT[resolution]


def _cost(
    setup: SearchSetup, spec, full, full_latency: tuple[float, str] | None = None, metric: str | None = None
) -> float:
    """The objective's cost (or its cost `metric`) known before training, at the objective's scale (NaN for the
    proxy's latency, measured after training)."""
    metric = metric or setup.objective.metric
    if metric == "latency_ms" and setup.objective.full_latency:
        from nasx.latency.source import latency_of

        try:
            return (full_latency or latency_of(setup.objective)(full))[0]
        except ValueError:
            return float("nan")
    if metric == "latency_ms":
        return float("nan")
    return float(getattr(complexity(full if setup.objective.scale == "full" else spec), metric))
