"""`RayTune`: the executor that runs a driver's trials on Ray Tune.

Trials are Tune function trainables that call the run's evaluator on a worker; the dataset goes into
Ray's object store once (`tune.with_parameters`), actors are reused between trials, the driver's
ledger is adapted to Tune's Searcher API (`suggest` asks it for the next config, a trial's end
completes it), and ASHA stops trials early on what the evaluator reports per epoch. Results cross
Tune as flat values: a row and a curve travel as JSON text.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from nasx import log
from nasx.ray import resources, session
from nasx.ray.address import check_reachable
from nasx.search.evaluators import Evaluator
from nasx.search.ledger import FINISHED, Ledger
from nasx.search.setup import SearchSetup
from nasx.train import faults

HEARTBEAT_S = 30.0
_NESTED = ("row", "curve")  # result values Tune would flatten: sent as JSON text


class RayTune:
    """Runs trials as Ray Tune trials, on `setup.address`'s cluster or a local Ray started for the run."""

    name = "ray"

    def check(self, setup: SearchSetup) -> None:
        """What must hold before anything is written: a cluster answers at setup.address; a local Ray started
        for the run can place a trial."""
        if setup.address:
            check_reachable(setup.address)
        else:
            resources.check_request(setup.resources, [resources.local_node(setup.resources)], "the local Ray")

    def run(self, setup: SearchSetup, ledger: Ledger, data, run_dir: Path, *, name: str, evaluator: Evaluator) -> None:
        """Run the ledger's trials to the end (Ray started or connected for the call, then let go)."""
        with log.quieter(session.RAY_QUIET):
            started = session.connect(setup.address, setup.resources.num_cpus, setup.resources.num_gpus)
            try:
                resources.check_request(
                    setup.resources, resources.cluster_nodes(), f"the Ray at {setup.address or 'local'}"
                )
                _tune(setup, ledger, data, run_dir, name, evaluator)
            finally:
                session.disconnect(started)


def _to_wire(result: dict[str, Any], node: str) -> dict[str, Any]:
    return {**{k: json.dumps(v) if k in _NESTED else v for k, v in result.items()}, "node": node}


def _from_wire(result: dict[str, Any] | None) -> dict[str, Any] | None:
    if not result:
        return result
    return {k: json.loads(v) if k in _NESTED and isinstance(v, str) else v for k, v in result.items()}


def _trainable(config: dict, data=None, setup: SearchSetup | None = None, evaluator: Evaluator | None = None) -> None:
    """One trial on a Ray worker: the evaluator's progress reports, then its final result."""
    import ray
    from ray import tune

    if evaluator is None:  # the defaults are Tune's convention; tune.with_parameters passes every one
        raise TypeError("_trainable: no evaluator (pass it with tune.with_parameters)")
    node = ray.get_runtime_context().get_node_id()[:12]
    result = evaluator(config, data, setup, lambda progress: tune.report(_to_wire(progress, node)))
    tune.report(_to_wire(result, node))


def _tune_searcher(ledger: Ledger):
    from ray.tune.search import Searcher

    class LedgerSearcher(Searcher):
        """Tune's view of a nasx ledger: suggest asks it, completion tells it. Tune pickles its search
        algorithm with the experiment state; the ledger lives in the driver only and is left out."""

        ledger: Ledger  # set by _tune_searcher

        def __init__(self) -> None:
            super().__init__()
            self.ids: dict[str, str] = {}

        def __getstate__(self) -> dict:
            return {k: v for k, v in self.__dict__.items() if k != "ledger"}

        def suggest(self, trial_id: str):
            config = self.ledger.next_config()
            if config == FINISHED:
                return Searcher.FINISHED
            if config is not None:
                self.ids[trial_id] = config["trial_id"]
            return config

        def save(self, checkpoint_path: str) -> None:
            """Nothing to save: a search resumes from its results table (see nasx.search.plan)."""

        def restore(self, checkpoint_path: str) -> None:
            """See `save`."""

        def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
            if trial_id in self.ids:
                nasx_id = self.ids.pop(trial_id)
                message = None
                if error:
                    message = "the trial's worker failed (see the Ray logs under ray/)"
                    fault = faults.for_trial(self.ledger.setup.train.fault, nasx_id)
                    if fault is not None and fault.kind == "exit":
                        message += f" after injected fault {fault}"
                self.ledger.complete(nasx_id, _from_wire(result), message)

    searcher = LedgerSearcher()
    searcher.ledger = ledger
    return searcher


_LEDGERS: dict = {}  # driver-side ledgers of the running searches, by id


def _ledger_of(key: int) -> Ledger | None:
    """The driver's ledger by key. A module-level function: Tune pickles the Heartbeat class by value, and
    a reference to `_LEDGERS` in its body would pickle every running ledger with it."""
    return _LEDGERS.get(key)


def _heartbeat(ledger: Ledger):
    """A Tune callback printing the ledger's status line when no trial has ended for HEARTBEAT_S."""
    from ray.tune import Callback

    class Heartbeat(Callback):
        """Tune copies its callbacks by pickling: the copy finds the driver's ledger by key."""

        def __init__(self, key: int) -> None:
            self.key = key

        def on_step_end(self, iteration, trials, **info) -> None:
            ledger = _ledger_of(self.key)
            if ledger and ledger.inflight and time.monotonic() - ledger.last_line >= HEARTBEAT_S:
                ledger.out(ledger.status_line())

    _LEDGERS[id(ledger)] = ledger
    return Heartbeat(id(ledger))


def _tune(setup: SearchSetup, ledger: Ledger, data, run_dir: Path, name: str, evaluator: Evaluator) -> None:
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler

    r = setup.resources
    trainable = tune.with_resources(
        tune.with_parameters(_trainable, data=data, setup=setup, evaluator=evaluator),
        {"cpu": r.cpus_per_trial, "gpu": r.gpus_per_trial},
    )
    scheduler = None
    if setup.searcher.asha:
        # one report per epoch, then the final one: max_t is one past the last epoch so the scheduler
        # never stops a trial that is about to report its result
        scheduler = ASHAScheduler(
            time_attr="training_iteration",
            metric=setup.searcher.asha_metric,
            mode="max",
            max_t=max(setup.train.epochs, 1) + 1,
            grace_period=setup.searcher.grace_epochs,
            reduction_factor=setup.searcher.reduction_factor,
        )
    tuner = tune.Tuner(
        trainable,
        tune_config=tune.TuneConfig(
            search_alg=_tune_searcher(ledger),
            scheduler=scheduler,
            num_samples=-1,
            max_concurrent_trials=r.max_concurrent,
            reuse_actors=True,
            trial_dirname_creator=lambda trial: trial.trial_id,
        ),
        run_config=tune.RunConfig(
            name=name,
            storage_path=str((run_dir / "ray").resolve()),
            verbose=0,
            callbacks=[_heartbeat(ledger)],
            failure_config=tune.FailureConfig(max_failures=r.max_retries),
            checkpoint_config=tune.CheckpointConfig(checkpoint_at_end=False),
        ),
    )
    try:
        tuner.fit()
    finally:
        _LEDGERS.pop(id(ledger), None)
        ledger.flush_lines()
