"""`supernet`: score a trial's candidate with weights inherited from a trained supernet, in seconds.

The network is extracted from the supernet of `supernet.run` (loaded once per process), its BatchNorm
statistics recalibrated on `supernet.recalibration_images` training images drawn by the trial's seed,
then measured on the validation and test splits; a trial's config may name its own supernet and size
(`supernet`: a fidelity study's supernet rungs). The reward is the objective's, as for a trained
candidate. Rows say which supernet and which checkpoint (sha256) each score came from, and how many
seconds that supernet's training took (`supernet_train_s`, what a fidelity study amortises).
"""

from __future__ import annotations

import json
import time
from typing import Any, NamedTuple

from nasx.arch.codec import decode
from nasx.complexity import complexity
from nasx.provenance import versions
from nasx.search.configs import trial_seed, trial_supernet
from nasx.search.evaluators import Report, register
from nasx.search.evaluators.train import data_at
from nasx.search.setup import SearchSetup


class Loaded(NamedTuple):
    """A supernet read from its run directory: the supernet (eval mode), its checkpoint's sha256, and the seconds its
    training took (the checkpoint's last epoch's wall_s, across resumes; 0 for one never trained)."""

    net: Any
    sha256: str
    train_s: float


_LOADED: dict[tuple, Loaded] = {}  # (run, checkpoint mtime, size) -> the supernet, per process


def loaded(run: str) -> Loaded:
    """The supernet of a run, read once per process (again when the file changes)."""
    import os

    from nasx.supernet import store

    try:
        stat = os.stat(os.path.join(run, store.CHECKPOINT))
    except OSError:
        store.read(run)  # raises the one line naming what is missing
        raise
    key = (run, stat.st_mtime_ns, stat.st_size)
    if key not in _LOADED:
        _LOADED.clear()  # one supernet per worker at a time
        net, state = store.load(run)
        _LOADED[key] = Loaded(net.eval(), store.sha256(run), store.training_seconds(state))
    return _LOADED[key]


def check_serves(setup: SearchSetup, run: str | None = None) -> dict[str, Any]:
    """The checkpoint of `run` (default: setup.supernet.run), read; ValueError (one line) unless it holds a supernet
    of this search's space, data and proxy scaling, naming the first difference."""
    from nasx.supernet import store

    run = run if run is not None else setup.supernet.run
    if run is None:
        raise ValueError("evaluator=supernet needs supernet.run=DIR (a run directory of `nasx supernet`)")
    state = store.read(run)
    mine = store.serves(setup.space, setup.data, setup.proxy, {}, kernel_transform=False)
    for what in ("space", "data", "proxy"):
        ours, theirs = mine[what], store.plain(state[what])
        for key in sorted(set(ours) | set(theirs)):
            if ours.get(key) != theirs.get(key):
                raise ValueError(
                    f"supernet.run={run}: a supernet of {what}.{key}="
                    f"{theirs.get(key)!r}, this search has {what}.{key}={ours.get(key)!r}"
                )
    return state


NOT_SERVED = "not scored by the supernet"  # the start of a row's error when the supernet holds no such network


def resolved(net, config: dict[str, Any]) -> tuple[Any, tuple[str, ...]]:
    """(network, slots of its stages) the supernet `net` serves for a trial's candidate (its values, or for a
    family its full-scale spec); ValueError (one line) when it holds none, or another network than the
    trial's (another data or proxy scale)."""
    values = json.loads(config.get("choices") or "{}")
    point = values if values and not config.get("family") else decode(config["full_arch"])
    served, slots = net.resolve(point)  # resolved once: the check and the extraction share it
    if served != decode(config["arch"]):
        raise ValueError("the supernet serves another network for this point (another data or proxy scale)")
    return served, slots


def recalibrated(net, served, slots, data, setup: SearchSetup, seed: int, images: int):
    """The standalone network `served` with its inherited weights, BatchNorm statistics measured afresh on
    `images` training images drawn by `seed` (in eval mode), and the data it runs on."""
    import torch

    from nasx.supernet.recalibrate import recalibrate

    task = data_at(served.resolution, data, setup)
    with torch.random.fork_rng(devices=[]):
        model = recalibrate(net.standalone(served, slots), task, images, seed)
    return model, task


def inherited_start(config: dict[str, Any], data, setup: SearchSetup) -> tuple[dict[str, Any], str]:
    """(state_dict, checkpoint sha256) a trained trial with init=inherited starts from: the trial's network
    as the search's evaluator scored it (extracted from supernet.run, BatchNorm recalibrated on images drawn
    by the search's seed), the same whatever the trial's own seed. ValueError (one line) when the supernet
    does not hold the trial's network."""
    net, digest, _ = loaded(str(setup.supernet.run))
    model, _ = recalibrated(net, *resolved(net, config), data, setup, setup.seed, setup.supernet.recalibration_images)
    return {k: v.detach().clone() for k, v in model.state_dict().items()}, digest


@register("supernet")
def supernet(config: dict[str, Any], data, setup: SearchSetup, report: Report) -> dict[str, Any]:
    """Extract, recalibrate and measure the trial's network; a candidate the supernet does not hold fails."""
    import torch

    from nasx.train.loop import accuracy

    start = time.perf_counter()
    torch.set_num_threads(setup.train.threads or max(1, int(setup.resources.cpus_per_trial)))
    seed, options = trial_seed(setup, config), trial_supernet(setup, config)
    trained, full = decode(config["arch"]), decode(config["full_arch"])
    cost, full_cost = complexity(trained), complexity(full)
    row: dict[str, Any] = {
        "arch": config["arch"],
        "arch_key": trained.key(),
        "status": "failed",
        "error": "",
        "epochs": 0,
        "seed": seed,
        "dataset": data.name,
        "resolution": data.resolution,
        "versions": versions(),
        "evaluator": "supernet",
        "supernet_run": str(options.run),
    }
    try:
        net, digest, train_s = loaded(str(options.run))
        row.update(supernet_sha256=digest, supernet_train_s=train_s)
        model, task = recalibrated(net, *resolved(net, config), data, setup, seed, options.recalibration_images)
        val = accuracy(model, task.val_x, task.val_y, task, setup.train, channels_last=True)
        test = accuracy(model, task.test_x, task.test_y, task, setup.train, channels_last=True)
    except ValueError as exc:
        row["error"] = f"{NOT_SERVED}: {' '.join(str(exc).split())}"
        return _result(row, start)
    objective = setup.objective
    value = full_cost if objective.scale == "full" else cost
    if "latency_ms" in objective.costs:
        row["error"] = "evaluator=supernet does not measure latency; use objective.metric=macs or params"
        return _result(row, start)
    reward = objective.reward_of(val, float(getattr(value, objective.metric)))
    row.update(status="ok", **{"val/top1": val, "test/top1": test, "reward": reward})
    return _result(row, start)


def _result(row: dict[str, Any], start: float) -> dict[str, Any]:
    row.update(wall_s=time.perf_counter() - start, finished_at=time.time())
    return {
        "epoch": 0,
        "val_top1": row.get("val/top1", float("nan")),
        "reward": row.get("reward", float("nan")),
        "row": row,
        "curve": [],
    }
