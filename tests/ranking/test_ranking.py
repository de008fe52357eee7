"""nasx.ranking: the noise rule, per-network seed statistics and family verdicts, on hand-checked numbers."""

import math

import pytest

from nasx.ranking.noise import beyond_noise, difference_se
from nasx.ranking.seeds import (
    base_trial_id,
    pooled_std,
    seed_stats,
    seed_trial_id,
    spread_text,
)
from nasx.ranking.stages import confirmed_table, search_ranking
from nasx.ranking.verdicts import beaten_by_families, family_verdicts
from tests.helpers.analysis_rows import frame, row


def test_noise_rule_is_twice_the_standard_error_of_the_difference():
    assert difference_se(0.03, 0.04) == pytest.approx(0.05)
    assert beyond_noise(0.91, 0.03, 0.80, 0.04)  # 0.11 > 2 x 0.05
    assert not beyond_noise(0.89, 0.03, 0.80, 0.04)  # 0.09 < 0.10
    assert not beyond_noise(0.80, 0.03, 0.91, 0.04)  # worse is never better
    assert not beyond_noise(0.99, math.nan, 0.10, 0.01)  # unmeasured noise supports nothing
    assert beyond_noise(0.5000001, 0.0, 0.5, 0.0)  # zero spread: any gain counts


def test_seed_ids():
    assert seed_trial_id("ref-efficientnet_b0", 0, 0) == "ref-efficientnet_b0"
    assert seed_trial_id("ref-efficientnet_b0", 2, 0) == "ref-efficientnet_b0@s2"
    assert base_trial_id("confirm-s0003@s11") == "confirm-s0003" and base_trial_id("s0003") == "s0003"
    assert (
        spread_text(0.9, 0.01, 3) == "0.9000 ± 0.0100 (3 seeds)" and spread_text(0.9, math.nan, 1) == "0.9000 (1 seed)"
    )


def test_seed_stats_mean_std_se_and_pooled_noise():
    f = frame(
        [
            row("ref-b0", 0.90, 100, family="b0", seed=0),
            row("ref-b0@s1", 0.92, 100, family="b0", seed=1),
            row("ref-b0@s2", 0.94, 100, family="b0", seed=2),
            row("ref-m", 0.80, 50, family="m", seed=0),
            row("ref-m@s1", 0.84, 50, family="m", seed=1),
            row("s0001", 0.70, 10),
            row("ref-x", None, 10, family="x", status="failed"),
        ]
    )
    stats = seed_stats(f, keys=()).set_index("network")
    assert list(stats.index) == ["b0", "m", "s0001"]  # best mean first; the failed family left out
    b0 = stats.loc["b0"]
    assert (b0["n"], b0["mean"], b0["seeds"], b0["trial_id"]) == (3, pytest.approx(0.92), "0,1,2", "ref-b0")
    assert b0["std"] == pytest.approx(0.02) and b0["se"] == pytest.approx(0.02 / math.sqrt(3))
    assert b0["noise_se"] == b0["se"]
    # pooled: (2 x 0.02^2 + 1 x 0.04^2 / 2 x ... ) -> m's std is sqrt(0.0008) = 0.028284
    pooled = math.sqrt((2 * 0.02**2 + 1 * 0.0008) / 3)
    assert pooled_std([3, 2, 1], [0.02, math.sqrt(0.0008), math.nan]) == pytest.approx(pooled)
    assert math.isnan(stats.loc["s0001", "std"]) and stats.loc["s0001", "noise_se"] == pytest.approx(pooled)
    assert math.isnan(pooled_std([1, 1], [math.nan, math.nan]))


def test_stages_never_mix():
    f = frame(
        [
            row("s0001", 0.70, 10, reward=0.7),
            row("s0002", 0.60, 10, reward=0.8),
            row("confirm-s0002", 0.95, 10, stage="confirm", reward=0.95, arch_key="s0002"),
            row("confirm-s0002@s1", 0.93, 10, stage="confirm", reward=0.93, seed=1, arch_key="s0002"),
        ]
    )
    stats = seed_stats(f)
    assert sorted(zip(stats["stage"], stats["n"])) == [("confirm", 2), ("search", 1), ("search", 1)]
    ranking = search_ranking(f)
    assert list(ranking["trial_id"]) == ["s0002", "s0001"] and list(ranking["rank"]) == [1, 2]  # by reward
    confirmed = confirmed_table(f)
    assert confirmed[["trial_id", "search_rank", "confirmed_rank", "n"]].values.tolist() == [["s0002", 1, 1, 2]]
    assert confirmed["mean"].item() == pytest.approx(0.94) and confirmed["search_mean"].item() == pytest.approx(0.60)


