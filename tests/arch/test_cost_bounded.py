"""Bounded, exact cost counting: repeated blocks cost the same once the shape settles."""

import os

import pytest

from nasx import results
from nasx.arch.codec import decode
from nasx.build import build_model
from nasx.complexity import complexity
from tests.helpers.paths import ROOT

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _row(trial_id, **kw):
    return {**results.empty_row(), "trial_id": trial_id, "status": "ok", **kw}


# --- bounded, exact counting ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "stage",
    [
        "ir_r{}_k3_s2_e6_c24_se0.25",
        "cn_r{}_k3_s1_c16_g4",
        "bot_r{}_s2_c32_b0.5_g4_se0.25",
        "vgg_r{}_c16",
        "fire_r{}_q8_x16",
    ],
)
def test_repeats_cost_the_same_per_block_once_the_shape_settles(stage):
    def cost(r):
        return complexity(decode(f"res32_cls10|stem:cn_r1_k3_s1_c16|{stage.format(r)}|head:"))

    one, two, deep = cost(1), cost(2), cost(1000)
    for field in ("params", "macs", "activations"):
        step = getattr(two, field) - getattr(one, field)
        assert step > 0 and getattr(deep, field) == getattr(one, field) + 999 * step
    built = build_model(decode(f"res32_cls10|stem:cn_r1_k3_s1_c16|{stage.format(3)}|head:"))
    assert cost(3).params == sum(p.numel() for p in built.parameters())


def test_dense_block_cost_in_closed_form_matches_the_built_module():
    for r in (1, 2, 7):
        spec = decode(f"res16_cls10|stem:cn_r1_k3_s1_c16|dense_r{r}_gr12|head:bn")
        assert complexity(spec).params == sum(p.numel() for p in build_model(spec).parameters())
    deep = complexity(decode("res16_cls10|stem:cn_r1_k3_s1_c16|dense_r1024_gr12|head:bn"))
    assert deep.params == sum(
        p.numel() for p in build_model(decode("res16_cls10|stem:cn_r1_k3_s1_c16|dense_r1024_gr12|head:bn")).parameters()
    )
