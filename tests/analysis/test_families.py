import math

import pytest

from nasx.analysis.families import choice_distance, family_table, nearest
from tests.helpers.analysis_rows import row, table

M = 1_000_000
A = {"k": 3, "e": 6, "se": 0.25}
B = {"k": 5, "e": 6, "se": 0.25}
C = {"k": 5, "e": 3, "se": 0}


def _frame(tmp_path):
    return table(
        tmp_path,
        [
            row("a", 0.70, 10 * M, choices=A),
            row("b", 0.80, 40 * M, choices=B),
            row("c", 0.90, 160 * M, choices=C),
            row("d", 0.60, 50 * M),
            row("x", None, None, status="failed"),
            row("f1", 0.75, 20 * M, family="fam_on", choices={"k": 5, "e": 6, "se": 0}),
            row("f2", 0.78, 200 * M, family="fam_under"),
            row("f3", 0.50, 5 * M, family="fam_cheap"),
            row("f4a", 0.94, 300 * M, family="fam_best"),
            row("f4b", 0.96, 300 * M, family="fam_best"),
        ],
    )


def test_verdicts_use_the_pooled_seed_noise(tmp_path):
    t = family_table(_frame(tmp_path)).set_index("family")
    # the only seed spread is fam_best's, std sqrt(2) / 100; every one-seed network borrows it, so the
    # difference of two one-seed means has se sqrt(2) * sqrt(2) / 100 = 0.02. fam_under (0.78) against
    # b (0.80, 1 se) and c (0.90, 6 se): dominated by c.
    assert t.loc["fam_under", "verdict"] == "dominated by c beyond noise (+0.1200 ± 0.0200 se)"
    assert t.loc["fam_on", "verdict"] == "on the frontier"
    assert t.loc["fam_best", "verdict"] == "on the frontier"


def test_gap_ratio_and_domination_by_hand(tmp_path):
    t = family_table(_frame(tmp_path)).set_index("family")
    # fam_on (0.75, 20M): nothing searched is as accurate and as cheap; the frontier gives 0.70 at <= 20M
    # and reaches 0.75 first at 40M.
    assert bool(t.loc["fam_on", "on_frontier"]) and t.loc["fam_on", "dominated_by"] == 0
    assert t.loc["fam_on", "gap_at_equal_cost"] == pytest.approx(0.05)
    assert t.loc["fam_on", "cost_ratio_at_equal_acc"] == pytest.approx(20 / 40)
    # fam_under (0.78, 200M): dominated by b (0.80, 40M) and c (0.90, 160M); frontier at 200M is 0.90
    assert not t.loc["fam_under", "on_frontier"] and t.loc["fam_under", "dominated_by"] == 2
    assert t.loc["fam_under", "gap_at_equal_cost"] == pytest.approx(0.78 - 0.90)
    assert t.loc["fam_under", "cost_ratio_at_equal_acc"] == pytest.approx(200 / 40)
    # fam_cheap (0.50, 5M): cheaper than every searched network -> no gap; 0.50 is reached at 10M
    assert math.isnan(t.loc["fam_cheap", "gap_at_equal_cost"])
    assert t.loc["fam_cheap", "cost_ratio_at_equal_acc"] == pytest.approx(0.5)
    # fam_best: two seeds averaged to (0.95, 300M); more accurate than any searched -> no ratio
    assert t.loc["fam_best", "runs"] == 1 and t.loc["fam_best", "seeds"] == 2
    assert t.loc["fam_best", "acc"] == pytest.approx(0.95) and t.loc["fam_best", "acc_std"] == pytest.approx(
        0.02**0.5 / 10
    )
    assert t.loc["fam_best", "gap_at_equal_cost"] == pytest.approx(0.95 - 0.90)
    assert math.isnan(t.loc["fam_best", "cost_ratio_at_equal_acc"])


def test_nearest_searched_architecture_in_the_choices(tmp_path):
    t = family_table(_frame(tmp_path)).set_index("family")
    # fam_on {k5, e6, se0}: a differs in k and se (2/3), b in se (1/3), c in e (1/3): the first of b, c
    assert t.loc["fam_on", "nearest_arch"] == "arch_b" and t.loc["fam_on", "nearest_trial"] == "b"
    assert t.loc["fam_on", "nearest_distance"] == pytest.approx(1 / 3)
    assert t.loc["fam_on", "nearest_acc"] == pytest.approx(0.80)
    # not a point of the space: no nearest
    assert t.loc["fam_under", "nearest_arch"] == "" and math.isnan(t.loc["fam_under", "nearest_distance"])


def test_choice_distance():
    assert choice_distance({"k": 3, "e": 6}, {"k": 3, "e": 6}) == 0.0
    assert choice_distance({"k": 3}, {"k": 3, "e": 6}) == 0.5
    assert choice_distance({"k": 3, "e": 6, "se": 0}, {"k": 5, "e": 3, "se": 0}) == pytest.approx(2 / 3)
    assert math.isnan(choice_distance({}, {}))
    assert nearest({"k": 3}, [{}, {"k": 5}, {"k": 3}]) == (2, 0.0)
    assert nearest({}, [{"k": 3}]) == (-1, pytest.approx(float("nan"), nan_ok=True))
