"""The search budget is kept whatever happens to the results views."""

import os

from nasx import results
from nasx.results import store
from nasx.search import searchers
from nasx.search.plan import FINISHED, DataShape, Plan
from tests.helpers.paths import ROOT
from tests.helpers.search_setups import tiny_setup

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _row(trial_id, **kw):
    return {**results.empty_row(), "trial_id": trial_id, "status": "ok", **kw}


# --- the budget is kept whatever happens to the views ---------------------------------------------


def _plan(run_dir, out, budget=4):
    setup = tiny_setup(run_dir, budget=budget)
    space = setup.space.make()
    searcher = searchers.get("random", space, seed=0, objectives=setup.objectives())
    return Plan(setup, space, searcher, DataShape(8, 10, 3), results.empty_frame(), out=out)


def test_a_failing_view_refresh_never_stops_counting_or_passes_the_budget(tmp_path, monkeypatch):
    def broken(run_dir):
        raise ValueError("line 12 is not a JSON object")

    monkeypatch.setattr(store, "update_views", broken)
    lines = []
    plan = _plan(tmp_path, lines.append, budget=4)
    launched = 0
    for _ in range(20):
        config = plan.next_config()
        if config == FINISHED:
            break
        launched += 1
        plan.complete(config["trial_id"], None, "worker lost")
    assert launched == 4 and plan.searched_done == 4
    assert len(store.read_log(tmp_path / store.LOG)) == 4
    warnings = [line for line in lines if line.startswith("warning: results.parquet/.csv not refreshed")]
    assert len(warnings) == 4 and "line 12 is not a JSON object" in warnings[0]
