"""The sandwich rule's smallest network of a space, and the parameters progressive shrinking frees first."""

import numpy as np
import pytest

from nasx import complexity, search_spaces
from nasx.search_spaces.base import SMALLEST_SAMPLE, Space


def macs(point) -> float:
    return complexity(point[1]).macs


def test_mnasnet_smallest_is_a_point_and_no_sampled_point_is_smaller():
    space = search_spaces.get("mnasnet")
    values, spec = space.smallest_point()
    assert space.is_point(spec, values) and space.contains(spec)
    assert (
        all(values[f"b{i}_op"] == "mb1" and values[f"b{i}_k"] == 3 and values[f"b{i}_se"] == 0.0 for i in range(1, 8))
        and values["act"] == "relu"
    )
    assert [values[f"b{i}_filters"] for i in range(1, 8)] == [12, 18, 24, 48, 72, 120, 240]  # 0.75 x the skeleton's
    assert [values[f"b{i}_layers"] for i in range(1, 8)] == [1, 1, 2, 3, 2, 2, 1]  # its layers - 1, at least 1
    rng = np.random.default_rng(0)
    assert all(macs(space.sample_point(rng)) >= macs((values, spec)) for _ in range(300))
    assert macs((values, spec)) <= macs(Space.smallest_point(space))  # the exact one beats the sampled one


def test_mnasnet_smallest_outside_the_budget_falls_back_to_the_sample():
    space = search_spaces.get("mnasnet", macs=[1e8, 3e8])
    values, spec = space.smallest_point()
    assert space.budget.admits(spec) and values["b1_op"] in ("conv", "sep", "mb1", "mb3", "mb6")


@pytest.mark.parametrize("name", ["compound", "mnasnet"])
def test_the_default_smallest_is_the_fewest_macs_of_a_seeded_sample(name):
    space = search_spaces.get(name)
    found = Space.smallest_point(space)
    assert Space.smallest_point(search_spaces.get(name)) == found  # deterministic
    rng = np.random.default_rng(0)
    sample = [space.sample_point(rng) for _ in range(SMALLEST_SAMPLE)]
    assert macs(found) == min(macs(p) for p in sample) and found in sample


def test_kernel_and_depth_parameters():
    assert search_spaces.get("mnasnet").kernel_and_depth() == tuple(
        f"b{i}_{k}" for i in range(1, 8) for k in ("k", "layers")
    )
    assert search_spaces.get("compound").kernel_and_depth() == ()
