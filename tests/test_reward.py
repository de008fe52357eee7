"""The MnasNet reward and the objective presets against hand-computed values."""

import math

import pytest

from nasx.reward import PRESETS, Objective, preset, reward


def test_reward_below_target_uses_alpha():
    # 0.8 * (200e6 / 400e6) ** -0.07 = 0.8 * 2 ** 0.07
    assert reward(0.8, 200e6, 400e6) == pytest.approx(0.8 * math.exp(0.07 * math.log(2)), rel=1e-12)
    assert reward(0.8, 200e6, 400e6) == pytest.approx(0.839773, abs=1e-6)


def test_reward_above_target_uses_beta():
    # hard: 0.9 * (800 / 400) ** -1 = 0.45 exactly
    assert reward(0.9, 800e6, 400e6, alpha=0.0, beta=-1.0) == 0.45
    # hard below the target: the accuracy unchanged
    assert reward(0.9, 100e6, 400e6, alpha=0.0, beta=-1.0) == 0.9
    # at the target the factor is 1 whatever the exponents
    assert reward(0.7, 400e6, 400e6, alpha=-0.5, beta=-3.0) == 0.7


def test_alpha_and_beta_are_chosen_by_side():
    # cost 2x target with alpha=-1, beta=-0.5: uses beta -> 0.6 / sqrt(2)
    assert reward(0.6, 2.0, 1.0, alpha=-1.0, beta=-0.5) == pytest.approx(0.6 / 2**0.5, rel=1e-12)
    # cost half the target: uses alpha -> 0.6 * 2
    assert reward(0.6, 0.5, 1.0, alpha=-1.0, beta=-0.5) == pytest.approx(1.2, rel=1e-12)


def test_presets_match_the_papers():
    assert (PRESETS["soft"].alpha, PRESETS["soft"].beta) == (-0.07, -0.07)
    assert (PRESETS["hard"].alpha, PRESETS["hard"].beta) == (0.0, -1.0)
    b0 = PRESETS["efficientnet_b0"]
    assert (b0.metric, b0.target, b0.alpha, b0.beta, b0.scale) == ("macs", 400e6, -0.07, -0.07, "full")
    # EfficientNet-B0 at full scale (385,814,752 MACs), 77.1% top-1: 0.771 * (385814752 / 4e8) ** -0.07
    expected = 0.771 * math.exp(-0.07 * math.log(385814752 / 400000000))
    assert b0.score(0.771, 385814752) == pytest.approx(expected, rel=1e-12)
    assert b0.score(0.771, 385814752) == pytest.approx(0.772951, abs=1e-6)


def test_multi_mode_returns_accuracy_and_cost():
    assert preset("multi").score(0.5, 123.0) == (0.5, 123.0)
    assert preset("soft", mode="multi").score(0.25, 7) == (0.25, 7)


@pytest.mark.parametrize(
    "args",
    [
        (0.5, 0.0, 1.0),
        (0.5, -1.0, 1.0),
        (0.5, 1.0, 0.0),
        (0.5, 1.0, -2.0),
        (0.5, math.nan, 1.0),
        (0.5, 1.0, math.inf),
        (1.5, 1.0, 1.0),
    ],
)
def test_bad_inputs_raise(args):
    with pytest.raises(ValueError):
        reward(*args)


@pytest.mark.parametrize(
    "changes, fragment",
    [
        ({"target": 0}, "objective.target"),
        ({"mode": "x"}, "mode"),
        ({"metric": "flops"}, "metric"),
        ({"scale": "half"}, "scale"),
        ({"metric": "latency_ms", "latency_measure": False}, "latency_ms at scale=full needs objective.latency_table"),
        ({"batch": 0}, "objective.batch=0"),
        ({"threads": -1}, "objective.threads=-1"),
        ({"device": "tpu"}, "objective.device='tpu'"),
        ({"dtype": "fp64"}, "objective.dtype='fp64'"),
        ({"latency_table": " "}, "objective.latency_table"),
    ],
)
def test_bad_objectives_raise(changes, fragment):
    with pytest.raises(ValueError, match=fragment):
        Objective(**changes)


def test_unknown_preset():
    with pytest.raises(ValueError, match="unknown objective 'medium'"):
        preset("medium")


def test_several_costs_are_objectives_beside_accuracy():
    multi = preset("multi", metrics=["macs", "params"])  # a YAML list becomes a tuple
    assert multi.metrics == ("macs", "params") and multi.costs == ("macs", "params")
    # scale full: the full-scale columns; latency_ms has one column at any scale
    assert multi.cost_columns() == ("full_macs", "full_params")
    proxy = preset("multi", scale="proxy", metrics=("params", "latency_ms", "macs"))
    assert proxy.cost_columns() == ("params", "latency_ms", "macs")
    assert preset("multi").costs == ("macs",) and preset("multi").cost_columns() == ("full_macs",)
    assert preset("soft", metric="params").costs == ("params",)


def test_a_search_has_one_objective_per_cost(tmp_path):
    from dataclasses import replace

    from tests.helpers.search_setups import tiny_setup

    setup = tiny_setup(tmp_path, objective=preset("multi", scale="proxy", metrics=("macs", "latency_ms")))
    assert setup.objectives() == (("val/top1", "max"), ("macs", "min"), ("latency_ms", "min"))
    assert replace(setup, objective=preset("multi")).objectives() == (("val/top1", "max"), ("full_macs", "min"))
    assert replace(setup, objective=preset("soft")).objectives() == (("reward", "max"),)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"metrics": ("macs", "flops")}, r"unknown cost 'flops'"),
        ({"metrics": ("params", "params")}, r"'params' given twice"),
        ({"metrics": ()}, r"needs at least one cost"),
        ({"metrics": "macs"}, r"must be a list of costs"),
        (
            {"metrics": ("macs", "latency_ms"), "latency_measure": False},
            r"latency_ms at scale=full needs objective\.latency_table=PATH",
        ),
        ({"metrics": ("macs",), "mode": "reward"}, r"needs objective=multi"),
    ],
)
def test_bad_cost_lists_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        preset("multi", **changes)
