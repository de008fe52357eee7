"""The supernet rungs of a fidelity study: the very architectures trained, scored with inherited weights from
supernets given or trained by the study, one rung per variant and recalibration size, the supernets its seeds."""

import json
import math
from dataclasses import replace

import pandas as pd
import pytest

from nasx import results
from nasx.analysis.fidelity import arch_ids, study
from nasx.cli.compose import compose
from nasx.cli.fidelity_cmd import fidelity_setup, given_supernets, supernet_plan
from nasx.cli.main import main
from nasx.fidelity.ladder import candidates, fidelity_configs, rung_labels, rung_tag, supernet_rungs
from nasx.fidelity.spec import FidelitySpec, SupernetRungs, smoke_supernets
from nasx.fidelity.supernets import train_supernets, training_of
from nasx.search.driver import run_trials
from nasx.search.inprocess import InProcess
from nasx.search.supernet_driver import run_supernet
from nasx.supernet import store
from nasx.train.spec import TrainSpec
from tests.helpers.search_setups import tiny_setup

SHAPE = {"resolution": 8, "num_classes": 10, "channels": 3}
VARIANTS = {"sandwich": {}, "no_distill": {"distill": False}, "uniform": {"sampling": "uniform"}}


def test_rung_labels_are_stable_and_readable():
    assert SupernetRungs(train=True).labels() == ["supernet"]
    assert SupernetRungs(run="x").labels() == ["supernet"] and SupernetRungs().labels() == ["supernet"]
    assert SupernetRungs(train=True, recalibration_images=[250, 2000]).labels() == ["supernet/r250", "supernet/r2000"]
    assert SupernetRungs(train=True, variants=VARIANTS).labels() == [
        "supernet/sandwich",
        "supernet/no_distill",
        "supernet/uniform",
    ]
    assert SupernetRungs(train=True, variants={"uniform": {"sampling": "uniform"}}).labels() == ["supernet/uniform"]
    assert SupernetRungs(train=True, variants={"sandwich": {}}).labels() == ["supernet"]  # the default, alone
    both = SupernetRungs(train=True, variants={"sandwich": None, "uniform": {"sampling": "uniform"}}, seeds=3)
    both = replace(both, recalibration_images=(250, 2000, 250))
    assert both.labels() == [
        "supernet/sandwich/r250",
        "supernet/sandwich/r2000",
        "supernet/uniform/r250",
        "supernet/uniform/r2000",
    ]
    assert [rung_tag(label) for label in both.labels()[::3]] == ["sn.sandwich.r250", "sn.uniform.r2000"]
    assert rung_tag("supernet") == "sn"
    shrunk = smoke_supernets(replace(both, recalibration_images=(250, 2000, 4000)))
    assert shrunk.sizes == (250, 256) and shrunk.seeds == 2 and shrunk.variants == both.variants


def test_the_ladder_scores_every_candidate_from_every_supernet_of_every_rung(tmp_path):
    setup = tiny_setup(tmp_path / "run")
    fspec = FidelitySpec(archs=3, seeds=1, rungs=(1, 2), unit="steps")
    assert rung_labels(fspec) == ["zero_cost", "steps=1", "steps=2"]
    spec = SupernetRungs(train=True, variants={"sandwich": {}, "uniform": {"sampling": "uniform"}}, seeds=2)
    rungs = supernet_rungs(spec, setup.run_dir, setup.seed)
    assert [r.label for r in rungs] == ["supernet/sandwich", "supernet/uniform"]
    assert rungs[1].supernets == (
        (0, str(tmp_path / "run/supernets/uniform-s0")),
        (1, str(tmp_path / "run/supernets/uniform-s1")),
    )
    assert rung_labels(fspec, rungs) == ["zero_cost", "supernet/sandwich", "supernet/uniform", "steps=1", "steps=2"]
    assert rung_labels(replace(fspec, zero_cost=False), rungs)[0] == "supernet/sandwich"
    configs = fidelity_configs(setup, fspec, candidates(setup, fspec, SHAPE), rungs)
    by_rung = {}
    for c in configs:
        by_rung.setdefault(c["rung"], []).append(c)
    assert {r: {c["evaluator"] for c in cs} for r, cs in by_rung.items()} == {
        "zero_cost": {"zero_cost"},
        "supernet/sandwich": {"supernet"},
        "supernet/uniform": {"supernet"},
        "steps=1": {"train"},
        "steps=2": {"train"},
    }
    # one trial seed, two supernets: the supernet rungs have two seeds, the others one
    uniform = by_rung["supernet/uniform"]
    assert [c["trial_id"] for c in uniform] == [f"a0{i}-sn.uniform-s{s}" for s in (0, 1) for i in range(3)]
    assert {(c["seed"], c["supernet"]["run"]) for c in uniform} == set(rungs[1].supernets)
    assert uniform[0]["supernet"] == {
        "run": rungs[1].supernets[0][1],
        "recalibration_images": 2000,
        "sampling": "uniform",
    }
    assert {c["seed"] for c in by_rung["steps=2"]} == {0} and {c["seed"] for c in by_rung["supernet/sandwich"]} == {
        0,
        1,
    }
    assert [c["seed"] for c in configs] == sorted(c["seed"] for c in configs)  # seed by seed
    assert set(arch_ids(pd.DataFrame({"trial_id": [c["trial_id"] for c in uniform]}))) == {"a00", "a01", "a02"}


