import numpy as np
import pandas as pd
import pytest

from nasx.ranking.rungs import decide, epsilon_net, fronts, point, rank_order, records_from_rows, rung_epochs


def test_rung_epochs_grace_times_eta_powers_before_the_last_epoch():
    # grace 1, eta 2, 10 epochs: 1, 2, 4, 8 (16 >= 10); grace 2, eta 3, 18 epochs: 2, 6 (18 is the last epoch)
    assert rung_epochs(1, 2, 10) == (1, 2, 4, 8)
    assert rung_epochs(2, 3, 18) == (2, 6)
    assert rung_epochs(1, 2, 1) == ()
    assert rung_epochs(1, 2, 5, rungs=[1, 3, 5]) == (1, 3)  # 5 is the last epoch: no ranking there


def test_fronts_by_non_dominated_sorting():
    # columns minimised: (-acc, macs)
    # a (-0.9, 10), b (-0.8, 5), c (-0.7, 6), d (-0.85, 12), e (nan, 1)
    # a and b: neither dominates; c dominated by b (-0.8 < -0.7, 5 < 6); d dominated by a (-0.9 < -0.85, 10 < 12)
    # front 0 {a, b}; front 1 {c, d} (c, d: neither dominates the other); e has a NaN: last front + 1 = 2
    pts = [(-0.9, 10), (-0.8, 5), (-0.7, 6), (-0.85, 12), (np.nan, 1)]
    assert fronts(pts).tolist() == [0, 0, 1, 1, 2]


def test_epsilon_net_starts_at_the_best_first_column_then_farthest():
    # a front on a line: (0, 4), (1, 3), (2, 2), (3, 1), (4, 0); scaled to [0, 1]: (0, 1), (.25, .75), ...
    # first: smallest column 0 -> index 0; farthest from it: index 4 (distance sqrt 2);
    # then farthest from {0, 4}: index 2 (distance to each sqrt(0.5^2 + 0.5^2) = 0.707), then 1 (0.354 from 0 and
    # from 2, tie with 3 -> lower index 1), then 3
    pts = [(0, 4), (1, 3), (2, 2), (3, 1), (4, 0)]
    assert epsilon_net(pts) == [0, 4, 2, 1, 3]


def test_rank_order_fronts_then_epsilon_net():
    # front 0: rows 0, 1, 3 on the line acc + macs; front 1: rows 2 (dominated by 1), 4 (dominated by 3)
    # front 0 in scaled space: row 0 (-0.9, 10) -> (0, 1); row 1 (-0.8, 6) -> (.5, .5); row 3 (-0.7, 2) -> (1, 0)
    # eps-net: row 0 (best accuracy), then row 3 (farthest), then row 1
    # front 1: row 2 (-0.75, 7), row 4 (-0.6, 3): row 2 first (best accuracy), then row 4
    pts = [(-0.9, 10), (-0.8, 6), (-0.75, 7), (-0.7, 2), (-0.6, 3)]
    assert rank_order(pts) == [0, 3, 1, 2, 4]


def test_decide_keeps_the_first_ceil_n_over_eta():
    pts = [(-0.9, 10), (-0.8, 6), (-0.75, 7), (-0.7, 2), (-0.6, 3)]
    # order [0, 3, 1, 2, 4]; n = 5, eta = 2: ceil(5 / 2) = 3 continue: rows 0, 3, 1 (by row: 0 1 3 kept)
    kept = [decide(pts, i, 2, 1).keep for i in range(5)]
    assert kept == [True, True, False, True, False]
    d = decide(pts, 4, 2, 3)
    assert (d.front, d.fronts, d.position, d.n, d.kept, d.rung) == (2, 2, 5, 5, 3, 3)
    assert d.reason() == "front 2 of 2, position 5 of 5 at epoch 3; the first 3 continue"
    # eta 3: ceil(5 / 3) = 2: rows 0 and 3
    assert [decide(pts, i, 3, 1).keep for i in range(5)] == [True, False, False, True, False]


def test_a_lone_point_continues():
    assert decide([(-0.1, 100)], 0, 4, 1).keep


def test_point_negates_accuracy():
    assert point(0.75, [300, 2]) == (-0.75, 300.0, 2.0)


def test_records_from_rows_rebuilds_each_rung():
    rows = pd.DataFrame(
        [
            {"trial_id": "t0", "stage": "search", "family": "", "full_macs": 100, "full_params": 5},
            {"trial_id": "t1", "stage": "search", "family": "", "full_macs": 50, "full_params": 3},
            {"trial_id": "r0", "stage": "search", "family": "resnet18", "full_macs": 10, "full_params": 1},
        ]
    )
    curves = pd.DataFrame(
        [
            {"trial_id": "t0", "epoch": 1, "val/top1": 0.5},
            {"trial_id": "t0", "epoch": 2, "val/top1": 0.6},
            {"trial_id": "t1", "epoch": 1, "val/top1": 0.4},  # stopped at rung 1: no epoch 2
            {"trial_id": "r0", "epoch": 1, "val/top1": 0.9},  # a reference: never ranked
        ]
    )
    records = records_from_rows(rows, curves, (1, 2), ("full_macs", "full_params"))
    assert records == {
        1: {"t0": (-0.5, 100.0, 5.0), "t1": (-0.4, 50.0, 3.0)},
        2: {"t0": (-0.6, 100.0, 5.0)},
    }


@pytest.mark.parametrize("rows", [pd.DataFrame(), pd.DataFrame([{"trial_id": "t0", "full_macs": 1}])])
def test_records_from_rows_of_a_new_run_are_empty(rows):
    assert records_from_rows(rows, pd.DataFrame(), (1, 2), ("full_macs",)) == {1: {}, 2: {}}


def test_records_from_rows_skip_missing_epochs_accuracies_and_costs():
    # typed as the results tables are: t0's second curve row has no epoch; t1 has no accuracy and no MACs
    curves = pd.DataFrame(
        {"trial_id": ["t0", "t0", "t1"], "epoch": pd.array([1, None, 1], dtype="Int64"), "val/top1": [0.5, 0.6, np.nan]}
    )
    rows = pd.DataFrame({"trial_id": ["t0", "t1"], "full_macs": pd.array([10, None], dtype="Int64")})
    assert records_from_rows(rows, curves, (1, 2), ("full_macs",)) == {1: {"t0": (-0.5, 10.0)}, 2: {}}
