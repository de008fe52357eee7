"""The search driver: a run directory, a ledger of trials, an evaluator and an executor, without Ray.

    run_search(setup)           a search: the searcher proposes (`Plan`), to its budget
    run_trials(setup, configs)  a fixed list of trials (`TrialQueue`): a confirmation stage, a fidelity study

Both hold the run directory's writer lock, catch up the run's sinks (Optuna journal, TensorBoard), write
its config, then hand the ledger to an executor, which runs each trial's config through the evaluator
(`nasx.search.evaluators`; default `train`) and hands each end back to the ledger, which writes its row.
The executor decides where trials run (`nasx.search.executors`): Ray Tune, locally or on a cluster (the
default), or one at a time in this process.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pandas as pd
import yaml

from nasx import log, results
from nasx.provenance import git_commit
from nasx.results.lock import writer_lock
from nasx.search import evaluators, executors, searchers
from nasx.search.evaluators import Evaluator
from nasx.search.executors import Executor
from nasx.search.plan import DataShape, Plan
from nasx.search.queue import TrialQueue
from nasx.search.setup import SearchSetup, check
from nasx.search.sinks import describe, open_sinks
from nasx.search.summary import summary

OVERRIDES = "overrides.yaml"


def _write_yaml(path: Path, value) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(yaml.safe_dump(value, sort_keys=False))
    os.replace(tmp, path)


def write_config(setup: SearchSetup, run_dir: Path) -> None:
    """RUN_DIR/config.yaml: the resolved config in force (rewritten by every resume)."""
    _write_yaml(run_dir / "config.yaml", dict(setup.config) or {"name": setup.name})


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
    `resume=False` refuses a directory that already holds results. The rows are read (and the views checked
    against the log: a log shorter than its views stops here) before anything is written."""
    with writer_lock(run_dir, again=True):
        if not resume and any(run_dir.glob("results.*")):
            raise ValueError(f"run_dir={run_dir} already holds results; resume it (resume=true) or choose another")
        existing = results.load(run_dir) if (run_dir / results.store.LOG).is_file() else results.empty_frame()
        results.curves.repair_tail(run_dir)
        repaired = results.store.repair_tail(run_dir)  # the rows read above skip a torn last line
        if repaired:
            out(repaired)
        yield existing
        try:  # the compacted results.parquet and results.csv, while the lock is still held
            results.store.write_views(run_dir)
        except (OSError, ValueError) as exc:
            out(
                f"warning: results.parquet/.csv not compacted ({' '.join(str(exc).split())}); "
                f"{results.store.LOG} holds every row"
            )


def run_search(
    setup: SearchSetup,
    *,
    resume: bool = False,
    out: Callable[[str], None] = log.lines("search"),
    evaluator: Evaluator | None = None,
    executor: Executor | None = None,
    overrides: list[str] | None = None,
) -> Path:
    """Run (or resume) a search to its budget; returns the run directory. `evaluator` scores each trial
    (default: `evaluators.get(setup.evaluator)`), `executor` runs the trials (default: Ray Tune). `overrides`, the
    command line's, go to RUN_DIR/overrides.yaml (`write_overrides`)."""
    executor = executor or executors.get()
    check(setup)
    executor.check(setup)
    run_dir = Path(setup.run_dir)
    with writing(run_dir, out, resume=resume) as existing:
        setup = replace(setup, run_dir=str(run_dir))
        sinks = open_sinks(setup, run_dir, existing)  # a journal that cannot be written stops the run here
        write_config(setup, run_dir)
        write_overrides(run_dir, overrides, resume=resume)

        data = setup.data.load()
        space = setup.make_space()
        searcher = searchers.get(
            setup.searcher.name, space, seed=setup.seed, objectives=setup.objectives(), **setup.searcher.options
        )
        plan = Plan(
            setup,
            space,
            searcher,
            DataShape(data.resolution, data.num_classes, data.channels),
            existing,
            commit=git_commit(),
            out=out,
        )
        plan.sinks = sinks
        out(
            f"search {setup.name}: space {setup.space.name}, searcher {setup.searcher.name}, budget {setup.budget} "
            f"(+{len(setup.references)} references), data {data.describe()}"
            + (f", resuming with {len(existing)} finished trials" if len(existing) else "")
        )
        out(f"results: {run_dir / results.store.LOG} (one line per trial as it ends)")
        executor.run(setup, plan, data, run_dir, name="tune", evaluator=evaluator or evaluators.get(setup.evaluator))
        plan.check_recorded()  # a row that could not be written stops the run here, views left as they are
    for line in summary(results.load(run_dir), setup):
        out(line)
    out(f"results: {run_dir / results.store.PARQUET} (and .csv); analyse with `nasx analyze {run_dir}`")
    out(describe(setup, run_dir))
    return run_dir


def run_trials(
    setup: SearchSetup,
    configs: list[dict],
    *,
    out: Callable[[str], None] = log.lines("search"),
    title: str = "trials",
    evaluator: Evaluator | None = None,
    executor: Executor | None = None,
) -> Path:
    """Run a fixed list of trial configs (`nasx.search.configs.trial_config`) into setup.run_dir's results
    table; trials that already have a row there are skipped, so calling it again resumes. Returns the run
    dir. `evaluator` (default: the one each config names, else `train`) and `executor` as in `run_search`."""
    run_dir = Path(setup.run_dir)
    setup = replace(setup, searcher=replace(setup.searcher, asha=False))  # every listed trial trains to its end
    executor = executor or executors.get()
    executor.check(setup)  # a reachable cluster, a request it can place: before anything is written
    with writing(run_dir, out) as existing:
        sinks = open_sinks(setup, run_dir, existing)
        data = setup.data.load()
        queue = TrialQueue(setup, configs, existing, commit=git_commit(), out=out)
        queue.sinks = sinks
        out(f"{title}: {queue.total} trials ({queue.skipped} already done), data {data.describe()}")
        if queue.pending:
            executor.run(
                setup,
                queue,
                data,
                run_dir,
                name="tune-" + re.sub(r"\W+", "_", title)[:40],
                evaluator=evaluator or evaluators.per_trial,
            )
        queue.check_recorded()
    return run_dir