def test_a_study_ranks_the_supernet_rungs_with_the_same_statistics(tmp_path):
    """Two given supernets of seeds 0 and 1, at two recalibration sizes: each rung has two seeds (its supernets),
    a noise floor between them, and a cost that amortises the supernets' training (none here: at initialisation)."""
    setup = tiny_setup(tmp_path / "run", references=())
    given = tuple((s, str(store.initial(tmp_path / f"sn{s}", setup, seed=s))) for s in (0, 1))
    spec = SupernetRungs(run=[d for _, d in given], recalibration_images=[50, 100])
    assert given_supernets(setup, spec) == given
    rungs = supernet_rungs(spec, setup.run_dir, setup.seed, given)
    fspec = FidelitySpec(archs=4, seeds=1, rungs=(1, 2), unit="steps", zero_cost=False, n_boot=50)
    configs = fidelity_configs(setup, fspec, candidates(setup, fspec, SHAPE), rungs)
    run_trials(setup, configs, executor=InProcess(), out=lambda line: None)
    frame = results.load(setup.run_dir)
    inherited = frame[frame["rung"].str.startswith("supernet")]
    assert len(inherited) == 2 * 2 * 4 and set(inherited["status"]) == {"ok"}
    assert set(inherited["evaluator"]) == {"supernet"} and set(inherited["supernet_train_s"]) == {0.0}
    assert set(frame[~frame["rung"].str.startswith("supernet")]["evaluator"]) == {"train"}
    assert len(set(inherited["config_hash"])) == 4  # a protocol per (supernet, size)
    summary = study(frame, setup.config)
    for label in ("supernet/r50", "supernet/r100"):
        entry = next(e for e in summary["rungs"] if e["rung"] == label)
        assert entry["kind"] == "supernet" and entry["n_archs"] == 4 and entry["seeds"] == 2
        assert entry["noise_pairs"] == 1 and entry["noise_floor"] is not None
        assert entry["cost_trial_s"] == entry["cost_scoring_s"] > 0 and entry["amortised_over"] == 4


def test_given_supernets_are_one_variant_under_several_seeds(tmp_path):
    setup = tiny_setup(tmp_path / "run")
    a, b = (str(store.initial(tmp_path / name, setup, seed=0)) for name in ("a", "b"))
    with pytest.raises(ValueError, match=r"^supernet\.run: .*/a and .*/b are both seed 0; a rung's supernets are one"):
        given_supernets(setup, SupernetRungs(run=[a, b]))
    state = store.read(b)
    store.save(b, {**state, "seed": 1, "training": {"sampling": "uniform"}})
    with pytest.raises(ValueError, match=r"^supernet\.run: .*/b was trained with sampling='uniform', .*/a with "):
        given_supernets(setup, SupernetRungs(run=[a, b]))
    assert training_of({"config": {"supernet": {"run": None, "distill": False}, "train": {"epochs": 3}}}) == {
        "sampling": "sandwich",
        "networks_per_step": 4,
        "distill": False,
        "progressive": False,
        "kernel_transform": False,
        "epochs": 3,
    }


