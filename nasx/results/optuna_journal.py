"""A run's trials as Optuna studies in a JournalStorage file, `RUN_DIR/optuna.log`, so that optuna-dashboard
and optuna.visualization open a nasx run: the one module where the results table meets Optuna.

One study per stage, named `<run name>:search`, `<run name>:confirm`, `<run name>:fidelity`, with the
directions of the run's objectives (`reward` maximised, or `val/top1` maximised and the cost minimised)
as its metric names. Each results row is one finished trial, written as one journal line:

- state COMPLETE with its objective values (status ok, every value finite); PRUNED (stopped early by
  ASHA); FAIL (failed, rejected at proxy scale, or an objective not measured, as a zero-cost row);
- the space's choices as params, with the distributions the Optuna searchers propose them from (each
  parameter's own `suggest`, replayed on a FixedTrial); a value outside the space's parameters is left out;
- `USER_ATTRS` of the row (trial_id, stage, rung, seed, family, arch, full_arch, ...) as user attributes;
- start and end times from the row (`finished_at - wall_s`, `finished_at`).

A trial is added only when its study has no trial with its trial_id, so a resumed run, or a journal caught
up with the table (`Journal.sync`), never holds a trial twice.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import warnings
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from nasx.results import jsonl

JOURNAL = "optuna.log"
USER_ATTRS = (
    "trial_id",
    "stage",
    "rung",
    "seed",
    "family",
    "searcher",
    "status",
    "error",
    "arch",
    "full_arch",
    "arch_key",
    "val/top1",
    "test/top1",
    "reward",
    "params",
    "macs",
    "full_params",
    "full_macs",
    "latency_ms",
    "epochs",
    "wall_s",
)


def study_name(name: str, stage: str) -> str:
    return f"{name}:{stage}"


def _plain(value: Any) -> Any:
    """A JSON-able Python value of a table cell; None for missing and non-finite numbers."""
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _time(seconds) -> datetime | None:
    seconds = _plain(seconds)
    return datetime.fromtimestamp(float(seconds), tz=UTC) if seconds is not None else None


def params_of(parameters: Iterable, values: dict) -> tuple[dict, dict]:
    """(params, distributions) of a point's `values`: each space parameter's `suggest` replayed on an Optuna
    FixedTrial, so the distributions are the ones the Optuna searchers sample from."""
    import optuna

    trial = optuna.trial.FixedTrial(values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a value outside its distribution is dropped below
        for p in parameters:
            if p.name in values:
                try:
                    p.suggest(trial)
                except (ValueError, TypeError):
                    continue
    params, dists = {}, {}
    for name, value in trial.params.items():
        dist = trial.distributions[name]
        try:
            inside = dist._contains(dist.to_internal_repr(value))
        except (ValueError, TypeError):
            inside = False
        if inside:
            params[name], dists[name] = value, dist
    return params, dists


def frozen_trial(row: dict, objectives, parameters: Iterable):
    """The Optuna FrozenTrial of one results row (see the module's docstring)."""
    from optuna.trial import FrozenTrial, TrialState

    values = [_plain(row.get(metric)) for metric, _ in objectives]
    status = row.get("status")
    if status == "ok" and all(isinstance(v, (int, float)) for v in values):
        state = TrialState.COMPLETE
    else:
        state = TrialState.PRUNED if status == "pruned" else TrialState.FAIL
    try:
        choices = json.loads(row.get("choices") or "{}")
    except (TypeError, json.JSONDecodeError):
        choices = {}
    params, dists = params_of(parameters, choices if isinstance(choices, dict) else {})
    end = _time(row.get("finished_at")) or datetime.now(tz=UTC)
    wall_s = _plain(row.get("wall_s"))
    start = datetime.fromtimestamp(end.timestamp() - float(wall_s), tz=UTC) if wall_s else end
    attrs = {k: _plain(row.get(k)) for k in USER_ATTRS}
    attrs["stage"] = attrs["stage"] or "search"
    attrs = {k: v for k, v in attrs.items() if v is not None and v != ""}
    floats = [float(v) for v in values] if state == TrialState.COMPLETE else None
    return FrozenTrial(
        number=0,
        state=state,
        value=None,
        values=floats,
        datetime_start=start,
        datetime_complete=end,
        params=params,
        distributions=dists,
        user_attrs=attrs,
        system_attrs={},
        intermediate_values={},
        trial_id=0,
    )


class _NotNewStudy(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("A new study created")


@contextlib.contextmanager
def _without_new_study_line():
    """Optuna's journal storage logs "A new study created ..." (INFO) on stderr; a run's journal says where
    it is itself. A filter on that one logger for the one call, no level changed."""
    logger, quiet = logging.getLogger("optuna.storages.journal._storage"), _NotNewStudy()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


class Journal:
    """The Optuna journal of one run: `record(row)` adds a finished trial to its stage's study once."""

    name = JOURNAL

    def __init__(self, path: str | Path, run_name: str, objectives, parameters: Iterable) -> None:
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        self.path, self.run_name = Path(path), run_name
        self.objectives, self.parameters = tuple(objectives), tuple(parameters)
        try:
            os.close(os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644))
            jsonl.cut_torn_tail(self.path)  # Optuna would fail on a line appended after a torn one
        except OSError as exc:
            raise ValueError(f"cannot write the Optuna journal {self.path}: {exc.strerror or exc}") from None
        try:
            self.storage = JournalStorage(JournalFileBackend(str(self.path)))
        except ValueError as exc:  # a line that is not a journal record
            raise ValueError(
                f"{self.path}: not a readable Optuna journal ({' '.join(str(exc).split())}); rebuild "
                f"it with `nasx export-optuna {self.path.parent}`"
            ) from None
        self._studies: dict = {}  # stage -> (optuna.Study, trial ids it holds)

    def _study(self, stage: str):
        """(Optuna study, trial ids it holds) of a stage's study, created on first use."""
        if stage not in self._studies:
            import optuna
            from optuna.study import StudyDirection

            name = study_name(self.run_name, stage)
            directions = [
                StudyDirection.MAXIMIZE if d == "max" else StudyDirection.MINIMIZE for _, d in self.objectives
            ]
            try:
                study_id = self.storage.get_study_id_from_name(name)
            except KeyError:
                with _without_new_study_line():
                    study_id = self.storage.create_new_study(directions, study_name=name)
                self.storage.set_study_user_attr(study_id, "stage", stage)
            if self.storage.get_study_directions(study_id) != directions:
                raise ValueError(
                    f"{self.path}: study {name} has other directions than the run's objectives "
                    f"({', '.join(f'{m} {d}' for m, d in self.objectives)}); rebuild it with "
                    f"`nasx export-optuna {self.path.parent}`"
                )
            study = optuna.load_study(study_name=name, storage=self.storage)
            if study.metric_names is None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                    study.set_metric_names([m for m, _ in self.objectives])
            trials = study.get_trials(deepcopy=False)
            self._studies[stage] = (study, {str(t.user_attrs.get("trial_id")) for t in trials})
        return self._studies[stage]

    def record(self, row: dict, curve: list[dict] | None = None) -> bool:
        """Add one results row as a finished trial, unless its study holds that trial_id; returns whether it did."""
        study, recorded = self._study(row.get("stage") or "search")
        trial_id = str(row["trial_id"])
        if trial_id in recorded:
            return False
        study.add_trial(frozen_trial(row, self.objectives, self.parameters))
        recorded.add(trial_id)
        return True

    def sync(self, frame: pd.DataFrame) -> int:
        """Add every row of a results table the journal lacks; returns how many it added."""
        rows = frame.to_dict("records") if len(frame) else []
        return sum(self.record(r) for r in rows)


def write(
    path: str | Path,
    frame: pd.DataFrame,
    run_name: str,
    objectives,
    parameters: Iterable,
    *,
    log_range: dict[str, Any] | None = None,
) -> int:
    """A new journal at `path` holding exactly the rows of `frame`, written under a temporary name and renamed
    into place (a reader sees the old file or the new one). `log_range` (`store.log_range`: the results log's
    bytes, rows and sha256 the rows come from) goes into each study's user attributes as `nasx_log_bytes`,
    `nasx_log_rows`, `nasx_log_sha256`. Returns the number of trials; ValueError when `path` cannot be written."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    if path.is_dir():
        raise ValueError(f"cannot write the Optuna journal {path}: it is a directory")
    try:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644))
    except OSError as exc:
        raise ValueError(f"cannot write the Optuna journal {path}: {exc.strerror or exc}") from None
    try:
        journal = Journal(tmp, run_name, objectives, parameters)
        count = journal.sync(frame)
        for study, _ in journal._studies.values():
            for key, value in (log_range or {}).items():
                study.set_user_attr(f"nasx_log_{key}", value)
        os.replace(tmp, path)
    except OSError as exc:
        raise ValueError(f"cannot write the Optuna journal {path}: {exc.strerror or exc}") from None
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
    return count
