"""Rank statistics against scipy's values on fixed inputs, and small cases checked by hand."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from nasx.analysis.rank_stats import (
    bootstrap_interval,
    kendall_tau_b,
    seed_noise_floor,
    spearman,
    top_k_count,
    top_k_recall,
)

RNG = np.random.default_rng(11)
X = RNG.normal(size=40)
Y = X + RNG.normal(scale=0.8, size=40)
# ties on both sides: accuracies on a 180-image validation set take few distinct values
XT = np.round(RNG.uniform(0.2, 0.9, size=30), 2)
YT = np.round(XT + RNG.normal(scale=0.05, size=30), 1)


@pytest.mark.parametrize("x, y", [(X, Y), (XT, YT), (X[:7], -Y[:7]), ([1, 2, 3, 4], [4, 4, 1, 1])])
def test_against_scipy(x, y):
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)
    assert kendall_tau_b(x, y) == pytest.approx(stats.kendalltau(x, y, variant="b").statistic, abs=1e-12)


def test_hand_checked_cases():
    # one swapped pair of three: rho = 1 - 6 * 2 / (3 * 8); tau = (2 concordant - 1 discordant) / 3
    assert spearman([1, 2, 3], [1, 3, 2]) == pytest.approx(0.5)
    assert kendall_tau_b([1, 2, 3], [1, 3, 2]) == pytest.approx(1 / 3)
    # a tie in x: ranks (1.5, 1.5, 3) against (1, 2, 3) -> 1.5 / sqrt(1.5 * 2); tau-b = 2 / sqrt(2 * 3)
    assert spearman([1, 1, 2], [1, 2, 3]) == pytest.approx(1.5 / math.sqrt(3))
    assert kendall_tau_b([1, 1, 2], [1, 2, 3]) == pytest.approx(2 / math.sqrt(6))
    assert spearman([5, 6, 7, 8], [1, 2, 3, 4]) == 1.0 and kendall_tau_b([5, 6, 7, 8], [4, 3, 2, 1]) == -1.0
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3])) and math.isnan(kendall_tau_b([1, 1, 1], [1, 2, 3]))


def test_bad_inputs():
    with pytest.raises(ValueError, match="one length"):
        spearman([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="finite"):
        kendall_tau_b([1, float("nan"), 3], [1, 2, 3])
    with pytest.raises(ValueError, match="unknown statistic 'pearson'"):
        bootstrap_interval("pearson", X, Y)


def test_bootstrap_is_the_percentile_interval_of_resampled_pairs():
    """The same resampling written out with scipy's statistics."""
    low, high = bootstrap_interval("spearman", XT, YT, n_boot=200, seed=3)
    index = np.random.default_rng(3).integers(0, len(XT), size=(200, len(XT)))
    rhos = [stats.spearmanr(XT[i], YT[i]).statistic for i in index]
    assert (low, high) == pytest.approx(tuple(np.percentile(rhos, [2.5, 97.5])), abs=1e-12)
    low, high = bootstrap_interval("kendall_tau_b", XT, YT, n_boot=200, seed=3)
    taus = [stats.kendalltau(XT[i], YT[i]).statistic for i in index]
    assert (low, high) == pytest.approx(tuple(np.percentile(taus, [2.5, 97.5])), abs=1e-12)


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    a = bootstrap_interval("kendall_tau_b", X, Y, seed=0)
    assert a == bootstrap_interval("kendall_tau_b", X, Y, seed=0) != bootstrap_interval("kendall_tau_b", X, Y, seed=1)
    assert a[0] < kendall_tau_b(X, Y) < a[1]
    assert bootstrap_interval("spearman", [1, 2, 3, 4, 5], [2, 4, 6, 8, 10]) == (1.0, 1.0)
    assert all(math.isnan(v) for v in bootstrap_interval("spearman", [1, 2], [1, 2]))


def test_top_k_recall():
    assert [top_k_count(n) for n in (5, 10, 11, 20, 32, 35)] == [1, 1, 2, 2, 4, 4]
    truth = np.arange(20.0)  # the top 10% are positions 19 and 18
    assert top_k_recall(truth, truth) == 1.0
    assert top_k_recall(-truth, truth) == 0.0
    guess = truth.copy()
    guess[18] = -1.0  # keeps 19 in its top 2, puts 17 instead of 18
    assert top_k_recall(guess, truth) == 0.5
    assert top_k_recall(guess, truth, fraction=0.25) == 0.8  # top 5: 19, 17, 16, 15 of 19..15


def test_seed_noise_floor_averages_the_seed_pairs():
    table = pd.DataFrame({0: [1, 2, 3, 4], 1: [1, 2, 4, 3], 2: [4, 3, 2, 1]})
    # pairs (0,1): 1 - 6*2/60 = 0.8; (0,2): -1; (1,2): -0.8
    floor, pairs = seed_noise_floor(table)
    assert pairs == 3 and floor == pytest.approx((0.8 - 1 - 0.8) / 3)
    table.loc[0, 2] = float("nan")  # pairs with seed 2 use the three architectures they share
    floor, pairs = seed_noise_floor(table)
    assert pairs == 3 and floor == pytest.approx(
        (0.8 + spearman([2, 3, 4], [3, 2, 1]) + spearman([2, 4, 3], [3, 2, 1])) / 3
    )
    # by hand: (0,2) on rows 1..3: [2,3,4] vs [3,2,1], rho = -1; (1,2): ranks [1,3,2] vs [3,2,1],
    # d^2 = 4+1+1 = 6, rho = 1 - 6*6/(3*8) = -0.5; (0,1) keeps its 0.8: (0.8 - 1 - 0.5) / 3
    assert floor == pytest.approx(-0.7 / 3)
    assert seed_noise_floor(table[[0]]) == (pytest.approx(float("nan"), nan_ok=True), 0)
