"""A network's units: they reassemble to the network exactly, and a unit built alone is the network's piece."""

import random

import numpy as np
import pytest
import torch

from nasx import families, search_spaces
from nasx.arch.blocks import MBConv
from nasx.arch.codec import decode
from nasx.build import build_model
from nasx.complexity import complexity
from nasx.latency.measure import unit_module
from nasx.latency.units import decompose, split
from tests.helpers.specgen import random_spec


@pytest.mark.parametrize("name", search_spaces.names())
def test_units_of_every_space_sum_to_the_network_macs_exactly(name):
    space = search_spaces.get(name)
    rng = np.random.default_rng(0)
    for _ in range(20):
        spec = space.sample(rng)
        assert sum(u.macs for u in decompose(spec)) == complexity(spec).macs


@pytest.mark.parametrize("name", ["mnasnet1_0", "efficientnet_b0", "resnet50", "densenet121", "googlenet"])
def test_units_of_families_sum_to_their_macs_exactly(name):
    spec = families.get(name)
    assert sum(u.macs for u in decompose(spec)) == complexity(spec).macs


def test_units_of_random_specs_sum_to_their_macs_exactly():
    rng = random.Random(0)
    for _ in range(100):
        spec = random_spec(rng)
        assert sum(u.macs for u in decompose(spec)) == complexity(spec).macs


def test_a_stage_splits_into_its_first_block_and_its_repeats():
    stage = MBConv(r=3, k=5, s=2, e=6.0, c=40)
    first, *rest = split(stage)
    assert first == MBConv(r=1, k=5, s=2, e=6.0, c=40)
    assert rest == [MBConv(r=1, k=5, s=1, e=6.0, c=40)] * 2


def test_keys_name_the_block_its_input_and_the_head_classes():
    spec = decode("res32_cls10|stem:cn_r1_k3_s2_c8|ir_r2_k3_s2_e6_c16|head:c32")
    assert [u.key for u in decompose(spec)] == [
        "stem:cn_r1_k3_s2_c8@3x32",
        "block:ir_r1_k3_s2_e6_c16@8x16",  # 32 -> 16 by the stem's stride
        "block:ir_r1_k3_s1_e6_c16@16x8",  # the repeat: stride 1 on the stage's width, after the stride-2 block
        "head:head_c32@16x8/10",
    ]


def test_a_block_that_cannot_take_its_skip_is_the_same_unit_either_way():
    with_skip = decode("res32_cls10|stem:cn_r1_k3_s1_c8|ir_r2_k3_s2_e6_c16|head:c32")
    without = decode("res32_cls10|stem:cn_r1_k3_s1_c8|ir_r2_k3_s2_e6_c16_noskip|head:c32")
    assert decompose(with_skip)[1].key == decompose(without)[1].key  # stride 2: no residual in either
    assert decompose(with_skip)[2].key != decompose(without)[2].key  # the repeat has one only with the skip


def test_units_built_alone_and_chained_compute_the_network():
    spec = decode("res32_cls10|stem:cn_r1_k3_s2_c8|ir_r2_k3_s2_e6_c16_se0.25|cn_r2_k3_s1_c24|head:c32_d0.2")
    torch.manual_seed(0)
    model = build_model(spec).eval()
    modules = [unit_module(u).eval() for u in decompose(spec)]
    whole = list(model.stem) + [block for stage in model.stages for block in stage] + [model.head]
    assert len(whole) == len(modules)
    for mine, theirs in zip(modules, whole, strict=True):
        keys = mine.state_dict()  # a one-block stage built alone is a Sequential of that block: keys under "0."
        mine.load_state_dict({(k if k in keys else "0." + k): v for k, v in theirs.state_dict().items()})
    x = torch.randn(2, 3, 32, 32)
    with torch.inference_mode():
        y = x
        for module in modules:
            y = module(y)
        assert torch.allclose(y, model(x), atol=1e-5)
