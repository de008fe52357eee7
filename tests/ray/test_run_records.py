"""A tiny search on a real Ray leaves its learning curves, its Optuna journal and TensorBoard event files,
each trial once, also after a resume."""

from dataclasses import replace

import optuna
import pandas as pd
import pytest
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import TrialState

from nasx import results
from nasx.results import curves
from nasx.results.optuna_journal import JOURNAL
from nasx.search.driver import run_search
from nasx.search.setup import LoggingSpec, SearcherSpec
from tests.helpers.search_setups import tiny_setup
from tests.results.test_curves import _scalars

pytestmark = pytest.mark.slow


def _check(run_dir, setup):
    frame = results.load(run_dir)
    table = curves.load(run_dir)
    assert (run_dir / curves.PARQUET).is_file()
    view = pd.read_parquet(run_dir / curves.PARQUET)
    assert len(view) == len(table) and not table.duplicated(["trial_id", "epoch"]).any()
    for r in frame.to_dict("records"):
        mine = table[table["trial_id"] == r["trial_id"]]
        assert list(mine["epoch"]) == list(range(1, int(r["epochs"]) + 1)), r["trial_id"]
        assert set(mine["stage"]) <= {"search"} and set(mine["seed"]) <= {r["seed"]}
        if r["status"] == "ok":
            assert mine["val/top1"].iloc[-1] == r["val/top1"]  # the last epoch's accuracy is the row's
            assert (mine["train/loss"] > 0).all() and (mine["wall_s"].diff().dropna() > 0).all()
    study = optuna.load_study(
        study_name=f"{setup.name}:search", storage=JournalStorage(JournalFileBackend(str(run_dir / JOURNAL)))
    )
    trials = [t.user_attrs["trial_id"] for t in study.trials]
    assert sorted(trials) == sorted(frame["trial_id"])  # every row once
    by_id = {t.user_attrs["trial_id"]: t for t in study.trials}
    for r in frame.to_dict("records"):
        t = by_id[r["trial_id"]]
        if r["status"] == "ok":
            assert t.state == TrialState.COMPLETE and t.values == [r["reward"]]
        else:
            assert t.state == (TrialState.PRUNED if r["status"] == "pruned" else TrialState.FAIL)
        assert t.user_attrs["arch"] == r["arch"] and t.user_attrs["full_arch"] == r["full_arch"]
    with_curves = sorted(set(table["trial_id"]))
    assert sorted(p.name for p in (run_dir / "tensorboard").iterdir()) == with_curves
    for trial_id in with_curves:
        scalars = _scalars(run_dir / "tensorboard" / trial_id)
        mine = table[table["trial_id"] == trial_id]
        assert [s for s, _, _ in scalars["train/loss"]] == list(mine["epoch"])
        assert [v for _, v, _ in scalars["train/loss"]] == pytest.approx(list(mine["train/loss"]), rel=1e-6)
    return frame


def test_curves_journal_and_tensorboard_of_a_search_and_its_resume(local_ray, tmp_path):
    base = tiny_setup(tmp_path)
    setup = tiny_setup(
        tmp_path / "run",
        budget=3,
        references=("mobilenet_v2",),
        searcher=SearcherSpec("random", asha=True, grace_epochs=1),
        train=replace(base.train, epochs=2),
        logging=LoggingSpec(tensorboard=True),
    )
    run_dir = run_search(setup, out=lambda line: None)
    assert len(_check(run_dir, setup)) == 4
    run_search(replace(setup, budget=4), resume=True, out=lambda line: None)
    assert len(_check(run_dir, setup)) == 5
