"""confirm.init=inherited end to end at smoke scale, in process: a supernet trained by `nasx supernet smoke=true`, a
search scored by it, then a confirmation stage whose networks start from the supernet's weights (BatchNorm
recalibrated as the evaluator did) and are fine-tuned; and init=scratch, unchanged, on a copy of the same run."""

import json
import shutil
from dataclasses import replace

import pytest
import torch

from nasx import evaluation, results
from nasx.arch.codec import decode
from nasx.build import build_model
from nasx.cli.compose import compose
from nasx.cli.convert import search_setup
from nasx.cli.main import main
from nasx.search.confirm import confirm_configs, run_confirm
from nasx.search.driver import run_search
from nasx.search.inprocess import InProcess
from nasx.search.rows import training_key
from nasx.search.setup import SupernetSpec
from nasx.supernet import store
from nasx.supernet.recalibrate import recalibrate
from nasx.train.loop import accuracy
from nasx.train.weights import load_weights
from tests.helpers.search_setups import tiny_setup

REFERENCES = ("efficientnet_b0", "resnet18")  # a point of mnasnet, and a family the supernet does not hold


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """(setup, run dir of a finished search scored by a smoke supernet, the supernet's dir)."""
    root = tmp_path_factory.mktemp("inherited")
    supernet_dir = root / "supernet"
    small = ["smoke=true", "data.resolution=8", "train.threads=1"]
    assert main(["supernet", *small, "supernet.random_subnets=0", f"run_dir={supernet_dir}"]) == 0
    overrides = [*small, "evaluator=supernet", f"supernet.run={supernet_dir}", f"run_dir={root / 'run'}"]
    setup = search_setup(compose("search", overrides))
    setup = replace(setup, references=REFERENCES)
    run_search(setup, executor=InProcess(), out=lambda line: None)
    return setup, root / "run", supernet_dir


@pytest.fixture
def starts(monkeypatch):
    """What each trained trial started from: (arch_key, seed) -> (state_dict, val/top1 before training)."""
    seen, current = {}, {}
    evaluate, train = evaluation.evaluate_candidate, evaluation.train_and_eval

    def evaluating(spec, data, train_spec, objective, seed=0, **kw):
        current["key"] = (spec.key(), seed)
        return evaluate(spec, data, train_spec, objective, seed=seed, **kw)

    def training(model, data, spec, **kw):
        state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        seen[current["key"]] = (state, accuracy(model, data.val_x, data.val_y, data, spec))
        return train(model, data, spec, **kw)

    monkeypatch.setattr(evaluation, "evaluate_candidate", evaluating)
    monkeypatch.setattr(evaluation, "train_and_eval", training)
    return seen


def _copy(run_dir, tmp_path):
    shutil.copytree(run_dir, tmp_path / "run")
    (tmp_path / "run" / "writer.lock").unlink(missing_ok=True)
    return tmp_path / "run"


def _point(row):
    """The point the search's evaluator resolved for a row: its values, or a family's full-scale spec."""
    values = json.loads(row["choices"] or "{}")
    return values if values and not row["family"] else decode(row["full_arch"])


