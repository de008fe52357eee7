"""nasx fidelity: the study's config and checks, the architecture draw, the trial list, and bad input."""

import math
from pathlib import Path

import numpy as np
import pytest

from nasx import search_spaces
from nasx.cli.compose import CONF_DIR, compose
from nasx.cli.fidelity_cmd import fidelity_setup
from nasx.cli.main import main
from nasx.complexity import complexity
from nasx.fidelity.draw import draw_architectures
from nasx.fidelity.ladder import candidates, fidelity_configs, rung_tag
from nasx.fidelity.spec import FidelitySpec, smoke

SHAPE = {"resolution": 8, "num_classes": 10, "channels": 3}


def setup_of(*overrides):
    """(SearchSetup, FidelitySpec) of a composed study; its SupernetRungs are tests/fidelity/test_supernet_rung.py's."""
    return fidelity_setup(compose("fidelity", list(overrides)))[:2]


def test_presets_compose_with_the_demo_protocol():
    assert sorted(p.stem for p in (Path(CONF_DIR) / "experiment").glob("fidelity_*.yaml")) == [
        "fidelity_mnasnet",
        "fidelity_mnist5k",
    ]
    setup, fspec = setup_of("experiment=fidelity_mnasnet")
    assert (setup.space.name, setup.data.name, setup.train.epochs, setup.train.batch_size) == (
        "mnasnet",
        "digits",
        10,
        64,
    )
    assert setup.references == ("efficientnet_b0", "mobilenet_v2", "mnasnet_a1")
    assert fspec == FidelitySpec(archs=32, seeds=3, rungs=(1, 3, 10))
    assert fspec.labels() == ["zero_cost", "epochs=1", "epochs=3", "epochs=10"]
    mnist, _ = setup_of("experiment=fidelity_mnist5k")
    assert (mnist.data.name, mnist.data.resolution, mnist.name) == ("mnist5k", 16, "fidelity_mnist5k")
    assert setup_of("experiment=fidelity_mnist5k")[1].labels()[1:] == ["steps=19", "steps=57", "steps=190"]


def test_default_references_are_the_spaces_families():
    setup, _ = setup_of()
    # one name per network: timm's mnasnet_100, semnasnet_100 and mobilenetv2_100 are the same specs
    assert setup.references == ("efficientnet_b0", "mnasnet1_0", "mnasnet_a1", "mobilenet_v2", "efficientnet_lite0")
    assert setup.config["references"] == list(setup.references) and setup.config["fidelity"]["archs"] == 32


def test_smoke_shrinks_the_study():
    setup, fspec = setup_of("experiment=fidelity_mnasnet", "smoke=true")
    assert fspec == smoke(FidelitySpec()) and (fspec.archs, fspec.seeds, fspec.rungs, fspec.unit) == (
        3,
        2,
        (1, 2),
        "steps",
    )
    assert setup.smoke and setup.references == ("efficientnet_b0",) and setup.train.device == "cpu"
    assert fspec.train_override(2) == {"steps": 2, "eval_every": 0}
    assert FidelitySpec().train_override(3) == {"epochs": 3, "steps": 0, "eval_every": 0}


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"rungs": (3,)}, r"fidelity.rungs=\[3\]: needs at least two rungs"),
        ({"rungs": (3, 1)}, r"must increase, cheapest first"),
        ({"rungs": (1, 0)}, r"positive whole budgets"),
        ({"seeds": 0}, r"fidelity.seeds=0: must be an integer >= 1"),
        ({"archs": 1}, r"fidelity.archs=1"),
        ({"unit": "hours"}, r"fidelity.unit='hours': choose one of epochs, steps"),
        ({"target_rho": 1.5}, r"target_rho=1.5: must be in \(0, 1\]"),
        ({"top_fraction": 0.0}, r"top_fraction=0.0"),
    ],
)
def test_spec_checks(fields, message):
    with pytest.raises(ValueError, match=message):
        FidelitySpec(**fields)


def test_draw_is_seeded_distinct_and_spread_over_log_macs():
    space = search_spaces.get("mnasnet")
    drawn = draw_architectures(space, 8, seed=0, pool_size=200)
    again = draw_architectures(space, 8, seed=0, pool_size=200)
    assert [d.spec.key() for d in drawn] == [d.spec.key() for d in again]
    assert [d.spec.key() for d in draw_architectures(space, 8, seed=1, pool_size=200)] != [d.spec.key() for d in drawn]
    assert len({d.spec.key() for d in drawn}) == 8
    macs = [d.macs for d in drawn]
    assert macs == sorted(macs) and macs == [complexity(d.spec).macs for d in drawn]
    # one draw per eighth of the pool's log-MACs order: each lies within its bin of the pool
    pool_rng = np.random.default_rng(0)
    pool = {}
    for _ in range(200):
        s = space.sample_point(pool_rng)[1]
        pool.setdefault(s.key(), complexity(s).macs)
    ordered = sorted(pool.values(), key=math.log)
    bins = np.array_split(np.array(ordered), 8)
    assert all(b.min() <= m <= b.max() for b, m in zip(bins, macs))


