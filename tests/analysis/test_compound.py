import numpy as np
import pytest

from nasx.analysis import compound
from tests.helpers.analysis_rows import row, table


def _grid_row(name, alpha, beta, gamma, acc, phi=1.0, scaling="compound", macs=100, status="ok"):
    return row(name, acc, macs, status=status, alpha=alpha, beta=beta, gamma=gamma, phi=phi, scaling=scaling)


def _frame(tmp_path):
    return table(
        tmp_path,
        [
            _grid_row("paper", 1.2, 1.1, 1.15, 0.80),  # 1.2 * 1.21 * 1.3225 = 1.92029: within 0.1 of 2
            _grid_row("deep", 1.4, 1.2, 1.0, 0.90),  # 1.4 * 1.44 = 2.016
            _grid_row("none", 1.0, 1.0, 1.0, 0.95),  # 1.0: violates the constraint
            _grid_row("w1", 1.1, 1.2, 1.1, 0.84),
            _grid_row("w2", 1.1, 1.2, 1.1, 0.86),  # 1.91664, mean 0.85
            _grid_row("bad", 1.0, 1.2, 1.18, None, status="failed"),
            _grid_row("phi2", 1.4, 1.2, 1.0, 0.99, phi=2.0),
        ],
    )


def test_grid_table_and_best_triple_by_hand(tmp_path):
    grid = compound.grid_table(_frame(tmp_path))
    assert grid[["alpha", "beta", "gamma"]].values.tolist() == [
        [1.0, 1.0, 1.0],
        [1.4, 1.2, 1.0],
        [1.1, 1.2, 1.1],
        [1.2, 1.1, 1.15],
    ]
    assert grid["acc"].tolist() == pytest.approx([0.95, 0.90, 0.85, 0.80])
    assert grid["runs"].tolist() == [1, 1, 2, 1]
    assert grid["constraint"].tolist() == pytest.approx([1.0, 2.016, 1.91664, 1.920270])
    best = compound.best_triple(grid)
    assert (best["alpha"], best["beta"], best["gamma"]) == (1.4, 1.2, 1.0)
    best = compound.best_triple(grid, tolerance=0.05)  # only 2.016 is within 0.05
    assert (best["alpha"], best["beta"], best["gamma"]) == (1.4, 1.2, 1.0)
    with pytest.raises(ValueError, match="no α/β/γ triple"):
        compound.best_triple(grid, target=3.0)


def test_heatmap_shows_the_grid(tmp_path):
    grid = compound.grid_table(_frame(tmp_path))
    fig = compound.heatmap_figure(grid, compound.best_triple(grid))
    values = np.ma.filled(fig.axes[0].images[0].get_array(), np.nan)
    # rows alpha 1.0, 1.1, 1.2, 1.4; columns beta 1.0, 1.1, 1.2
    expected = [[0.95, np.nan, np.nan], [np.nan, np.nan, 0.85], [np.nan, 0.80, np.nan], [np.nan, np.nan, 0.90]]
    np.testing.assert_allclose(values, expected)


def test_scaling_curves_share_the_base_point(tmp_path):
    frame = table(
        tmp_path,
        [
            _grid_row("base", 1.2, 1.1, 1.15, 0.70, phi=0.0, macs=10),
            _grid_row("c1", 1.2, 1.1, 1.15, 0.80, phi=1.0, macs=20),
            _grid_row("c2", 1.2, 1.1, 1.15, 0.85, phi=2.0, macs=40),
            _grid_row("g1", 1.4, 1.2, 1.0, 0.90, phi=1.0, macs=20),  # grid point, not scaled further
            _grid_row("d1", 2.0, 1.0, 1.0, 0.75, phi=1.0, scaling="depth", macs=20),
            _grid_row("d2", 2.0, 1.0, 1.0, 0.78, phi=2.0, scaling="depth", macs=40),
        ],
    )
    curves = compound.scaling_curves(frame)
    compound_curve = curves[curves["scaling"] == "compound"]
    assert compound_curve["phi"].tolist() == [0.0, 1.0, 2.0]
    assert compound_curve["acc"].tolist() == pytest.approx([0.70, 0.80, 0.85])
    depth = curves[curves["scaling"] == "depth"]
    assert depth["phi"].tolist() == [0.0, 1.0, 2.0] and depth["acc"].tolist() == pytest.approx([0.70, 0.75, 0.78])
    fig = compound.curves_figure(curves)
    line = next(ln for ln in fig.axes[0].lines if ln.get_label() == "depth")
    np.testing.assert_allclose(line.get_xydata(), [[10, 0.70], [20, 0.75], [40, 0.78]])
