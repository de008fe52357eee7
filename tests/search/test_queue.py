"""TrialQueue: a fixed list of trials, with per-trial seed and training overrides, resumed by trial id."""

import nasx
from nasx import results
from nasx.search import searchers
from nasx.search.configs import proxy_spec, trial_config
from nasx.search.plan import FINISHED, DataShape, Plan
from nasx.search.queue import TrialQueue
from nasx.search.rows import training_key
from tests.helpers.search_setups import tiny_setup

SHAPE = DataShape(resolution=8, num_classes=10, channels=3)

# training_key of tiny_setup (which sets batch_size=128 itself, so TrainSpec's default batch size does not
# enter): pins today's values, the config_hash stored in every run's rows. A change to what the hash covers
# or how it is serialised would make resumed runs and confirmations see every earlier row as another protocol.
KEY_TINY = "61db124c3134922d"
KEY_TINY_SEED1 = "b10079e7c277b741"
KEY_TINY_EPOCHS3_SEED1 = "6355052df47fd4bb"


def configs(setup, seeds=(0, 1), epochs=3):
    full = nasx.families.get("efficientnet_b0")
    trained = proxy_spec(setup, full, **vars(SHAPE))
    return [
        trial_config(
            f"c-b0@s{s}",
            full,
            trained,
            family="efficientnet_b0",
            seed=s,
            stage="confirm",
            rung=f"epochs={epochs}",
            train={"epochs": epochs},
        )
        for s in seeds
    ]


def finished(config, acc, seed):
    row = {
        "arch": config["arch"],
        "arch_key": config["arch_key"],
        "status": "ok",
        "val/top1": acc,
        "reward": acc,
        "macs": 1000,
        "params": 10,
        "epochs": 3,
        "seed": seed,
    }
    return {"row": row, "node": "n1"}


def test_queue_runs_its_list_and_labels_the_rows(tmp_path):
    setup = tiny_setup(tmp_path)
    lines = []
    queue = TrialQueue(setup, configs(setup), results.empty_frame(), out=lines.append)
    first, second = queue.next_config(), queue.next_config()
    assert queue.next_config() is None  # both running
    queue.complete(second["trial_id"], finished(second, 0.6, 1))
    queue.complete(first["trial_id"], None, "the trial's worker failed")
    assert queue.next_config() == FINISHED
    frame = results.load(tmp_path).set_index("trial_id")
    assert list(frame.index) == ["c-b0@s1", "c-b0@s0"]
    assert frame.loc["c-b0@s1", "stage"] == "confirm" and frame.loc["c-b0@s1", "rung"] == "epochs=3"
    assert frame.loc["c-b0@s1", "seed"] == 1 and frame.loc["c-b0@s0", "seed"] == 0
    assert frame.loc["c-b0@s0", "status"] == "failed" and "worker failed" in frame.loc["c-b0@s0", "error"]
    assert frame.loc["c-b0@s1", "full_arch"] == nasx.encode(nasx.families.get("efficientnet_b0"))
    # config_hash names the protocol actually used: the overrides and the trial's seed
    assert frame.loc["c-b0@s1", "config_hash"] == training_key(setup, train={"epochs": 3}, seed=1)
    assert frame.loc["c-b0@s1", "config_hash"] != training_key(setup, seed=1)
    assert frame.loc["c-b0@s1", "config_hash"] == KEY_TINY_EPOCHS3_SEED1
    assert training_key(setup, seed=1) == KEY_TINY_SEED1
    assert frame.loc["c-b0@s0", "config_hash"] != frame.loc["c-b0@s1", "config_hash"]
    assert lines[-1].startswith("[  2/2]")


def test_queue_skips_trials_already_recorded(tmp_path):
    setup = tiny_setup(tmp_path)
    first = TrialQueue(setup, configs(setup), results.empty_frame(), out=lambda _: None)
    c = first.next_config()
    first.complete(c["trial_id"], finished(c, 0.5, 0))
    again = TrialQueue(setup, configs(setup), results.load(tmp_path), out=lambda _: None)
    assert again.skipped == 1 and [p["trial_id"] for p in again.pending] == ["c-b0@s1"]
    c = again.next_config()
    again.complete(c["trial_id"], finished(c, 0.7, 1))
    frame = results.load(tmp_path)
    assert frame["order"].tolist() == [0, 1] and frame["trial_id"].is_unique


def test_a_resumed_search_ignores_rows_of_later_stages(tmp_path):
    setup = tiny_setup(tmp_path, budget=1)
    space = setup.space.make()
    queue = TrialQueue(setup, configs(setup, seeds=(0,)), results.empty_frame(), out=lambda _: None)
    c = queue.next_config()
    queue.complete(c["trial_id"], finished(c, 0.9, 0))
    searcher = searchers.get("random", space, seed=0, objectives=setup.objectives())
    plan = Plan(setup, space, searcher, SHAPE, results.load(tmp_path), out=lambda _: None)
    assert plan.searched_done == 0 and plan.cache == {} and plan.order == 1
    assert plan.next_config()["trial_id"] == "s0000"


def test_config_hash_ignores_the_timeout_but_not_an_injected_fault(tmp_path):
    from dataclasses import replace

    setup = tiny_setup(tmp_path)
    assert training_key(setup) == KEY_TINY
    assert training_key(setup) == training_key(setup, train={"timeout_s": 30.0})
    assert training_key(setup) != training_key(setup, train={"fault": "nan@1"})
    assert training_key(setup) != training_key(replace(setup, train=replace(setup.train, lr=0.05)))