def test_draw_refuses_a_space_too_small():
    space = search_spaces.get("mnasnet")
    with pytest.raises(
        ValueError, match="only 0 distinct usable architectures in 20 samples, fewer than fidelity.archs=2"
    ):
        draw_architectures(space, 2, seed=0, pool_size=20, accept=lambda s: False)


def test_trial_list_covers_every_candidate_rung_and_seed(tmp_path):
    setup, fspec = setup_of(
        "experiment=fidelity_mnasnet",
        "fidelity.archs=3",
        "fidelity.seeds=2",
        "fidelity.rungs=[1,4]",
        "data.resolution=8",
        f"run_dir={tmp_path}",
    )
    cands = candidates(setup, fspec, SHAPE)
    assert [c.name for c in cands] == ["a00", "a01", "a02", "ref-efficientnet_b0", "ref-mobilenet_v2", "ref-mnasnet_a1"]
    configs = fidelity_configs(setup, fspec, cands)
    assert len(configs) == 6 * 2 * 3 and len({c["trial_id"] for c in configs}) == len(configs)
    first = configs[0]
    assert first["trial_id"] == "a00-zc-s0" and first["rung"] == "zero_cost" and first["zero_cost_batch"] == 64
    assert first["stage"] == "fidelity" and first["train"] == {} and first["seed"] == 0
    last = configs[-1]
    assert last["trial_id"] == "ref-mnasnet_a1-e4-s1" and last["family"] == "mnasnet_a1" and last["seed"] == 1
    assert last["train"] == {"epochs": 4, "steps": 0, "eval_every": 0} and last["rung"] == "epochs=4"
    assert [c["seed"] for c in configs] == [0] * 18 + [1] * 18  # seed by seed
    assert rung_tag("steps=200") == "t200"


@pytest.mark.parametrize(
    "overrides, message",
    [
        (["fidelity.rungs=[10]"], r"fidelity.rungs=\[10\]: needs at least two rungs"),
        (["fidelity.seeds=0"], r"fidelity.seeds=0: must be an integer >= 1"),
        (["+fidelity.epochs=3"], r"fidelity: unknown key\(s\) epochs"),
        (["references=[vgg99]"], r"references: unknown family 'vgg99'"),
        (["resume=true"], r"resume=true needs run_dir=PATH"),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path, capsys, overrides, message):
    import re

    run_dir = tmp_path / "run"
    argv = ["fidelity", "experiment=fidelity_mnasnet", *overrides]
    if "resume=true" not in overrides:
        argv.append(f"run_dir={run_dir}")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("nasx fidelity: error: ") and re.search(message, err)
    assert not run_dir.exists()


def test_a_fidelity_preset_is_not_a_search(capsys):
    assert main(["search", "experiment=fidelity_mnasnet"]) == 2
    assert "fidelity_mnasnet is a `nasx fidelity` preset" in capsys.readouterr().err


def test_a_row_that_cannot_be_written_stops_the_study_in_one_line(tmp_path, capsys, monkeypatch):
    """The smoke study's trials trained one at a time in this process (the `inprocess` executor), on a disk that
    fills after four rows: the fifth trial trains, its row cannot be written, and the study stops naming it."""
    from nasx import results
    from nasx.search import executors
    from nasx.search.inprocess import InProcess
    from tests.helpers.disk_full import disk_full_after

    monkeypatch.setattr(executors, "get", lambda name="ray": InProcess())
    disk_full_after(monkeypatch, 4)
    run_dir = tmp_path / "run"
    assert main(["fidelity", "experiment=fidelity_mnasnet", "smoke=true", f"run_dir={run_dir}"]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err + captured.out
    # trials run seed by seed, rung by rung (zero_cost, then steps=1: t1), each over the 3 drawn candidates and the
    # reference efficientnet_b0: the 4 zero-cost rows of seed 0 are recorded, a00-t1-s0 trains and is not
    assert captured.err == (
        f"nasx fidelity: error: {run_dir / 'results.jsonl'}: No space left on device: stopped after 1 trial(s) ended "
        "without their row being written: a00-t1-s0 (trained but not recorded; they run again when the run is "
        "resumed); 4 row(s) are recorded\n"
    )
    recorded = ["a00-zc-s0", "a01-zc-s0", "a02-zc-s0", "ref-efficientnet_b0-zc-s0"]
    assert list(results.load(run_dir)["trial_id"]) == recorded
    assert not (run_dir / "fidelity.json").exists()  # no summary of a study that stopped
