"""The supernet rung of a fidelity study: the very architectures trained, scored with inherited weights."""

from dataclasses import replace

from nasx import results
from nasx.analysis.fidelity import study
from nasx.fidelity.ladder import candidates, fidelity_configs, rung_labels
from nasx.fidelity.spec import FidelitySpec
from nasx.search.driver import run_trials
from nasx.search.inprocess import InProcess
from nasx.search.setup import SupernetSpec
from nasx.supernet import store
from tests.helpers.search_setups import tiny_setup

SHAPE = {"resolution": 8, "num_classes": 10, "channels": 3}


def test_the_ladder_adds_a_supernet_rung_only_with_a_supernet(tmp_path):
    fspec = FidelitySpec(archs=3, seeds=2, rungs=(1, 2), unit="steps")
    plain = tiny_setup(tmp_path)
    assert rung_labels(plain, fspec) == ["zero_cost", "steps=1", "steps=2"]
    with_supernet = replace(plain, supernet=SupernetSpec(run=str(tmp_path / "sn")))
    assert rung_labels(with_supernet, fspec) == ["zero_cost", "supernet", "steps=1", "steps=2"]
    assert rung_labels(with_supernet, replace(fspec, zero_cost=False)) == ["supernet", "steps=1", "steps=2"]
    configs = fidelity_configs(with_supernet, fspec, candidates(with_supernet, fspec, SHAPE))
    by_rung = {}
    for c in configs:
        by_rung.setdefault(c["rung"], set()).add(c["evaluator"])
    assert by_rung == {"zero_cost": {"zero_cost"}, "supernet": {"supernet"}, "steps=1": {"train"}, "steps=2": {"train"}}
    assert [c["trial_id"] for c in configs if c["rung"] == "supernet"][:2] == ["a00-sn-s0", "a01-sn-s0"]


def test_a_study_ranks_the_supernet_rung_with_the_same_statistics(tmp_path):
    setup = tiny_setup(tmp_path / "run", references=())
    supernet_dir = store.initial(tmp_path / "sn", setup)
    setup = replace(setup, supernet=SupernetSpec(run=str(supernet_dir), recalibration_images=100))
    fspec = FidelitySpec(archs=4, seeds=2, rungs=(1, 2), unit="steps", zero_cost=False, n_boot=50)
    configs = fidelity_configs(setup, fspec, candidates(setup, fspec, SHAPE))
    run_trials(setup, configs, executor=InProcess(), out=lambda line: None)
    frame = results.load(setup.run_dir)
    inherited = frame[frame["rung"] == "supernet"]
    assert len(inherited) == 8 and set(inherited["status"]) == {"ok"}
    assert set(inherited["evaluator"]) == {"supernet"} and set(frame[frame["rung"] != "supernet"]["evaluator"]) == {
        "train"
    }
    summary = study(frame, setup.config)
    entry = next(e for e in summary["rungs"] if e["rung"] == "supernet")
    assert entry["kind"] == "supernet" and entry["n_archs"] == 4 and entry["seeds"] == 2
    assert entry["cost_trial_s"] > 0