def _equal(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.slow
def test_inherited_networks_start_from_the_supernet_and_are_fine_tuned(searched, starts, tmp_path):
    setup, run_dir, supernet_dir = searched
    run_dir = _copy(run_dir, tmp_path)
    setup = replace(setup, run_dir=str(run_dir), confirm=replace(setup.confirm, init="inherited"))
    lines = []
    run_confirm(setup, executor=InProcess(), out=lines.append)
    frame = results.load(run_dir)
    search = frame[frame["stage"] == "search"].set_index("trial_id")
    confirm = frame[frame["stage"] == "confirm"].set_index("trial_id")
    assert set(search["init"]) == {"inherited"}  # scored with the supernet's weights
    assert search.loc["ref-resnet18", "status"] == "failed"  # not a point of mnasnet
    assert len(confirm) == 8 and set(confirm["status"]) == {"ok"}, confirm["error"].tolist()  # top 2 + 2 families
    assert set(confirm["seed"]) == {0, 1} and set(confirm["evaluator"]) == {"train"}

    digest = store.sha256(supernet_dir)
    inherited = confirm[confirm["family"] != "resnet18"]
    scratch = confirm[confirm["family"] == "resnet18"]
    assert set(inherited["init"]) == {"inherited"} and set(inherited["supernet_sha256"]) == {digest}
    assert set(inherited["supernet_run"]) == {str(supernet_dir)}
    assert set(scratch["init"]) == {"scratch"} and scratch["supernet_sha256"].isna().all()
    assert any("resnet18 is not a network of supernet.run=" in line and "init=scratch" in line for line in lines)
    assert any("init=inherited: fine-tuned from the supernet's weights; trained from scratch" in ln for ln in lines)

    net = store.load(supernet_dir)[0].eval()
    data = setup.data.load()
    for trial_id, row in inherited.iterrows():
        # the start: the network as the search's evaluator scored it, whatever the confirmation seed
        state, before = starts[row["arch_key"], row["seed"]]
        searched_row = search[search["arch_key"] == row["arch_key"]].iloc[0]
        assert before == searched_row["val/top1"], trial_id  # accuracy before fine-tuning = the supernet's score
        point = _point(searched_row)
        extracted = recalibrate(net.extract(point), data, setup.supernet.recalibration_images, seed=setup.seed)
        assert _equal(state, extracted.state_dict()), trial_id
        assert row["config_hash"] == training_key(setup, train={}, seed=row["seed"], init="inherited")
        assert row["config_hash"] != training_key(setup, train={}, seed=row["seed"])
        assert not _equal(load_weights(run_dir / "weights" / f"{trial_id}.pt"), state)  # fine-tuned
    pairs = inherited.groupby("arch_key")
    assert len(pairs) == 3 and all(len(g) == 2 for _, g in pairs)
    for key, group in pairs:  # two seeds: the same start, other batches, other weights at the end
        assert _equal(starts[key, 0][0], starts[key, 1][0])
        a, b = (load_weights(run_dir / "weights" / f"{t}.pt") for t in group.index)
        assert not _equal(a, b)
    for _, row in scratch.iterrows():  # resnet18 from scratch: the seed's initialisation, the usual hash
        torch.manual_seed(int(row["seed"]))
        assert _equal(starts[row["arch_key"], row["seed"]][0], build_model(decode(row["arch"])).state_dict())
        assert row["config_hash"] == training_key(setup, train={}, seed=row["seed"])

    # a rerun resumes; another init, or another checkpoint at supernet.run, is refused before anything is written
    again = []
    run_confirm(setup, executor=InProcess(), out=again.append)
    assert any("8 trials (8 already done)" in line for line in again) and len(results.load(run_dir)) == len(frame)
    with pytest.raises(ValueError, match=r"holds confirm-\S+ trained with init=inherited, this confirmation has "):
        confirm_configs(replace(setup, confirm=replace(setup.confirm, init="scratch")), frame)
    moved = replace(setup, supernet=replace(setup.supernet, recalibration_images=100))
    with pytest.raises(ValueError, match="under another confirmation protocol"):
        confirm_configs(moved, frame, out=lambda line: None)


@pytest.mark.slow
def test_init_scratch_on_the_same_search_is_unchanged(searched, starts, tmp_path):
    """The default: every network from the seed's initialisation, rows and hashes as before init existed (the
    family the supernet scored no row for is skipped, as it always was)."""
    setup, run_dir, _ = searched
    run_dir = _copy(run_dir, tmp_path)
    setup = replace(setup, run_dir=str(run_dir))
    assert setup.confirm.init == "scratch"
    lines = []
    run_confirm(setup, executor=InProcess(), out=lines.append)
    assert "confirm: skipping resnet18: no finished search trial to retrain" in lines
    confirm = results.load(run_dir).query("stage == 'confirm'")
    assert len(confirm) == 6 and set(confirm["status"]) == {"ok"} and set(confirm["init"]) == {"scratch"}
    assert confirm["supernet_run"].isna().all() and confirm["supernet_sha256"].isna().all()
    for _, row in confirm.iterrows():
        torch.manual_seed(int(row["seed"]))
        assert _equal(starts[row["arch_key"], row["seed"]][0], build_model(decode(row["arch"])).state_dict())
        assert row["config_hash"] == training_key(setup, train={}, seed=row["seed"])
    assert not any("init=inherited" in line for line in lines)


def test_scratch_hashes_are_those_from_before_init_existed(tmp_path):
    """Pinned: the hashes of trained rows written before confirm.init existed (so a run confirmed then resumes)."""
    setup = tiny_setup(tmp_path)
    assert training_key(setup) == "61db124c3134922d"
    assert training_key(setup, train={"steps": 3}, seed=1) == "1cd4cef9c978682d"
    assert training_key(setup, train={"steps": 3}, seed=1, init="scratch") == "1cd4cef9c978682d"
    scored = tiny_setup(tmp_path, evaluator="supernet", supernet=SupernetSpec(run="sn"))
    assert training_key(scored, evaluator="supernet") == "78963d1d40166f41"
    assert training_key(scored, train={"steps": 3}, seed=1) == "1cd4cef9c978682d"
    assert training_key(scored, train={"steps": 3}, seed=1, init="inherited") not in {"1cd4cef9c978682d"}
    other = replace(scored, supernet=SupernetSpec(run="elsewhere"))
    assert training_key(other, init="inherited") != training_key(scored, init="inherited")


def test_a_start_the_supernet_cannot_give_fails_the_trial_with_the_reason(tmp_path):
    """A trained trial with init=inherited whose network the supernet does not hold (the driver trains such a
    network from scratch; a supernet replaced under a running stage could still get here): failed, untrained."""
    from nasx import families
    from nasx.search.configs import proxy_spec, trial_config
    from nasx.search.evaluators import get
    from nasx.search.setup import ConfirmSpec

    supernet_dir = store.initial(tmp_path / "supernet", tiny_setup(tmp_path / "unused"))
    setup = tiny_setup(
        tmp_path / "run",
        evaluator="supernet",
        supernet=SupernetSpec(run=str(supernet_dir), recalibration_images=64),
        confirm=ConfirmSpec(init="inherited"),
    )
    data = setup.data.load()
    full = families.get("resnet18")
    shape = {"resolution": data.resolution, "num_classes": data.num_classes, "channels": data.channels}
    trained = proxy_spec(setup, full, **shape, base_resolution=setup.space.make().resolution)
    config = trial_config("confirm-ref-resnet18", full, trained, family="resnet18", seed=1, stage="confirm")
    config["init"] = "inherited"
    row = get("train")(config, data, setup, lambda progress: None)["row"]
    assert row["status"] == "failed" and row["epochs"] == 0 and row["seed"] == 1
    assert row["error"].startswith("not started from the supernet: not a point of the supernet's space"), row
    assert row["supernet_run"] == str(supernet_dir) and "supernet_sha256" not in row
