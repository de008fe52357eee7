"""The Ray Tune executor's pieces that Tune pickles: they must never carry the driver's ledger along."""

import pickle

from ray import cloudpickle

from nasx import results
from nasx.ray.executor import _RUNS, _from_wire, _heartbeat, _Run, _to_wire, _tune_searcher
from nasx.search import searchers
from nasx.search.plan import DataShape, Plan
from tests.helpers.search_setups import tiny_setup


def _grid_plan(tmp_path):
    """A plan whose searcher holds a generator (the grid searcher's), which cannot be pickled."""
    setup = tiny_setup(
        tmp_path,
        space=tiny_setup(tmp_path).space.__class__("compound", options={"step": 0.1}),
        searcher=tiny_setup(tmp_path).searcher.__class__("grid"),
    )
    space = setup.space.make()
    searcher = searchers.get("grid", space, seed=0, objectives=setup.objectives())
    return Plan(setup, space, searcher, DataShape(8, 10, 3), results.empty_frame(), out=lambda line: None)


def test_the_heartbeat_and_the_searcher_adapter_pickle_without_the_ledger(tmp_path):
    plan = _grid_plan(tmp_path)
    try:
        run = _Run(plan, max_retries=1)
        callback = _heartbeat(run)
        adapter = _tune_searcher(plan, run)
        for obj in (callback, adapter):
            cloudpickle.loads(cloudpickle.dumps(obj))  # a generator inside the ledger would fail here
        assert not {"ledger", "run"} & set(pickle.loads(cloudpickle.dumps(adapter)).__dict__)
    finally:
        _RUNS.clear()


def test_a_result_crosses_tune_as_flat_values_and_comes_back_whole():
    result = {"epoch": 2, "val_top1": 0.5, "row": {"status": "ok", "val/top1": 0.5}, "curve": [{"epoch": 1}]}
    wire = _to_wire(result, "node1")
    assert isinstance(wire["row"], str) and isinstance(wire["curve"], str) and wire["node"] == "node1"
    assert _from_wire(wire) == {**result, "node": "node1"}
    assert _from_wire(None) is None


def test_a_relative_supernet_run_reaches_the_workers_absolute(tmp_path, monkeypatch):
    import os
    from dataclasses import replace

    from nasx.ray.executor import on_workers

    monkeypatch.chdir(tmp_path)
    setup = tiny_setup(tmp_path / "run")
    relative = replace(setup, supernet=replace(setup.supernet, run="runs/demo/supernet"))
    assert on_workers(relative).supernet.run == os.path.join(str(tmp_path), "runs/demo/supernet")
    assert relative.supernet.run == "runs/demo/supernet"  # the driver's setup (rows, hashes) keeps what was given
    absolute = replace(setup, supernet=replace(setup.supernet, run="/data/supernet"))
    assert on_workers(absolute) is absolute and on_workers(setup) is setup
