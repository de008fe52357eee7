"""Plan: the driver's bookkeeping, exercised with real searchers and spaces and hand-made worker results."""
import json

import pytest

import search_spaces
from nasx import results
from nasx.search import searchers
from nasx.search.plan import FINISHED, DataShape, Plan
from nasx.search.trials import proxy_spec
from tests.search_setups import tiny_setup

SHAPE = DataShape(resolution=8, num_classes=10, channels=3)


def finished(config, acc):
    row = {"arch": config["arch"], "arch_key": config["arch_key"], "status": "ok", "val/top1": acc,
           "reward": acc, "macs": 1000, "params": 10, "epochs": 1}
    return {"row": json.dumps(row), "node": "n1"}


def make_plan(tmp_path, lines, **changes):
    setup = tiny_setup(tmp_path, **changes)
    space = setup.space.make()
    searcher = searchers.get(setup.searcher.name, space, seed=setup.seed, objectives=setup.objectives(),
                             **setup.searcher.options)
    existing = results.load(tmp_path) if (tmp_path / "results.jsonl").exists() else results.empty_frame()
    return Plan(setup, space, searcher, SHAPE, existing, out=lines.append)


def test_budget_references_and_rows(tmp_path):
    lines = []
    plan = make_plan(tmp_path, lines, budget=3, references=("efficientnet_b0", "vgg11"))
    first = plan.next_config()
    assert first["family"] == "efficientnet_b0" and first["trial_id"] == "ref-efficientnet_b0"
    second = plan.next_config()  # vgg11 shrinks 8x8 images to nothing: recorded failed, never launched
    assert second["trial_id"] == "s0000"
    configs = [first, second, plan.next_config(), plan.next_config()]
    assert plan.next_config() is None  # budget reached, trials still running
    for i, c in enumerate(configs):
        plan.complete(c["trial_id"], finished(c, 0.1 * (i + 1)))
    assert plan.next_config() == FINISHED
    frame = results.load(tmp_path)
    assert frame["trial_id"].tolist() == ["ref-vgg11", "ref-efficientnet_b0", "s0000", "s0001", "s0002"]
    vgg = frame.iloc[0]
    assert vgg["status"] == "failed" and "invalid at proxy scale" in vgg["error"] and vgg["family"] == "vgg11"
    assert frame["order"].tolist() == [0, 1, 2, 3, 4]
    assert frame.loc[frame["family"] == "efficientnet_b0", "searcher"].item() == "reference"
    assert json.loads(frame.iloc[1]["choices"])["b6_filters"] == 192  # B0 is a point of the space
    assert "[  5/5]" in lines[-1] and "best reward 0.4000" in lines[-1]


def test_a_known_candidate_is_told_from_the_table_not_trained_again(tmp_path):
    lines = []
    plan = make_plan(tmp_path, lines, budget=2)
    configs = [plan.next_config(), plan.next_config()]
    for c in configs:
        plan.complete(c["trial_id"], finished(c, 0.5))
    # a resumed plan: same seed, so the searcher proposes the same two candidates first
    resumed = make_plan(tmp_path, lines, budget=3)
    config = resumed.next_config()
    assert config["trial_id"] == "s0002"
    assert set(resumed.searcher.outcomes) == {0, 1}  # told from the table
    assert resumed.searcher.outcomes[0].metrics["val/top1"] == 0.5


def test_failed_and_pruned_trials_are_rows_with_reasons(tmp_path):
    plan = make_plan(tmp_path, [], budget=2)
    a, b = plan.next_config(), plan.next_config()
    plan.complete(a["trial_id"], None, "the trial's worker failed")
    plan.complete(b["trial_id"], {"epoch": 1, "val_top1": 0.25})
    frame = results.load(tmp_path)
    assert frame["status"].tolist() == ["failed", "pruned"]
    assert frame["error"].tolist() == ["the trial's worker failed", "stopped early by ASHA after epoch 1"]
    assert frame["val/top1"].iloc[1] == 0.25 and frame["macs"].notna().all()
    assert [o.status for o in plan.searcher.outcomes.values()] == ["failed", "pruned"]


def test_grid_searcher_exhausts_then_finishes(tmp_path):
    plan = make_plan(tmp_path, [], space=tiny_setup(tmp_path).space.__class__("compound", {"tolerance": 0.005}),
                     searcher=tiny_setup(tmp_path).searcher.__class__("grid"), budget=100)
    grid = list(search_spaces.get("compound", tolerance=0.005).grid())
    # distinct full-scale networks can shrink to the same proxy network: that one is trained once
    trained = {proxy_spec(plan.setup, spec, **vars(SHAPE)).key() for _, spec in grid}
    assert 1 < len(trained) < len(grid)
    launched = []
    while (c := plan.next_config()) not in (None, FINISHED):
        launched.append(c)
    assert len(launched) == len(trained) and {c["arch_key"] for c in launched} == trained
    for c in launched:
        plan.complete(c["trial_id"], finished(c, 0.5))
    assert plan.next_config() == FINISHED
    assert len(plan.searcher.outcomes) == len(grid)  # every proposal heard its result
