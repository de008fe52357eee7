"""`RayTune`: the executor that runs a driver's trials on Ray Tune.

Trials are Tune function trainables that call the run's evaluator on a worker; the dataset goes into
Ray's object store once (`tune.with_parameters`), actors are reused between trials, the driver's
ledger is adapted to Tune's Searcher API (`suggest` asks it for the next config, a trial's end
completes it), and ASHA, MO-ASHA (nasx.ray.mo_scheduler) or front halving (nasx.ray.front_halving) stops
trials early on what the evaluator reports
per epoch. Results cross
Tune as flat values: a row and a curve travel as JSON text.

Under faults, quietly: Ray's own output goes to RUN_DIR/ray.log (nasx.ray.output); a trial whose worker
or node was lost is retried by Tune, said in one warning line, and its row counts the retries and the
seconds of work they redid (`retries`, `redone_s`); a head that stops answering ends the run with one
line and exit code 3 (nasx.ray.health).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nasx import log
from nasx.ray import health, output, resources, session
from nasx.ray.address import check_reachable
from nasx.search.evaluators import Evaluator
from nasx.search.ledger import FINISHED, Ledger
from nasx.search.setup import RANKED_SCHEDULERS, SearchSetup
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

    @contextlib.contextmanager
    def session(self, setup: SearchSetup, run_dir: Path) -> Iterator[None]:
        """Ray started (or attached) once for the block: every `run` inside it (a search, then its confirmation
        stage) uses that Ray instead of starting its own; let go at the end."""
        run_dir.mkdir(parents=True, exist_ok=True)
        with log.quieter(session.RAY_QUIET), output.into(run_dir / output.RAY_LOG):
            started = _connect(setup, run_dir)
        try:
            yield
        finally:
            with log.quieter(session.RAY_QUIET), output.into(run_dir / output.RAY_LOG):
                session.disconnect(started)

    def run(self, setup: SearchSetup, ledger: Ledger, data, run_dir: Path, *, name: str, evaluator: Evaluator) -> None:
        """Run the ledger's trials to the end (Ray started or connected for the call, then let go, unless a
        `session` holds it)."""
        with log.quieter(session.RAY_QUIET), output.into(run_dir / output.RAY_LOG) as terminal:
            started = _connect(setup, run_dir)
            try:
                resources.check_request(
                    setup.resources, resources.cluster_nodes(), f"the Ray at {setup.address or 'local'}"
                )
                _tune(setup, ledger, data, run_dir, name, evaluator, terminal)
            finally:
                session.disconnect(started)


def _connect(setup: SearchSetup, run_dir: Path) -> session.LocalRay | bool:
    """`session.connect` for the setup; False when Ray is already up (a `RayTune.session`, a test's Ray)."""
    r = setup.resources
    try:
        return session.connect(setup.address, r.num_cpus, r.num_gpus)
    except (ConnectionError, RuntimeError) as exc:  # Ray's account of it is in the log
        where = f"cluster.address={setup.address}" if setup.address else "a local Ray"
        why = f"{type(exc).__name__}; Ray's account in {run_dir / output.RAY_LOG}"
        raise ValueError(f"{where}: Ray did not start or attach ({why})") from None


def on_workers(setup: SearchSetup) -> SearchSetup:
    """The setup as a trial's worker reads it: `supernet.run` made absolute from the driver's working directory
    (Tune runs each trial in a directory of its own)."""
    run = setup.supernet.run
    if run and not os.path.isabs(run):
        setup = replace(setup, supernet=replace(setup.supernet, run=os.path.abspath(run)))
    return setup


def _to_wire(result: dict[str, Any], node: str) -> dict[str, Any]:
    return {**{k: json.dumps(v) if k in _NESTED else v for k, v in result.items()}, "node": node}


def _from_wire(result: dict[str, Any] | None) -> dict[str, Any] | None:
    if not result:
        return result
    return {k: json.loads(v) if k in _NESTED and isinstance(v, str) else v for k, v in result.items()}


def _trainable(config: dict, data=None, setup: SearchSetup | None = None, evaluator: Evaluator | None = None) -> None:
    """One trial on a Ray worker: the evaluator's progress reports, then its final result. A progress report with
    a training `state` (search.scheduler=front_halving, at a rung) carries it as a Tune checkpoint; a trial Tune
    restarts from a checkpoint (unpaused) hands its state to the evaluator (`resume_state`) to continue exactly."""
    import ray
    from ray import tune

    if evaluator is None:  # the defaults are Tune's convention; tune.with_parameters passes every one
        raise TypeError("_trainable: no evaluator (pass it with tune.with_parameters)")
    node = ray.get_runtime_context().get_node_id()[:12]
    checkpoint = tune.get_checkpoint()
    if checkpoint is not None:
        config = {**config, "resume_state": _load_state(checkpoint)}
    result = evaluator(config, data, setup, lambda progress: _report(progress, node))
    tune.report(_to_wire(result, node))


STATE_FILE = "state.pt"  # a front_halving checkpoint: torch.save of the trainer's resumable state


def _report(progress: dict[str, Any], node: str) -> None:
    """tune.report of a progress report; its `state`, when it has one, as a checkpoint."""
    import tempfile

    from ray import tune

    state = progress.get("state")
    wire = _to_wire({k: v for k, v in progress.items() if k != "state"}, node)
    if state is None:
        tune.report(wire)
        return
    import torch

    with tempfile.TemporaryDirectory() as tmp:
        torch.save(state, Path(tmp) / STATE_FILE)
        tune.report(wire, checkpoint=tune.Checkpoint.from_directory(tmp))


def _load_state(checkpoint) -> dict:
    import torch

    with checkpoint.as_directory() as folder:
        return torch.load(Path(folder) / STATE_FILE, weights_only=False)


@dataclass
class _Run:
    """The driver's record of one Tune run: its ledger, the lock each row is recorded under (the head's
    watch takes it before ending the process), and the attempts of the trials Tune retried."""

    ledger: Ledger
    max_retries: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: dict[str, float] = field(default_factory=dict)  # trial id -> when its current attempt started
    retries: dict[str, int] = field(default_factory=dict)
    redone_s: dict[str, float] = field(default_factory=dict)  # seconds of its lost attempts
    scheduler: Any = None  # a MOASHA or FrontHalving: the rung and reason of each trial it stopped

    def stop_columns(self, trial_id: str) -> dict[str, Any]:
        """The row's `stopped_at_rung` and `stop_reason` of a trial the MO-ASHA or front-halving scheduler
        stopped."""
        return self.scheduler.stop_columns(trial_id) if self.scheduler is not None else {}

    def last_result(self, trial_id: str) -> dict | None:
        """The last report of a trial Tune completed without one (front halving stopped it while paused)."""
        return self.scheduler.last_result(trial_id) if hasattr(self.scheduler, "last_result") else None

    def may_start(self, live: int) -> bool:
        """Whether another trial may start with `live` trials not ended: front halving's paused trials do not
        count against resources.max_concurrent (Tune's own limit would count them and wait forever)."""
        if not hasattr(self.scheduler, "waiting"):
            return True
        return live - self.scheduler.waiting() < self.ledger.setup.resources.max_concurrent

    def no_next(self) -> None:
        """The ledger has no next trial: front halving decides its open cohort without more members."""
        if hasattr(self.scheduler, "close"):
            self.scheduler.close()

    def retried(self, trial_id: str) -> None:
        """A trial's worker or node was lost and Tune runs it again: counted and said in one line."""
        lost_s = time.monotonic() - self.started.pop(trial_id, time.monotonic())
        self.retries[trial_id] = self.retries.get(trial_id, 0) + 1
        self.redone_s[trial_id] = self.redone_s.get(trial_id, 0.0) + lost_s
        self.ledger.out(
            f"warning: {trial_id}: its worker or node was lost after {lost_s:.1f} s; running it again "
            f"(retry {self.retries[trial_id]} of {self.max_retries}; Ray's account in "
            f"{Path(self.ledger.run_dir) / output.RAY_LOG})"
        )

    def attempts(self, trial_id: str) -> dict[str, Any]:
        """The row's `retries` and `redone_s` of a trial that ended."""
        self.started.pop(trial_id, None)
        return {"retries": self.retries.pop(trial_id, 0), "redone_s": round(self.redone_s.pop(trial_id, 0.0), 3)}

    def lost_head(self, address: str) -> str:
        """The line of a run whose head stopped answering."""
        ledger = self.ledger
        return (
            f"the Ray cluster's head at {address} stopped answering for {health.LOST_AFTER_S:g} s; "
            f"{ledger.done()} trials are recorded in {ledger.run_dir} ({len(ledger.inflight)} were running): "
            f"restart the cluster and run `nasx resume {ledger.run_dir}` to run the rest"
        )


def _tune_searcher(ledger: Ledger, run: _Run | None = None):
    from ray.tune.search import Searcher

    class LedgerSearcher(Searcher):
        """Tune's view of a nasx ledger: suggest asks it, completion tells it. Tune pickles its search
        algorithm with the experiment state; the ledger lives in the driver only and is left out."""

        ledger: Ledger  # set by _tune_searcher
        run: _Run

        def __init__(self) -> None:
            super().__init__()
            self.ids: dict[str, str] = {}

        def __getstate__(self) -> dict:
            return {k: v for k, v in self.__dict__.items() if k not in ("ledger", "run")}

        def suggest(self, trial_id: str):
            if not self.run.may_start(len(self.ids)):
                return None
            config = self.ledger.next_config()
            if config is None or config == FINISHED:
                self.run.no_next()
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
                    message = f"the trial's worker failed (Ray's account in {output.RAY_LOG} and ray/)"
                    fault = faults.for_trial(self.ledger.setup.train.fault, nasx_id)
                    if fault is not None and fault.kind == "exit":
                        message += f" after injected fault {fault}"
                if result is None and not error:
                    result = self.run.last_result(nasx_id)
                with self.run.lock:
                    attempts = {**self.run.attempts(nasx_id), **self.run.stop_columns(nasx_id)}
                    self.ledger.complete(nasx_id, _from_wire(result), message, attempts=attempts)

    searcher = LedgerSearcher()
    searcher.ledger = ledger
    searcher.run = run or _Run(ledger, 0)
    return searcher


_RUNS: dict = {}  # driver-side records of the running searches, by id


def _run_of(key: int) -> _Run | None:
    """The driver's record by key. A module-level function: Tune pickles the Heartbeat class by value, and
    a reference to `_RUNS` in its body would pickle every running ledger with it."""
    return _RUNS.get(key)


def _heartbeat(run: _Run):
    """A Tune callback printing the ledger's status line when no trial has ended for HEARTBEAT_S, and
    telling the run's record when a trial's attempt starts and when Tune retries a trial."""
    from ray.tune import Callback

    class Heartbeat(Callback):
        """Tune copies its callbacks by pickling: the copy finds the driver's record by key."""

        def __init__(self, key: int) -> None:
            self.key = key

        def on_step_end(self, iteration, trials, **info) -> None:
            run = _run_of(self.key)
            if run and run.ledger.inflight and time.monotonic() - run.ledger.last_line >= HEARTBEAT_S:
                run.ledger.out(run.ledger.status_line())

        def on_trial_start(self, iteration, trials, trial, **info) -> None:
            run = _run_of(self.key)
            if run:
                run.started[trial.config["trial_id"]] = time.monotonic()

        def on_trial_recover(self, iteration, trials, trial, **info) -> None:
            run = _run_of(self.key)
            if run:
                run.retried(trial.config["trial_id"])

    _RUNS[id(run)] = run
    return Heartbeat(id(run))


def _watch(run: _Run, terminal: int, setup: SearchSetup) -> health.Watch:
    """The head's watch (nasx.ray.health) on the GCS this driver is attached to."""
    import ray

    address = ray.get_runtime_context().gcs_address
    named = setup.address if setup.address and setup.address != "auto" else address  # as the user wrote it
    return health.Watch(
        address, lambda: run.lost_head(named), terminal=terminal, record_lock=run.lock, program=log.program()
    )


def _rung_records(setup: SearchSetup, run_dir: Path) -> tuple[tuple[int, ...], dict[int, dict[str, tuple]]]:
    """The rung epochs and the rung records rebuilt from the rows already in `run_dir` (a resumed search)."""
    from nasx import results
    from nasx.ranking.rungs import records_from_rows, rung_epochs

    s = setup.searcher
    rungs = rung_epochs(s.grace_epochs, s.reduction_factor, max(setup.train.epochs, 1), s.rungs)
    curves = results.curves.load(run_dir)
    rows = results.load(run_dir) if len(curves) else curves  # a new run has no rows yet
    return rungs, records_from_rows(rows, curves, rungs, setup.objective.cost_columns())


def _mo_asha(setup: SearchSetup, run_dir: Path):
    """The MO-ASHA scheduler, its rung records rebuilt from the rows already in `run_dir` (a resumed search)."""
    from nasx.ray.mo_scheduler import MOASHA

    rungs, records = _rung_records(setup, run_dir)
    return MOASHA(rungs, setup.searcher.reduction_factor, records)


def _front_halving(setup: SearchSetup, run_dir: Path):
    """The front-halving scheduler, the trials already recorded in `run_dir` replayed into its first cohorts."""
    from nasx.ranking.cohorts import Cohorts
    from nasx.ray.front_halving import FrontHalving

    s = setup.searcher
    rungs, records = _rung_records(setup, run_dir)
    return FrontHalving(Cohorts(rungs, s.reduction_factor, s.cohort_size(setup.train.epochs), records))


def _tune(
    setup: SearchSetup, ledger: Ledger, data, run_dir: Path, name: str, evaluator: Evaluator, terminal: int
) -> None:
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler

    r = setup.resources
    trainable = tune.with_resources(
        tune.with_parameters(_trainable, data=data, setup=on_workers(setup), evaluator=evaluator),
        {"cpu": r.cpus_per_trial, "gpu": r.gpus_per_trial},
    )
    scheduler: Any = None
    if setup.searcher.stopping == "mo_asha":
        scheduler = _mo_asha(setup, run_dir)
    elif setup.searcher.stopping == "front_halving":
        scheduler = _front_halving(setup, run_dir)
    elif setup.searcher.stopping == "asha":
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
    ranked = setup.searcher.stopping in RANKED_SCHEDULERS
    run = _Run(ledger, r.max_retries, scheduler=scheduler if ranked else None)
    synchronous = setup.searcher.stopping == "front_halving"  # its paused trials must not hold a slot
    tuner = tune.Tuner(
        trainable,
        tune_config=tune.TuneConfig(
            search_alg=_tune_searcher(ledger, run),
            scheduler=scheduler,
            num_samples=-1,
            max_concurrent_trials=None if synchronous else r.max_concurrent,
            reuse_actors=True,
            trial_dirname_creator=lambda trial: trial.trial_id,
        ),
        run_config=tune.RunConfig(
            name=name,
            storage_path=str((run_dir / "ray").resolve()),
            verbose=0,
            callbacks=[_heartbeat(run)],
            failure_config=tune.FailureConfig(max_failures=r.max_retries),
            checkpoint_config=tune.CheckpointConfig(num_to_keep=1, checkpoint_at_end=False),
        ),
    )
    watch = _watch(run, terminal, setup)
    try:
        tuner.fit()
    finally:
        watch.stop()
        _RUNS.pop(id(run), None)
        ledger.flush_lines()
