"""Regularized evolution: aging population, tournament parent, one-parameter mutations."""

import numpy as np
import pytest

from nasx import search_spaces
from nasx.search import searchers
from nasx.search.searchers import Outcome
from nasx.search_spaces.params import Choice


def ok(reward: float) -> Outcome:
    return Outcome("ok", {"reward": reward})


def changed(a: dict, b: dict) -> list[str]:
    return [k for k in a if a[k] != b[k]]


def test_first_population_is_random_then_children_mutate_the_best():
    space = search_spaces.get("mnasnet")
    evo = searchers.get("evolution", space, seed=5, population_size=4, sample_size=4)
    rand = searchers.get("random", space, seed=5)
    first = [evo.ask() for _ in range(4)]
    assert [p.spec.key() for p in first] == [rand.ask().spec.key() for _ in range(4)]
    for p, reward in zip(first, (0.1, 0.9, 0.3, 0.2)):
        evo.tell(p.id, ok(reward))
    child = evo.ask()
    # the sample is the whole population, so the parent is the best member, proposal 1
    assert len(changed(child.values, first[1].values)) == 1


def test_oldest_member_dies_and_the_population_stays_at_its_size():
    evo = searchers.get("evolution", search_spaces.get("mnasnet"), seed=0, population_size=3, sample_size=2)
    proposals = [evo.ask() for _ in range(3)]
    for i in (2, 0, 1):  # membership follows the order of tells
        evo.tell(proposals[i].id, ok(float(i)))
    assert [m[0] for m in evo.population] == [2, 0, 1]
    for expected in ([0, 1, 3], [1, 3, 4], [3, 4, 5]):
        p = evo.ask()
        evo.tell(p.id, ok(0.5))
        assert [m[0] for m in evo.population] == expected
    assert len(evo.population) == 3


def test_failed_and_pruned_children_do_not_join():
    evo = searchers.get("evolution", search_spaces.get("mnasnet"), seed=0, population_size=2, sample_size=1)
    a, b, c, d = (evo.ask() for _ in range(4))
    evo.tell(a.id, ok(1.0))
    evo.tell(b.id, Outcome("failed"))
    evo.tell(c.id, Outcome("pruned", {"reward": 5.0}))
    evo.tell(d.id, Outcome("ok", {"reward": float("nan")}))
    assert list(evo.population) == [(0, 1.0)]


def test_minimized_objective_is_stored_negated():
    evo = searchers.get("evolution", search_spaces.get("mnasnet"), objectives=(("macs", "min"),))
    p = evo.ask()
    evo.tell(p.id, Outcome("ok", {"macs": 300.0}))
    assert list(evo.population) == [(0, -300.0)]


@pytest.mark.parametrize("space_name", ["regnet", "anynet", "mnasnet"])
def test_mutation_changes_one_parameter_within_its_type(space_name):
    space = search_spaces.get(space_name)
    evo = searchers.get("evolution", space, seed=1)
    values, _ = space.sample_point(np.random.default_rng(0))
    for _ in range(200):
        child = evo.mutate(values)
        (name,) = changed(child, values)
        param = space.parameter(name)
        if isinstance(param, Choice):
            assert child[name] in param.values
        else:
            assert param.snap(child[name]) == child[name]
            assert param.low <= child[name] <= param.high
            assert type(child[name]) is type(values[name])


def test_rejected_children_are_mutated_again_within_the_budget():
    space = search_spaces.get("mnasnet", macs=(100e6, 300e6))
    evo = searchers.get("evolution", space, seed=2, population_size=4, sample_size=2)
    for i in range(40):
        p = evo.ask()
        assert space.budget.admits(p.spec)
        evo.tell(p.id, ok(float(i % 3)))


def test_options_are_checked():
    space = search_spaces.get("mnasnet")
    with pytest.raises(ValueError, match="sample_size <= population_size"):
        searchers.get("evolution", space, population_size=4, sample_size=5)