def test_a_study_plans_its_supernets_as_nasx_supernet_runs(tmp_path):
    cfg = compose(
        "fidelity",
        [
            "smoke=true",
            f"run_dir={tmp_path / 'run'}",
            "supernet.train=true",
            "supernet.seeds=3",
            "supernet.variants={sandwich: {}, uniform: {sampling: uniform}}",
        ],
    )
    setup, fspec, spec = fidelity_setup(cfg)
    assert spec.seeds == 2 and spec.sizes == (256,)  # smoke: 2 seeds, 256 images at most
    plan = supernet_plan(setup, fspec, spec)
    assert [s.run_dir for s in plan.trainings] == [
        str(tmp_path / "run" / "supernets" / f"{v}-s{s}") for v in ("sandwich", "uniform") for s in (0, 1)
    ]
    uniform = plan.trainings[2]
    assert uniform.seed == 0 and uniform.supernet.sampling == "uniform" and uniform.name == "fidelity-uniform-s0"
    # the study's space, data, proxy and protocol, for the reference rung's budget, at smoke scale
    assert (uniform.space, uniform.data, uniform.proxy) == (setup.space, setup.data, setup.proxy)
    assert replace(uniform.train, steps=setup.train.steps, eval_every=setup.train.eval_every) == setup.train
    assert uniform.train.steps == fspec.rungs[-1] and uniform.smoke
    assert set(uniform.config) == {
        "name", "seed", "smoke", "run_dir", "resume", "space", "data", "objective", "proxy", "train", "supernet"
    }  # fmt: skip
    full, full_fspec, full_spec = fidelity_setup(compose("fidelity", ["supernet.train=true", "supernet.epochs=4"]))
    assert full_spec.train_override(full_fspec) == {"epochs": 4, "steps": 0, "eval_every": 0}
    assert replace(full_spec, epochs=None).train_override(full_fspec) == {"epochs": 10, "steps": 0, "eval_every": 0}
    steps = compose("fidelity", ["experiment=fidelity_mnist5k", "supernet.train=true"])
    _, steps_fspec, steps_spec = fidelity_setup(steps)
    assert steps_spec.train_override(steps_fspec) == {"steps": 190, "eval_every": 0}


def _supernet_setup(tmp_path, epochs):
    return tiny_setup(
        tmp_path / "sn",
        train=TrainSpec(epochs=epochs, batch_size=256, threads=1),
        supernet=replace(tiny_setup(tmp_path).supernet, random_subnets=0, recalibration_images=32),
        config={"name": "sn"},
    )


def test_a_resumed_study_reuses_a_finished_supernet_and_continues_a_stopped_one(tmp_path):
    n_train = len(tiny_setup(tmp_path).data.load().train_y)
    run_supernet(_supernet_setup(tmp_path, 1), out=lambda line: None)  # as if stopped after epoch 1 of 2
    first = store.read(tmp_path / "sn")["history"]
    lines = []
    train_supernets([_supernet_setup(tmp_path, 2)], n_train, out=lines.append)
    state = store.read(tmp_path / "sn")
    assert lines == [f"supernet 1/1: continuing {tmp_path / 'sn'}"] and state["epoch"] == 2
    assert state["history"][0] == first[0] and store.training_seconds(state) == state["history"][-1]["wall_s"] > 0
    assert state["training"] == {
        "sampling": "sandwich",
        "networks_per_step": 2,
        "distill": True,
        "progressive": False,
        "kernel_transform": False,
    }
    digest = store.sha256(tmp_path / "sn")
    lines.clear()
    train_supernets([_supernet_setup(tmp_path, 2)], n_train, out=lines.append)
    assert lines == [f"supernet 1/1: {tmp_path / 'sn'} is trained; reused"] and store.sha256(tmp_path / "sn") == digest


@pytest.mark.slow
def test_a_smoke_study_trains_each_variant_and_scores_each_size(tmp_path, monkeypatch, capsys):
    """Variants and recalibration sizes end to end in this process (tests/ray/test_fidelity.py runs the default
    supernet rung on Ray): each variant's supernet trained once, scored at both sizes."""
    monkeypatch.setattr("nasx.search.executors.get", lambda name="ray": InProcess())
    run_dir = tmp_path / "fid"
    argv = [
        "fidelity",
        "smoke=true",
        f"run_dir={run_dir}",
        "fidelity.zero_cost=false",
        "supernet.train=true",
        "supernet.seeds=1",
        "supernet.variants={sandwich: {}, uniform: {sampling: uniform}}",
        "supernet.recalibration_images=[64,128]",
    ]
    assert main(argv) == 0
    assert sorted(p.name for p in (run_dir / "supernets").iterdir()) == ["sandwich-s0", "uniform-s0"]
    assert store.read(run_dir / "supernets" / "uniform-s0")["training"]["sampling"] == "uniform"
    frame = results.load(run_dir)
    labels = ["supernet/sandwich/r64", "supernet/sandwich/r128", "supernet/uniform/r64", "supernet/uniform/r128"]
    assert set(frame["rung"]) == {*labels, "steps=1", "steps=2"} and (frame["status"] == "ok").all()
    summary = json.loads((run_dir / "fidelity.json").read_text())
    by_rung = {e["rung"]: e for e in summary["rungs"]}
    for label in labels:
        e = by_rung[label]
        assert e["kind"] == "supernet" and e["seeds"] == 1 and math.isfinite(e["rho"])
        assert e["cost_trial_s"] > e["cost_trial_s_1000"] > e["cost_scoring_s"] > 0
    out = capsys.readouterr().out
    assert "supernet/uniform/r128" in out and "trial_s, 1,000 archs" in out