def _verdicts(rows):
    return family_verdicts(seed_stats(frame(rows), keys=())).set_index("family")


def test_family_verdicts_by_the_noise_rule():
    seeds = lambda tid, accs, macs, **kw: [
        row(tid if i == 0 else f"{tid}@s{i}", a, macs, seed=i, **kw) for i, a in enumerate(accs)
    ]
    rows = [
        *seeds("ref-fam", [0.80, 0.82, 0.84], 100, family="fam"),  # mean 0.82, se 0.011547
        *seeds("ref-close", [0.88, 0.90, 0.92], 100, family="close"),  # mean 0.90
        *seeds("ref-top", [0.97, 0.98, 0.99], 40, family="top"),  # cheap and best
        *seeds("s0001", [0.88, 0.89, 0.90], 50),  # mean 0.89, se 0.005774
        *seeds("s0002", [0.70, 0.95, 0.95], 60),
    ]  # mean 0.8667, se 0.083333
    v = _verdicts(rows)
    # fam: s0001 is +0.07 with se sqrt(0.011547^2 + 0.005774^2) = 0.012910 -> beyond noise; s0002 +0.0467 is not
    assert v.loc["fam", "verdict"] == "dominated" and v.loc["fam", "by"] == "s0001"
    assert v.loc["fam", "text"] == "dominated by s0001 beyond noise (+0.0700 ± 0.0129 se)"
    # close: s0001 is 0.01 less accurate but cheaper: no domination even on the means
    assert v.loc["close", "text"] == "on the frontier"
    assert v.loc["top", "text"] == "on the frontier"
    # the other way round: top (0.98 at 40 MACs) beats s0001 (0.89 at 50) beyond noise, not s0002 (se 0.0833)
    assert beaten_by_families(seed_stats(frame(rows), keys=())) == {"s0001": "top"}
    v = _verdicts([*seeds("ref-fam", [0.80, 0.82, 0.84], 100, family="fam"), *seeds("s0002", [0.70, 0.95, 0.95], 60)])
    # +0.0467 against 2 x sqrt(0.011547^2 + 0.083333^2) = 0.1683: within noise
    assert v.loc["fam", "text"] == "within noise of s0002 (+0.0467 ± 0.0841 se)"
    v = _verdicts([row("ref-fam", 0.80, 100, family="fam"), row("s0001", 0.90, 50)])
    assert v.loc["fam", "verdict"] == "not decided"  # one seed each: no measured noise


def test_pareto_set_in_three_objectives():
    import numpy as np

    from nasx.ranking.pareto import minimised, nondominated, pareto_mask

    # (accuracy up, MACs down, latency down):
    #   a (0.9, 100, 5) and b (0.8, 50, 9) trade off; c (0.9, 100, 6) is dominated by a (worse latency only);
    #   d (0.7, 200, 1) is the fastest, so on the front although a beats it in accuracy and MACs;
    #   e = a's copy: duplicates do not dominate each other; f has a NaN latency: never on the front.
    values = [(0.9, 100, 5), (0.8, 50, 9), (0.9, 100, 6), (0.7, 200, 1), (0.9, 100, 5), (0.6, 300, np.nan)]
    points = minimised(values, ("max", "min", "min"))
    assert points[0].tolist() == [-0.9, 100, 5]
    assert nondominated(points).tolist() == [True, True, False, True, True, False]
    # the same rule in two objectives is pareto_mask: without latency, d and f are dominated by a, c is a's equal
    two = minimised([v[:2] for v in values], ("max", "min"))
    assert nondominated(two).tolist() == pareto_mask([v[0] for v in values], [v[1] for v in values]).tolist()
    assert nondominated(two).tolist() == [True, True, True, False, True, False]
    assert nondominated(np.empty((0, 3))).tolist() == []
