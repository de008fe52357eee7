"""REINFORCE controller: discretised actions, the update rule and the moving-average baseline by hand."""

import math

import numpy as np
import pytest

from nasx import search_spaces
from nasx.search import searchers
from nasx.search.searchers import Outcome
from nasx.search.searchers.reinforce import actions_of
from nasx.search_spaces.params import Choice, FloatRange, IntRange


def ok(reward: float) -> Outcome:
    return Outcome("ok", {"reward": reward})


def controller(**options):
    return searchers.get("reinforce", search_spaces.get("mnasnet"), seed=0, **options)


def test_actions_discretise_ranges_onto_at_most_max_choices_points():
    assert actions_of(Choice("op", ("a", "b")), 32) == ("a", "b")
    assert actions_of(IntRange("d", 1, 4), 32) == (1, 2, 3, 4)
    assert actions_of(FloatRange("x", 0.0, 1.0), 5) == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert actions_of(IntRange("w", 1, 1024, log=True), 11) == (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
    assert actions_of(FloatRange("q", 0.0, 1.0, q=0.5), 32) == (0.0, 0.5, 1.0)
    space = search_spaces.get("regnet")
    for p in space.parameters():
        acts = actions_of(p, 32)
        assert 2 <= len(acts) <= 32 and len(set(acts)) == len(acts)
        assert all(p.snap(a) == a for a in acts)


def test_baseline_is_the_moving_average_from_the_first_reward():
    c = controller(baseline_decay=0.9)
    proposals = [c.ask() for _ in range(4)]
    assert c.baseline is None
    expected = [1.0, 0.9 * 1.0 + 0.1 * 0.0, 0.9 * 0.9 + 0.1 * 0.5]  # 1.0, 0.9, 0.86
    for p, reward, b in zip(proposals, (1.0, 0.0, 0.5), expected):
        c.tell(p.id, ok(reward))
        assert c.baseline == pytest.approx(b)
    c.tell(proposals[3].id, Outcome("failed"))
    assert c.baseline == pytest.approx(0.86)


def test_update_follows_the_reinforce_rule_by_hand():
    c = controller(lr=0.5, baseline_decay=0.9)
    first, second = c.ask(), c.ask()
    c.tell(first.id, ok(0.0))  # the first reward is the baseline: advantage 0, nothing moves
    assert all(np.all(z == 0) for z in c.logits)
    c.tell(second.id, ok(1.0))  # rewards 0 and 1: sd 0.5, advantage (1 - 0) / 0.5 = 2
    probs = c.probabilities()
    # b1_op, 5 values from p = 0.2: chosen logit 0.5 * 2 * (1 - 0.2) = 0.8, others 0.5 * 2 * (0 - 0.2) = -0.2
    op = second.values["b1_op"]
    assert probs["b1_op"][op] == pytest.approx(math.exp(0.8) / (math.exp(0.8) + 4 * math.exp(-0.2)))
    # b1_k, 2 values from p = 0.5: logits +0.5 and -0.5
    k = second.values["b1_k"]
    assert probs["b1_k"][k] == pytest.approx(math.exp(0.5) / (math.exp(0.5) + math.exp(-0.5)))
    assert c.baseline == pytest.approx(0.1)
    third = c.ask()
    c.tell(third.id, ok(0.1))  # rewards 0, 1, 0.1: sd = sqrt(0.42 / 3); advantage (0.1 - 0.1) / sd = 0
    assert c.probabilities() == probs


def test_step_is_invariant_to_an_affine_rescaling_of_rewards():
    """Rewards r and 250 * r - 3 give the same policy and so the same proposals."""
    raw, scaled = controller(), controller()
    for _ in range(40):
        p, q = raw.ask(), scaled.ask()
        assert p.values == q.values
        r = 0.7 + 0.01 * (p.values["b1_op"] == "mb6") + 0.003 * (p.values["act"] == "swish")
        raw.tell(p.id, ok(r))
        scaled.tell(q.id, ok(250 * r - 3))
    for z, w in zip(raw.logits, scaled.logits):
        assert np.allclose(z, w, rtol=1e-9, atol=1e-9)
    assert np.abs(np.concatenate(raw.logits)).max() > 0.1  # the policy did move


def test_rewards_a_hundredth_apart_are_learned_at_the_default_lr():
    c = controller()
    for _ in range(150):
        p = c.ask()
        c.tell(p.id, ok(0.70 + (0.01 if p.values["b1_op"] == "mb6" else 0.0)))
    probs = c.probabilities()["b1_op"]
    assert probs["mb6"] > 0.5 and probs["mb6"] == max(probs.values())


def test_every_ask_is_answered_before_any_result():
    """A search with more slots than results: 64 asks with nothing told, all distinct points."""
    c = controller()
    proposals = [c.ask() for _ in range(64)]
    assert all(p is not None for p in proposals) and len({p.spec.key() for p in proposals}) == 64
    assert c.pending == list(range(64))


def test_failed_and_pruned_outcomes_do_not_move_the_policy():
    c = controller()
    a, b, d = c.ask(), c.ask(), c.ask()
    c.tell(a.id, ok(2.0))
    c.tell(b.id, Outcome("failed"))
    c.tell(d.id, Outcome("pruned", {"reward": 9.0}))
    assert all(np.all(z == 0) for z in c.logits) and c.baseline == 2.0


def test_probability_of_a_rewarded_choice_goes_up():
    c = controller(lr=0.2)
    for _ in range(150):
        p = c.ask()
        c.tell(p.id, ok(1.0 if p.values["b1_op"] == "mb6" else 0.0))
    probs = c.probabilities()["b1_op"]
    assert probs["mb6"] > 0.5 and probs["mb6"] == max(probs.values())


def test_entropy_bonus_moves_towards_uniform():
    c = controller(entropy_weight=1.0)
    p = c.ask()
    c.logits[0][:] = [2.0, 0.0, -1.0]  # act: relu, relu6, swish

    def entropy() -> float:
        q = np.array(list(c.probabilities()["act"].values()))
        return float(-(q * np.log(q)).sum())

    before = entropy()
    c.tell(p.id, ok(1.0))  # first reward: advantage 0, only the entropy term acts
    assert entropy() > before


def test_rejected_samples_are_resampled_within_the_budget():
    space = search_spaces.get("mnasnet", macs=(100e6, 300e6))
    c = searchers.get("reinforce", space, seed=4)
    for _ in range(30):
        p = c.ask()
        assert space.budget.admits(p.spec)
        c.tell(p.id, ok(1.0))
    with pytest.raises(ValueError, match="no point of space mnasnet"):
        searchers.get("reinforce", search_spaces.get("mnasnet", macs=(1, 2)), max_tries=10).ask()
