"""Synchronous front halving's cohorts (nasx.ranking.cohorts): who waits, when a cohort is decided, who goes on."""

import math

import pytest

from nasx.ranking.cohorts import Cohorts

# points (-val/top1, macs): a and c on front 1 (a the most accurate, c the cheapest); b dominated by a; d by b
A, B, C, D = (-0.9, 10.0), (-0.5, 20.0), (-0.8, 5.0), (-0.4, 30.0)


def _cohort(size=4, rungs=(1,)):
    cohorts = Cohorts(rungs, eta=2, size=size)
    for t in "abcd"[:size]:
        cohorts.join(t)
    return cohorts


def test_a_trial_waits_at_the_rung_until_its_whole_cohort_has_reported():
    cohorts = _cohort()
    assert cohorts.report("a", 1, A) == {} and cohorts.waiting("a")
    assert cohorts.report("b", 1, B) == {}
    assert cohorts.report("c", 1, C) == {}
    assert cohorts.waiting("a") and cohorts.waiting("c") and not cohorts.waiting("d")
    decisions = cohorts.report("d", 1, D)
    assert {t: d.keep for t, d in decisions.items()} == {"a": True, "b": False, "c": True, "d": False}
    assert decisions["b"].reason() == "front 2 of 3, position 3 of 4 at epoch 1; the first 2 continue"
    assert decisions["d"].reason() == "front 3 of 3, position 4 of 4 at epoch 1; the first 2 continue"
    assert decisions["a"].position == 1 and decisions["c"].position == 2
    assert not any(cohorts.waiting(t) for t in "abcd")


def test_a_member_that_ended_is_not_waited_for_and_not_ranked():
    cohorts = _cohort()
    for t, p in (("a", A), ("b", B), ("c", C)):
        assert cohorts.report(t, 1, p) == {}
    decisions = cohorts.end("d")  # failed before the rung
    assert {t: d.keep for t, d in decisions.items()} == {"a": True, "b": False, "c": True}
    assert decisions["b"].reason() == "front 2 of 2, position 3 of 3 at epoch 1; the first 2 continue"


def test_the_fifth_trial_opens_the_next_cohort():
    cohorts = _cohort()
    assert cohorts.join("e") == 1 and cohorts.cohort_of["d"] == 0
    assert cohorts.report("e", 1, A) == {} and cohorts.waiting("e")


def test_an_incomplete_last_cohort_is_decided_when_no_more_trials_will_join():
    cohorts = Cohorts((1,), eta=2, size=4)
    for t in "abca":  # joining again changes nothing
        cohorts.join(t)
    assert cohorts.members == [["a", "b", "c"]]
    for t, p in (("a", A), ("b", B), ("c", C)):
        assert cohorts.report(t, 1, p) == {}
    decisions = cohorts.close()
    assert {t: d.keep for t, d in decisions.items()} == {"a": True, "b": False, "c": True}
    assert cohorts.join("e") == 1  # a trial after the close opens a new cohort


def test_a_closed_cohort_with_members_still_training_waits_for_them():
    cohorts = Cohorts((1,), eta=2, size=4)
    cohorts.join("a")
    cohorts.join("b")
    assert cohorts.report("a", 1, A) == {}
    assert cohorts.close() == {}  # b is on its way to the rung
    assert set(cohorts.report("b", 1, B)) == {"a", "b"}


def test_the_survivors_wait_again_at_the_next_rung_for_each_other_only():
    cohorts = _cohort(rungs=(1, 3))
    for t, p in (("a", A), ("b", B), ("c", C)):
        cohorts.report(t, 1, p)
    cohorts.report("d", 1, D)
    cohorts.end("b")  # stopped at rung 1
    cohorts.end("d")
    assert cohorts.report("c", 3, (-0.95, 5.0)) == {} and cohorts.waiting("c")
    decisions = cohorts.report("a", 3, (-0.85, 10.0))
    # c now dominates a: of 2 points ceil(2 / 2) = 1 continues
    assert {t: d.keep for t, d in decisions.items()} == {"a": False, "c": True}
    assert decisions["a"].reason() == "front 2 of 2, position 2 of 2 at epoch 3; the first 1 continue"


def test_a_trial_without_accuracy_at_the_rung_goes_on_unranked():
    cohorts = _cohort(size=2)
    assert cohorts.report("a", 1, (math.nan, 10.0)) == {} and not cohorts.waiting("a")
    decisions = cohorts.report("b", 1, B)
    assert {t: d.keep for t, d in decisions.items()} == {"b": True}
    assert decisions["b"].n == 1


def test_a_resumed_search_replays_its_recorded_trials_into_the_first_cohort():
    records = {1: {"r1": A, "r2": C}}  # recorded, in row order, both ended
    cohorts = Cohorts((1,), eta=2, size=4, records=records)
    assert cohorts.members == [["r1", "r2"]] and cohorts.ended == {"r1", "r2"}
    assert cohorts.join("x") == 0 and cohorts.join("y") == 0 and cohorts.join("z") == 1
    assert cohorts.report("x", 1, B) == {}
    decisions = cohorts.report("y", 1, D)
    # ranked among the recorded points: r1, r2 (front 1), x, y; the first 2 are recorded ones
    assert {t: d.keep for t, d in decisions.items()} == {"x": False, "y": False}
    assert decisions["x"].reason() == "front 2 of 3, position 3 of 4 at epoch 1; the first 2 continue"


def test_a_cohort_needs_two_trials():
    with pytest.raises(ValueError, match="cohort size 1"):
        Cohorts((1,), eta=2, size=1)


def test_the_default_cohort_is_eta_to_the_number_of_rungs():
    from nasx.search.setup import SearcherSpec

    assert SearcherSpec(scheduler="front_halving", reduction_factor=3).cohort_size(10) == 27  # rungs 1, 3, 9
    assert SearcherSpec(scheduler="front_halving", rungs=[2]).cohort_size(4) == 2
    assert SearcherSpec(scheduler="front_halving", cohort=5).cohort_size(10) == 5
    assert SearcherSpec(scheduler="front_halving").cohort_size(1) == 2  # no rung: never below 2
