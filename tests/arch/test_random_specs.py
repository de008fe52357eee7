"""Contract over every block type: 200 random specs count, build, run and round-trip exactly."""

import json
import random

import pytest
import torch

from nasx import ArchSpec, build_model, complexity, decode, encode
from nasx.arch import BLOCKS
from nasx.build import STAGE_BUILDERS
from nasx.module_cost import module_cost
from tests.helpers.specgen import random_spec

SPECS = [random_spec(random.Random(seed)) for seed in range(200)]


def test_every_block_type_has_one_builder_and_is_sampled():
    assert set(STAGE_BUILDERS) == set(BLOCKS)
    sampled = {b.TYPE for spec in SPECS for _, b in spec.layers()}
    assert sampled == set(BLOCKS)


@pytest.mark.parametrize("seed", range(200))
def test_random_spec_contract(seed):
    spec = SPECS[seed]
    cost = complexity(spec)
    assert module_cost(spec) == (cost.params, cost.macs)
    assert decode(encode(spec)) == spec
    assert ArchSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    torch.manual_seed(seed)
    model = build_model(spec)
    assert sum(p.numel() for p in model.parameters()) == cost.params
    model.train()
    x = torch.randn(2, spec.in_channels, spec.resolution, spec.resolution)
    out = model(x)
    assert out.shape == (2, spec.num_classes)
    assert torch.isfinite(out).all()
