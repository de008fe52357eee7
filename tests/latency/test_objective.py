"""objective.metric=latency_ms scale=full: the shipped network's latency known before training, from a hand-made
table (each unit's ms = its MACs / 1e7, so no timing enters the test): candidates over space.latency_ms rejected
before training, the row's latency_ms and latency_source, MnasNet's reward on it, and the refusals."""

from dataclasses import replace

import numpy as np
import pytest

from nasx import data, results, search_spaces
from nasx.arch.codec import decode
from nasx.evaluation import evaluate_candidate
from nasx.latency.space_units import space_units
from nasx.latency.table import Fit, LatencyTable, Setting
from nasx.latency.units import decompose
from nasx.profile import fingerprint
from nasx.reward import Objective
from nasx.search.driver import run_search
from nasx.search.inprocess import InProcess
from nasx.search.setup import SpaceSpec, check
from nasx.train import TrainSpec
from tests.helpers.search_setups import tiny_setup

CONSTANT_MS = 0.5


def hand_ms(spec) -> float:
    """The hand-made table's prediction: every unit costs its MACs / 1e7 ms, plus the constant."""
    return sum(u.macs for u in decompose(spec)) / 1e7 + CONSTANT_MS


@pytest.fixture(scope="module")
def table_path(tmp_path_factory):
    units, _ = space_units(search_spaces.get("mnasnet"))
    table = LatencyTable(
        space="mnasnet",
        setting=Setting(),
        fingerprint=fingerprint("cpu"),
        units_ms={key: unit.macs / 1e7 for key, unit in units.items()},
        fit=Fit(constant_ms=CONSTANT_MS),
        additive=Fit(constant_ms=CONSTANT_MS),
    )
    return table.save(tmp_path_factory.mktemp("table") / "mnasnet.json")


def latency_objective(table_path, **changes) -> Objective:
    values = dict(name="lat", metric="latency_ms", target=40.0, latency_table=str(table_path), latency_measure=False)
    return Objective(**{**values, **changes})


@pytest.mark.parametrize("alpha, beta", [(-0.07, -0.07), (0.0, -1.0)])
def test_the_reward_is_mnasnets_on_the_predicted_latency(table_path, alpha, beta):
    full = search_spaces.get("mnasnet").sample(3)
    tiny = data.load("synthetic", resolution=8, num_samples=160, num_classes=4, seed=0)
    spec = decode("res8_cls4|stem:cn_r1_k3_s1_c8|ir_r1_k3_s2_e2_c16|head:c32")
    objective = latency_objective(table_path, alpha=alpha, beta=beta)
    record = evaluate_candidate(spec, tiny, TrainSpec(epochs=1, batch_size=32, threads=1), objective, full_spec=full)
    assert record.ok and record.latency_source == "predicted"
    assert record.latency_ms == pytest.approx(hand_ms(full)) and record.cost == record.latency_ms
    w = alpha if record.latency_ms <= 40.0 else beta
    assert record.reward == pytest.approx(record.val_top1 * (record.latency_ms / 40.0) ** w)


def test_a_latency_budget_rejects_before_training(table_path):
    setup = tiny_setup(
        "unused", objective=latency_objective(table_path), space=SpaceSpec("mnasnet", latency_ms=(0, 30))
    )
    space = setup.make_space()
    rng = np.random.default_rng(0)
    for _ in range(20):
        assert hand_ms(space.sample(rng)) <= 30
    assert space.stats.over_budget > 0  # some drawn networks were over 30 ms and never left the space


@pytest.mark.slow
def test_a_tiny_search_keeps_only_networks_within_the_latency_budget(table_path, tmp_path):
    setup = tiny_setup(
        tmp_path / "run",
        objective=latency_objective(table_path),
        space=SpaceSpec("mnasnet", latency_ms=(0, 30)),
        budget=2,
    )
    run_search(setup, executor=InProcess(), out=lambda line: None)
    rows = results.load(tmp_path / "run")
    assert len(rows) == 2 and (rows["status"] == "ok").all()
    for _, row in rows.iterrows():
        assert row["latency_ms"] == pytest.approx(hand_ms(decode(row["full_arch"]))) and row["latency_ms"] <= 30
        assert row["latency_source"] == "predicted"
        assert row["reward"] == pytest.approx(row["val/top1"] * (row["latency_ms"] / 40.0) ** -0.07)


def test_a_table_of_another_batch_or_space_is_refused_before_the_search(table_path, tmp_path):
    setup = tiny_setup(tmp_path / "run", objective=latency_objective(table_path, batch=8))
    with pytest.raises(
        ValueError, match=r"latency_table=.*: the latency table was measured with batch=1, not batch=8$"
    ):
        check(setup)
    setup = replace(setup, objective=latency_objective(table_path), space=SpaceSpec("resnext"))
    with pytest.raises(ValueError, match=r"the table covers space mnasnet, not space resnext$"):
        check(setup)
    assert not (tmp_path / "run").exists()


def test_a_latency_budget_needs_the_full_scale_latency_objective(tmp_path):
    with pytest.raises(ValueError, match=r"^space.latency_ms needs the full-scale latency it bounds"):
        tiny_setup(tmp_path, space=SpaceSpec("mnasnet", latency_ms=(0, 30)))
