import math

import numpy as np

from nasx.analysis.pareto import (
    accuracy_at,
    cost_at,
    dominated_by,
    frontier,
    pareto_mask,
    step_xy,
)
from tests.helpers.analysis_rows import row, table


def test_pareto_mask_by_hand_with_ties_and_nans():
    acc = [0.70, 0.80, 0.60, 0.80, 0.90, 0.90, np.nan, 0.95]
    cost = [10, 40, 50, 40, 160, 200, 5, np.nan]
    # 0: cheapest -> on. 1 and 3: exact duplicates, neither dominates the other -> both on.
    # 2: dominated by 1 (higher acc, lower cost). 4: on. 5: same acc as 4, more cost -> dominated.
    # 6, 7: NaN -> never on.
    assert pareto_mask(acc, cost).tolist() == [True, True, False, True, True, False, False, False]


def test_dominated_by_counts_weak_and_strict():
    accs, costs = [0.8, 0.8, 0.9, 0.5], [10, 20, 20, 1]
    assert dominated_by(0.8, 20, accs, costs) == 2  # (0.8, 10) and (0.9, 20); itself does not count
    assert dominated_by(0.95, 1, accs, costs) == 0


def test_frontier_leaves_out_failed_pruned_and_nan_rows(tmp_path):
    frame = table(
        tmp_path,
        [
            row("a", 0.70, 10),
            row("b", 0.99, 5, status="failed"),
            row("c", 0.98, 6, status="pruned"),
            row("d", 0.80, 40),
            row("e", None, 1),
            row("f", 0.75, 50),
            row("g", 0.90, 160),
        ],
    )
    front = frontier(frame)
    assert front["trial_id"].tolist() == ["a", "d", "g"]


def test_step_function_reading_of_the_frontier():
    acc, cost = [0.70, 0.80, 0.90], [10, 40, 160]
    assert accuracy_at(acc, cost, 39) == 0.70
    assert accuracy_at(acc, cost, 40) == 0.80
    assert math.isnan(accuracy_at(acc, cost, 9))
    assert cost_at(acc, cost, 0.75) == 40
    assert cost_at(acc, cost, 0.70) == 10
    assert math.isnan(cost_at(acc, cost, 0.95))
    xs, ys = step_xy([0.80, 0.70, 0.90], [40, 10, 160])
    assert xs.tolist() == [10, 40, 40, 160, 160]
    assert ys.tolist() == [0.70, 0.70, 0.80, 0.80, 0.90]
