"""The Ray Tune runner: the one module where nasx meets Ray.

Trials are Tune function trainables; the dataset goes into Ray's object store once
(`tune.with_parameters`), actors are reused between trials, a searcher is adapted to Tune's
Searcher API through `Plan`, and each finished trial is appended to the run's results table.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd
import yaml

from nasx import log, results
from nasx.arch.codec import decode
from nasx.complexity import complexity
from nasx.results.lock import writer_lock
from nasx.results.schema import ZERO_COST_RUNG
from nasx.search import reaper, searchers
from nasx.search.plan import FINISHED, DataShape, Plan
from nasx.search.setup import SearchSetup, check
from nasx.search.sinks import describe, open_sinks
from nasx.search.summary import summary
from nasx.search.queue import TrialQueue
from nasx.search.trials import git_commit, trial_seed, trial_train
from nasx.train import faults

os.environ.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "1")
os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
os.environ.setdefault("TUNE_WARN_EXCESSIVE_EXPERIMENT_CHECKPOINT_SYNC_THRESHOLD_S", "0")


def _trainable(config: dict, data=None, setup: SearchSetup | None = None) -> None:
    """One trial on a Ray worker: evaluate_trial, reporting per epoch (for ASHA) and the final row."""
    import ray
    import torch
    from ray import tune

    from nasx.trial import evaluate_trial

    threads = setup.train.threads or max(1, int(setup.resources.cpus_per_trial))
    torch.set_num_threads(threads)
    node = ray.get_runtime_context().get_node_id()[:12]

    spec, full = decode(config["arch"]), decode(config["full_arch"])
    if config.get("rung") == ZERO_COST_RUNG:  # a fidelity study's scores at initialisation: no training
        from nasx.zero_cost import BATCH_SIZE, zero_cost_trial
        row = zero_cost_trial(spec, _data_at(spec.resolution, data, setup), seed=trial_seed(setup, config),
                              batch_size=config.get("zero_cost_batch", BATCH_SIZE), full_spec=full)
        tune.report({"epoch": 0, "val_top1": float("nan"), "reward": float("nan"), "node": node,
                     "row": json.dumps(row)})
        return
    asha = setup.searcher.asha and not config["family"]  # references always train to the end
    fault, note = _trial_fault(setup, config)
    cost = _cost(setup, spec, full) if asha else float("nan")

    def on_epoch(metrics, state) -> None:
        if asha:
            val = metrics.history[-1].get("val/top1", float("nan"))
            reward = setup.objective.score(val, cost) if setup.objective.mode == "reward" and val == val else val
            tune.report({"epoch": metrics.history[-1]["epoch"], "val_top1": val, "reward": reward, "node": node,
                         "curve": json.dumps(metrics.history)})  # so far: a trial stopped early keeps it

    record = evaluate_trial(spec, _data_at(spec.resolution, data, setup),
                            replace(trial_train(setup, config), threads=threads, fault=fault), setup.objective,
                            seed=trial_seed(setup, config), full_spec=full, on_epoch=on_epoch,
                            weights_path=config.get("weights"))
    row = record.to_row()
    if note:
        row["error"] = f"{row['error']}; {note}" if row["error"] else note
    history = record.metrics.history if record.metrics is not None else []
    tune.report({"epoch": record.epochs, "val_top1": record.val_top1, "reward": record.reward, "node": node,
                 "row": json.dumps(row), "curve": json.dumps(history)})


FAULTS_DIR = "faults"  # one marker per fault fired in a trial: RUN_DIR/faults/<trial_id>.<kind>


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


def _data_at(resolution: int, data, setup: SearchSetup):
    """The dataset at a trial's resolution: the shared copy, or (compound-scaled inputs) one loaded once
    per worker process."""
    if resolution == data.resolution:
        return data
    if resolution not in _DATA_AT:
        _DATA_AT[resolution] = replace(setup.data, resolution=resolution).load()
    return _DATA_AT[resolution]


def _cost(setup: SearchSetup, spec, full) -> float:
    """The objective's cost known before training, at the objective's scale (NaN for a measured latency)."""
    if setup.objective.metric == "latency_ms":
        return float("nan")
    return float(getattr(complexity(full if setup.objective.scale == "full" else spec), setup.objective.metric))


def _tune_searcher(plan: Plan | TrialQueue):
    from ray.tune.search import Searcher

    class PlanSearcher(Searcher):
        """Tune's view of a nasx searcher: suggest asks the plan, completion tells it. Tune pickles its
        search algorithm with the experiment state; the plan lives in the driver only and is left out."""

        def __init__(self) -> None:
            super().__init__()
            self.ids: dict[str, str] = {}

        def __getstate__(self) -> dict:
            return {k: v for k, v in self.__dict__.items() if k != "plan"}

        def suggest(self, trial_id: str):
            config = self.plan.next_config()
            if config == FINISHED:
                return Searcher.FINISHED
            if config is not None:
                self.ids[trial_id] = config["trial_id"]
            return config

        def save(self, checkpoint_path: str) -> None:
            """Nothing to save: a search resumes from its results table (see Plan)."""

        def restore(self, checkpoint_path: str) -> None:
            """See `save`."""

        def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
            if trial_id in self.ids:
                nasx_id = self.ids.pop(trial_id)
                message = None
                if error:
                    message = "the trial's worker failed (see the Ray logs under ray/)"
                    fault = faults.for_trial(self.plan.setup.train.fault, nasx_id)
                    if fault is not None and fault.kind == "exit":
                        message += f" after injected fault {fault}"
                self.plan.complete(nasx_id, result, message)

    searcher = PlanSearcher()
    searcher.plan = plan
    return searcher


HEARTBEAT_S = 30.0
_PLANS: dict = {}  # driver-side plans of the running searches, by id


def _plan_of(key: int):
    return _PLANS.get(key)


def _heartbeat(plan: Plan | TrialQueue):
    """A Tune callback printing the plan's status line when no trial has ended for HEARTBEAT_S."""
    from ray.tune import Callback

    class Heartbeat(Callback):
        """Tune copies its callbacks by pickling: the copy finds the driver's plan by key."""

        def __init__(self, key: int) -> None:
            self.key = key

        def on_step_end(self, iteration, trials, **info) -> None:
            plan = _plan_of(self.key)
            if plan and plan.inflight and time.monotonic() - plan.last_line >= HEARTBEAT_S:
                plan.out(plan.status_line())

    _PLANS[id(plan)] = plan
    return Heartbeat(id(plan))


