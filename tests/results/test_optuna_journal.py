"""The run's Optuna journal: loaded back with Optuna, every trial's state, values, params, distributions and
user attributes equal its results row; no trial twice; `nasx export-optuna` rebuilds it."""

import json
import math

import numpy as np
import optuna
import pandas as pd
import pytest
import yaml
from optuna.distributions import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import TrialState

from nasx import results, search_spaces
from nasx.cli.compose import compose
from nasx.cli.main import main
from nasx.results.optuna_journal import JOURNAL, Journal, study_name, write
from nasx.search_spaces.params import Choice, FloatRange, IntRange
from tests.helpers.analysis_rows import row

REWARD = (("reward", "max"),)
MULTI = (("val/top1", "max"), ("macs", "min"))


def expected_distribution(p):
    """Optuna's distribution for a space parameter, from its fields (not through `suggest`)."""
    if isinstance(p, Choice):
        return CategoricalDistribution(list(p.values))
    if isinstance(p, IntRange):
        return IntDistribution(p.low, p.high, log=p.log, step=1 if p.log else p.step)
    assert isinstance(p, FloatRange)
    return FloatDistribution(p.low, p.high, log=p.log, step=None if p.log else p.q)


def _rows(space, n=6, seed=0):
    """Searched rows with the space's choices (ok, failed, pruned, ok without a reward), a reference family
    outside the space, and two confirm rows."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        values, spec = space.sample_point(rng)
        status = ["ok", "ok", "failed", "pruned", "ok", "ok"][i % 6]
        reward = 0.5 + i / 100 if status == "ok" and i != 4 else None
        out.append(
            row(
                f"s{i:04d}",
                acc=0.4 + i / 50 if status != "failed" else None,
                macs=1000 * (i + 1),
                status=status,
                choices=values,
                reward=reward,
                seed=0,
                stage="search",
                full_arch=f"full_s{i:04d}",
                finished_at=1.7e9 + i,
                wall_s=2.5,
                searcher="tpe",
            )
        )
    out.append(
        row("ref-vgg11", acc=0.6, macs=5000, family="vgg11", reward=0.55, seed=0, finished_at=1.7e9 + 10, wall_s=4.0)
    )
    for s in (0, 1):
        out.append(
            row(
                f"confirm-s0000@s{s}" if s else "confirm-s0000",
                acc=0.7,
                macs=1000,
                reward=0.6 + s / 10,
                seed=s,
                stage="confirm",
                rung="epochs=10",
                choices=json.loads(out[0]["choices"]),
                finished_at=1.7e9 + 20 + s,
                wall_s=1.0,
            )
        )
    return out


def _table(tmp_path, rows):
    for i, r in enumerate(rows):
        r["order"] = i
        results.append(tmp_path, r, refresh_views=False)
    return results.load(tmp_path)


def _load(path, name):
    return optuna.load_study(study_name=name, storage=JournalStorage(JournalFileBackend(str(path))))


@pytest.mark.parametrize("space_name, objectives", [("mnasnet", REWARD), ("regnet", MULTI)])
def test_every_row_is_a_trial_equal_to_it(tmp_path, space_name, objectives):
    space = search_spaces.get(space_name)
    frame = _table(tmp_path / "run", _rows(space))
    path = tmp_path / "out" / JOURNAL
    path.parent.mkdir()
    assert write(path, frame, "demo", objectives, space.parameters()) == len(frame)
    for stage in ("search", "confirm"):
        study = _load(path, study_name("demo", stage))
        assert study.directions == [
            optuna.study.StudyDirection.MAXIMIZE if d == "max" else optuna.study.StudyDirection.MINIMIZE
            for _, d in objectives
        ]
        assert study.metric_names == [m for m, _ in objectives]
        rows = frame[frame["stage"] == stage]
        trials = {t.user_attrs["trial_id"]: t for t in study.trials}
        assert sorted(trials) == sorted(rows["trial_id"])
        for r in rows.to_dict("records"):
            t = trials[r["trial_id"]]
            wanted = [r[m] for m, _ in objectives]
            if r["status"] == "ok" and all(pd.notna(v) and math.isfinite(float(v)) for v in wanted):
                assert t.state == TrialState.COMPLETE and t.values == [float(v) for v in wanted]
            else:
                assert t.state == (TrialState.PRUNED if r["status"] == "pruned" else TrialState.FAIL)
                assert t.values is None
            choices = json.loads(r["choices"])
            assert t.params == choices
            assert t.distributions == {k: expected_distribution(space.parameter(k)) for k in choices}
            for key in ("trial_id", "arch", "stage"):
                assert t.user_attrs[key] == r[key]
            assert t.user_attrs["seed"] == int(r["seed"])
            assert t.user_attrs.get("full_arch") == (r["full_arch"] if isinstance(r["full_arch"], str) else None)
            assert t.user_attrs.get("family", "") == r["family"]
            assert t.datetime_complete.timestamp() == pytest.approx(r["finished_at"])
            assert (t.datetime_complete - t.datetime_start).total_seconds() == pytest.approx(r["wall_s"])


def test_states_by_status(tmp_path):
    space = search_spaces.get("mnasnet")
    frame = _table(tmp_path / "run", _rows(space))
    path = tmp_path / JOURNAL
    write(path, frame, "demo", REWARD, space.parameters())
    states = {t.user_attrs["trial_id"]: t.state for t in _load(path, "demo:search").trials}
    assert states == {
        "s0000": TrialState.COMPLETE,
        "s0001": TrialState.COMPLETE,
        "s0002": TrialState.FAIL,
        "s0003": TrialState.PRUNED,
        "s0004": TrialState.FAIL,  # ok, but no reward measured
        "s0005": TrialState.COMPLETE,
        "ref-vgg11": TrialState.COMPLETE,
    }


def test_no_trial_twice_and_a_torn_tail_is_repaired(tmp_path):
    space = search_spaces.get("mnasnet")
    frame = _table(tmp_path / "run", _rows(space))
    path = tmp_path / JOURNAL
    journal = Journal(path, "demo", REWARD, space.parameters())
    assert journal.sync(frame.iloc[:3]) == 3
    assert journal.sync(frame) == len(frame) - 3
    assert journal.sync(frame) == 0
    assert Journal(path, "demo", REWARD, space.parameters()).sync(frame) == 0  # a resumed driver
    raw = path.read_bytes()
    path.write_bytes(raw[:-20])  # a crash in the middle of the last trial's line
    again = Journal(path, "demo", REWARD, space.parameters())
    assert again.sync(frame) == 1
    ids = [t.user_attrs["trial_id"] for s in ("search", "confirm") for t in _load(path, f"demo:{s}").trials]
    assert sorted(ids) == sorted(frame["trial_id"])


def test_visualization_plots_the_study(tmp_path):
    pytest.importorskip("plotly")
    space = search_spaces.get("mnasnet")
    path = tmp_path / JOURNAL
    write(path, _table(tmp_path / "run", _rows(space)), "demo", REWARD, space.parameters())
    study = _load(path, "demo:search")
    figure = optuna.visualization.plot_optimization_history(study)
    assert len(figure.data) >= 1
    # by hand from _rows: trials are numbered in row order (s0000..s0005, ref-vgg11); the completed ones
    # are s0000, s0001, s0005 (reward 0.5 + i/100) and ref-vgg11 (0.55); s0002-s0004 failed, pruned or
    # have no reward. The best value is their running maximum over every trial number.
    traces = {trace.name: trace for trace in figure.data}
    assert list(traces["Objective Value"].x) == [0, 1, 5, 6]
    assert list(traces["Objective Value"].y) == pytest.approx([0.50, 0.51, 0.55, 0.55])
    assert list(traces["Best Value"].y) == pytest.approx([0.50, 0.51, 0.51, 0.51, 0.51, 0.55, 0.55])
    importances = optuna.visualization.plot_param_importances(study).data[0]
    assert set(importances.y) == {p.name for p in space.parameters()}
    assert sum(importances.x) == pytest.approx(1.0)


def test_visualization_matplotlib_plots_the_completed_values(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    space = search_spaces.get("mnasnet")
    frame = _table(tmp_path / "run", _rows(space))
    path = tmp_path / JOURNAL
    write(path, frame, "demo", REWARD, space.parameters())
    with pytest.warns(optuna.exceptions.ExperimentalWarning):
        ax = optuna.visualization.matplotlib.plot_optimization_history(_load(path, "demo:search"))
    plotted = sorted(float(y) for c in ax.collections for _, y in c.get_offsets())
    complete = frame[(frame["stage"] == "search") & (frame["status"] == "ok") & frame["reward"].notna()]
    assert len(complete) == 4 and plotted == sorted(complete["reward"])


def _run_dir(tmp_path):
    cfg = compose("search", ["smoke=true"])
    cfg["run_dir"] = str(tmp_path / "run")
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "config.yaml").write_text(yaml.safe_dump(cfg))
    space = search_spaces.get("mnasnet")
    return _table(tmp_path / "run", _rows(space)), tmp_path / "run"


def test_export_optuna_command_rebuilds_the_journal(tmp_path, capsys):
    frame, run_dir = _run_dir(tmp_path)
    before = (run_dir / "results.jsonl").read_bytes()
    assert main(["export-optuna", str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert f"optuna journal: {run_dir / JOURNAL}: {len(frame)} trials in 2 studies" in out
    assert main(["export-optuna", str(run_dir)]) == 0  # rebuilt whole: still one trial per row
    total = sum(len(_load(run_dir / JOURNAL, f"search:{s}").trials) for s in ("search", "confirm"))
    assert total == len(frame)
    assert (run_dir / "results.jsonl").read_bytes() == before
    assert main(["export-optuna", str(run_dir), "--out", str(tmp_path / "elsewhere.log")]) == 0
    assert len(_load(tmp_path / "elsewhere.log", "search:search").trials) == int((frame["stage"] == "search").sum())
    assert not list(run_dir.glob(".*.tmp")) and not list(tmp_path.glob(".*.tmp"))


def test_a_rebuilt_journal_records_the_log_range_it_was_built_from(tmp_path):
    import hashlib

    from nasx.results import store

    row = {**results.empty_row(), "trial_id": "a", "status": "ok", "arch": "x", "val/top1": 0.5, "reward": 0.5}
    store.append(tmp_path, row)
    raw = (tmp_path / store.LOG).read_bytes()
    write(
        tmp_path / "optuna.log",
        results.load(tmp_path),
        "run",
        [("reward", "max")],
        search_spaces.get("mnasnet").parameters(),
        log_range=store.log_range(tmp_path),
    )
    storage = JournalStorage(JournalFileBackend(str(tmp_path / "optuna.log")))
    attrs = optuna.load_study(study_name=study_name("run", "search"), storage=storage).user_attrs
    # one row of `len(raw)` bytes: the whole log, its one line, its sha256
    assert attrs["nasx_log_bytes"] == len(raw) and attrs["nasx_log_rows"] == 1
    assert attrs["nasx_log_sha256"] == hashlib.sha256(raw).hexdigest()
