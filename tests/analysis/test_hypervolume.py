import math

import pytest

from nasx.analysis import hypervolume as hv
from nasx.analysis.frame import load_runs
from tests.helpers.analysis_rows import row, table, write_run

REF = hv.Reference(0.0, 1e4)  # log10 = 4


def test_hypervolume_by_hand():
    # front: (0.5, 10) and (0.8, 100); (0.6, 1000) is dominated.
    # slabs: 0.5 * (4 - 1) + (0.8 - 0.5) * (4 - 2) = 1.5 + 0.6 = 2.1
    assert hv.hypervolume([0.5, 0.8, 0.6], [10, 100, 1000], REF) == pytest.approx(2.1)
    assert hv.hypervolume([], [], REF) == 0.0
    # beyond the reference point (cost >= ref or accuracy <= ref) adds nothing
    assert hv.hypervolume([0.5, 0.9], [10, 1e4], REF) == pytest.approx(1.5)


def test_reference_point_is_twice_the_largest_finished_cost(tmp_path):
    frame = table(tmp_path, [row("a", 0.5, 10), row("b", 0.6, 1000), row("c", None, 10**6, status="failed")])
    assert hv.reference_point(frame) == hv.Reference(0.0, 2000.0)


def test_curve_counts_failed_trials_as_budget_and_leaves_out_families(tmp_path):
    frame = table(
        tmp_path,
        [
            row("a", 0.5, 10),
            row("b", None, None, status="failed"),
            row("fam", 0.99, 2, family="resnet18"),
            row("c", 0.6, 1000),
            row("d", 0.8, 100),
        ],
    )
    curve = hv.curve(frame, REF)
    assert curve["trials"].tolist() == [1, 2, 3, 4]
    # after a: 1.5; the failed b adds nothing; c: + (0.6 - 0.5) * (4 - 3) = 1.6; d: 2.1 (c now dominated)
    assert curve["hypervolume"].tolist() == pytest.approx([1.5, 1.5, 1.6, 2.1])


def test_mean_and_spread_per_searcher_at_equal_budget(tmp_path):
    runs = [
        write_run(tmp_path / "r1", [row("a", 0.25, 10), row("b", 0.5, 10)]),  # 0.75, 1.5
        write_run(tmp_path / "r2", [row("a", 0.5, 100), row("b", 0.75, 100)]),  # 1.0, 1.5
        write_run(
            tmp_path / "r3",
            [
                row("a", 0.1, 1000, searcher="tpe"),
                row("b", 0.2, 1000, searcher="tpe"),
                row("c", 0.9, 10, searcher="tpe"),
            ],
        ),
    ]
    curves = hv.curves(load_runs(runs), REF)
    per = hv.by_searcher(curves).set_index(["searcher", "trials"])
    assert per.loc[("random", 1), "mean"] == pytest.approx((0.75 + 1.0) / 2)
    assert per.loc[("random", 1), "std"] == pytest.approx(math.sqrt(((0.75 - 0.875) ** 2 + (1.0 - 0.875) ** 2) / 1))
    assert per.loc[("tpe", 3), "runs"] == 1 and per.loc[("tpe", 3), "std"] == 0.0
    final = hv.final(curves).set_index("searcher")
    # every run reached 2 trials: random 1.5 and 1.5; tpe 0.2 * (4 - 3) = 0.2
    assert final.loc["random", "trials"] == 2
    assert final.loc["random", "mean"] == pytest.approx(1.5) and final.loc["random", "std"] == pytest.approx(0.0)
    assert final.loc["tpe", "mean"] == pytest.approx(0.2)