class LocalRay:
    """A local Ray started by nasx for one run: its own temp root, and a reaper process (see
    nasx.search.reaper) that stops it and removes the temp root when the driver ends, even by SIGKILL."""

    def __init__(self, setup: SearchSetup, **kwargs) -> None:
        import ray

        self.temp_root = tempfile.mkdtemp(prefix="nasx-ray-")  # short: Ray's socket paths live below it
        self.token = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        env = {k: v for k, v in os.environ.items() if k != reaper.OWNER_ENV}
        self.reaper = subprocess.Popen([sys.executable, "-m", "nasx.search.reaper", self.token, self.temp_root],
                                       stdin=subprocess.PIPE, env=env, start_new_session=True,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.environ[reaper.OWNER_ENV] = self.token  # inherited by every process of this Ray session
        try:
            ray.init(address="local", num_cpus=setup.resources.num_cpus, num_gpus=setup.resources.num_gpus,
                     _temp_dir=self.temp_root, **kwargs)
        except BaseException:
            self.stop()
            raise
        finally:
            os.environ.pop(reaper.OWNER_ENV, None)

    def stop(self) -> None:
        import ray

        if ray.is_initialized():
            ray.shutdown()
        self.reaper.stdin.close()  # end of file: the reaper stops what is left and removes the temp root
        try:
            self.reaper.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass


# Ray's driver-side loggers, quieter during a run (`log.quieter`) and as they were after it
RAY_QUIET = {"ray": logging.ERROR, "ray.tune.analysis.experiment_analysis": logging.ERROR}


def _init_ray(setup: SearchSetup) -> LocalRay | bool:
    """Connect to setup.address, or start a LocalRay (returned, for `stop`); False if Ray was already up."""
    import ray
    if ray.is_initialized():
        return False
    kwargs = dict(include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
    if setup.address:
        ray.init(address=setup.address, **kwargs)  # an existing cluster: nasx never stops it
        return True
    return LocalRay(setup, **kwargs)


def _stop_ray(started: LocalRay | bool) -> None:
    if isinstance(started, LocalRay):
        started.stop()
    elif started:
        import ray
        ray.shutdown()


def _write_yaml(path: Path, value) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(yaml.safe_dump(value, sort_keys=False))
    os.replace(tmp, path)


def write_config(setup: SearchSetup, run_dir: Path) -> None:
    """RUN_DIR/config.yaml: the resolved config in force (rewritten by every resume)."""
    _write_yaml(run_dir / "config.yaml", dict(setup.config) or {"name": setup.name})


OVERRIDES = "overrides.yaml"


def write_overrides(run_dir: Path, overrides: list[str] | None, *, resume: bool) -> None:
    """RUN_DIR/overrides.yaml: the command line's overrides that composed the run, in order (the list Hydra
    keeps in .hydra/overrides.yaml). Written when a run starts; a resumed run keeps the one it has (its
    config.yaml holds the values now in force)."""
    if overrides is not None and not resume:
        _write_yaml(run_dir / OVERRIDES, [str(o) for o in overrides])


@contextlib.contextmanager
def writing(run_dir: Path, out: Callable[[str], None], *, resume: bool = True) -> Iterator[pd.DataFrame]:
    """The run directory held by this process alone (nasx.results.lock) for the block, with the rows
    already there; a torn last line of the log (a crash mid-write) is cut away first, and said so.
    `resume=False` refuses a directory that already holds results."""
    with writer_lock(run_dir):
        if not resume and any(run_dir.glob("results.*")):
            raise ValueError(f"run_dir={run_dir} already holds results; resume it (resume=true) or choose another")
        results.curves.repair_tail(run_dir)
        if (run_dir / results.store.LOG).is_file():
            repaired = results.store.repair_tail(run_dir)
            if repaired:
                out(repaired)
            yield results.load(run_dir)
        else:
            yield results.empty_frame()
        try:  # the compacted results.parquet and results.csv, while the lock is still held
            results.store.write_views(run_dir)
        except (OSError, ValueError) as exc:
            out(f"warning: results.parquet/.csv not compacted ({' '.join(str(exc).split())}); "
                f"{results.store.LOG} holds every row")


def run_search(setup: SearchSetup, *, resume: bool = False, out: Callable[[str], None] = log.lines("search"),
               trainable: Callable | None = None, overrides: list[str] | None = None) -> Path:
    """Run (or resume) a search to its budget; returns the run directory. `trainable(config, data, setup)`
    replaces the training function (benchmarks measure nasx and Ray alone with an instant one); it
    reports like `_trainable`, a final `tune.report` holding the trial's `row` as JSON. `overrides`, the
    command line's, go to RUN_DIR/overrides.yaml (`write_overrides`)."""
    check(setup)
    run_dir = Path(setup.run_dir)
    with writing(run_dir, out, resume=resume) as existing:
        setup = replace(setup, run_dir=str(run_dir))
        sinks = open_sinks(setup, run_dir, existing)  # a journal that cannot be written stops the run here
        write_config(setup, run_dir)
        write_overrides(run_dir, overrides, resume=resume)

        data = setup.data.load()
        space = setup.space.make()
        searcher = searchers.get(setup.searcher.name, space, seed=setup.seed, objectives=setup.objectives(),
                                 **setup.searcher.options)
        plan = Plan(setup, space, searcher, DataShape(data.resolution, data.num_classes, data.channels), existing,
                    commit=git_commit(), out=out)
        plan.sinks = sinks
        out(f"search {setup.name}: space {setup.space.name}, searcher {setup.searcher.name}, budget {setup.budget} "
            f"(+{len(setup.references)} references), data {data.describe()}"
            + (f", resuming with {len(existing)} finished trials" if len(existing) else ""))
        out(f"results: {run_dir / results.store.LOG} (one line per trial as it ends)")

        _run_on_ray(setup, plan, data, run_dir, trainable=trainable)
    for line in summary(results.load(run_dir), setup):
        out(line)
    out(f"results: {run_dir / results.store.PARQUET} (and .csv); analyse with `nasx analyze {run_dir}`")
    out(describe(setup, run_dir))
    return run_dir


def run_trials(setup: SearchSetup, configs: list[dict], *, out: Callable[[str], None] = log.lines("search"),
               title: str = "trials", trainable: Callable | None = None) -> Path:
    """Run a fixed list of trial configs (`trials.trial_config`) on Ray into setup.run_dir's results table;
    trials that already have a row there are skipped, so calling it again resumes. Returns the run dir.
    `trainable` replaces the training function (see `run_search`)."""
    run_dir = Path(setup.run_dir)
    with writing(run_dir, out) as existing:
        setup = replace(setup, searcher=replace(setup.searcher, asha=False))  # every listed trial trains to its end
        sinks = open_sinks(setup, run_dir, existing)
        data = setup.data.load()
        queue = TrialQueue(setup, configs, existing, commit=git_commit(), out=out)
        queue.sinks = sinks
        out(f"{title}: {queue.total} trials ({queue.skipped} already done), data {data.describe()}")
        if queue.pending:
            _run_on_ray(setup, queue, data, run_dir, name="tune-" + re.sub(r"\W+", "_", title)[:40],
                        trainable=trainable)
    return run_dir


def _run_on_ray(setup: SearchSetup, plan: Plan | TrialQueue, data, run_dir: Path, *, name: str = "tune",
                trainable: Callable | None = None) -> None:
    with log.quieter(RAY_QUIET):
        started = _init_ray(setup)
        try:
            _tune(setup, plan, data, run_dir, name, trainable or _trainable)
        finally:
            _stop_ray(started)


def _tune(setup: SearchSetup, plan: Plan | TrialQueue, data, run_dir: Path, name: str, function: Callable) -> None:
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler

    r = setup.resources
    trainable = tune.with_resources(tune.with_parameters(function, data=data, setup=setup),
                                    {"cpu": r.cpus_per_trial, "gpu": r.gpus_per_trial})
    scheduler = None
    if setup.searcher.asha:
        # one report per epoch, then the final one: max_t is one past the last epoch so the scheduler
        # never stops a trial that is about to report its result
        scheduler = ASHAScheduler(time_attr="training_iteration", metric=setup.searcher.asha_metric, mode="max",
                                  max_t=max(setup.train.epochs, 1) + 1, grace_period=setup.searcher.grace_epochs,
                                  reduction_factor=setup.searcher.reduction_factor)
    tuner = tune.Tuner(
        trainable,
        tune_config=tune.TuneConfig(search_alg=_tune_searcher(plan), scheduler=scheduler, num_samples=-1,
                                    max_concurrent_trials=r.max_concurrent, reuse_actors=True,
                                    trial_dirname_creator=lambda trial: trial.trial_id),
        run_config=tune.RunConfig(name=name, storage_path=str((run_dir / "ray").resolve()), verbose=0,
                                  callbacks=[_heartbeat(plan)],
                                  failure_config=tune.FailureConfig(max_failures=r.max_retries),
                                  checkpoint_config=tune.CheckpointConfig(checkpoint_at_end=False)),
    )
    try:
        tuner.fit()
    finally:
        _PLANS.pop(id(plan), None)
        plan.flush_lines()
