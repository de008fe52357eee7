"""A Pareto search on a real local Ray with search.scheduler=mo_asha, and the rung records a resume rebuilds."""

from dataclasses import replace

import pytest

from nasx import results
from nasx.ray.executor import _mo_asha
from nasx.reward import Objective
from nasx.search.driver import run_search
from nasx.search.setup import SearcherSpec
from tests.helpers.search_setups import tiny_setup

pytestmark = pytest.mark.slow


def test_mo_asha_stops_trials_and_says_where_and_why(local_ray, tmp_path):
    setup = tiny_setup(
        tmp_path / "run",
        budget=8,
        searcher=SearcherSpec("random", scheduler="mo_asha", reduction_factor=3),
        objective=Objective(mode="multi", metric="macs", scale="full"),
        train=replace(tiny_setup(tmp_path).train, epochs=2),
    )
    run_dir = run_search(setup, out=lambda line: None)
    frame = results.load(run_dir)
    assert len(frame) == 8 and set(frame["status"]) <= {"ok", "pruned"}
    pruned, ok = frame[frame["status"] == "pruned"], frame[frame["status"] == "ok"]
    # eta 3, one rung at epoch 1: the 2nd to arrive continues only if first of 2, the 3rd only if first of 3, ...;
    # that none of 8 stops has probability 1/2 * 1/3 * 2/4 * 2/5 * 2/6 * 3/7 * 3/8 < 0.1%
    assert len(pruned) >= 1 and len(ok) >= 1
    assert (pruned["stopped_at_rung"] == 1).all() and (pruned["epochs"] == 1).all()
    assert (
        pruned["stop_reason"]
        .str.match(r"^front \d+ of \d+, position \d+ of \d+ at epoch 1; the first \d+ continue$")
        .all()
    )
    assert pruned["error"].str.startswith("stopped early by MO-ASHA: front ").all()
    assert ok["stopped_at_rung"].isna().all() and (ok["epochs"] == 2).all()

    # a resume rebuilds rung 1's records from the rows and curves: every trial reported epoch 1
    scheduler = _mo_asha(setup, run_dir)
    assert scheduler.rungs == (1,) and set(scheduler.records[1]) == set(frame["trial_id"])
    row = frame.iloc[0]
    curves = results.curves.load(run_dir)
    val = curves[(curves["trial_id"] == row["trial_id"]) & (curves["epoch"] == 1)]["val/top1"].iloc[0]
    assert scheduler.records[1][row["trial_id"]] == (-val, float(row["full_macs"]))
