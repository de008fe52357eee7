import numpy as np
import pytest

from nasx.analysis import design_space as ds
from tests.helpers.analysis_rows import row, table

MACS = [1e6, 1e6, 1e8, 1e6, 1e8, 1e8]
SPACES = ["A", "A", "A", "B", "B", "B"]
ERRORS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]


def test_complexity_weights_by_hand():
    # two log-MACs bins [6, 7) and [7, 8]; A has 2 + 1 samples, B 1 + 2; each space gets 1/2 per bin
    assert ds.complexity_weights(MACS, SPACES, bins=2).tolist() == [0.25, 0.25, 0.5, 0.5, 0.25, 0.25]
    # B has nothing in the second bin: that bin is not shared, its A sample gets no weight
    w = ds.complexity_weights([1e6, 1e6, 1e8, 1e6], ["A", "A", "A", "B"], bins=2)
    assert w.tolist() == [0.5, 0.5, 0.0, 1.0]


def test_edf_plain_and_weighted():
    x, f = ds.edf([0.3, 0.1, 0.2])
    assert x.tolist() == [0.1, 0.2, 0.3] and f.tolist() == pytest.approx([1 / 3, 2 / 3, 1.0])
    x, f = ds.edf([0.1, 0.2, 0.3], [0.25, 0.25, 0.5])
    assert f.tolist() == pytest.approx([0.25, 0.5, 1.0])
    x, f = ds.edf([0.1, 0.2, 0.3], [0.5, 0.0, 0.5])
    assert x.tolist() == [0.1, 0.3] and f.tolist() == pytest.approx([0.5, 1.0])


def _frame(tmp_path):
    return table(
        tmp_path,
        [
            row(f"t{i}", 1 - e, int(m), space=s, choices={"d": i % 2 + 1})
            for i, (m, s, e) in enumerate(zip(MACS, SPACES, ERRORS))
        ],
    )


def test_normalised_edf_table_and_figure(tmp_path):
    samples = ds.design_samples(_frame(tmp_path))
    assert samples["error"].tolist() == pytest.approx(ERRORS)
    t = ds.edf_table(samples, bins=2).set_index("space")
    assert t.loc["A", "median_error"] == pytest.approx(0.2)  # F = 0.25, 0.5, 1.0
    assert t.loc["B", "median_error"] == pytest.approx(0.4)  # F = 0.5, 0.75, 1.0
    assert t.loc["A", "min_error"] == pytest.approx(0.1)
    fig = ds.edf_figure(samples, bins=2)
    lines = {ln.get_label(): ln.get_xydata() for ln in fig.axes[0].lines}
    np.testing.assert_allclose(lines["A"], [[0.1, 0.25], [0.2, 0.5], [0.3, 1.0]])
    np.testing.assert_allclose(lines["B"], [[0.4, 0.5], [0.5, 0.75], [0.6, 1.0]])


def test_error_by_design_parameter(tmp_path):
    samples = ds.design_samples(_frame(tmp_path))
    t = ds.parameter_table(samples)
    # d = 1 for t0, t2, t4 and 2 for t1, t3, t5
    a = t[t["space"] == "A"].set_index("value")
    assert a.loc["1", "n"] == 2 and a.loc["1", "mean_error"] == pytest.approx((0.1 + 0.3) / 2)
    assert a.loc["2", "n"] == 1 and a.loc["2", "mean_error"] == pytest.approx(0.2)
    fig = ds.parameters_figure(samples)
    ax = fig.axes[0]
    assert ax.get_title() == "d (depth)"
    # a parameter of two values is categorical: d = 1 at x = 0, d = 2 at x = 1, the values as tick labels
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2"]
    points = {c.get_label(): np.asarray(c.get_offsets()) for c in ax.collections}
    np.testing.assert_allclose(points["B"], [[1, 0.4], [0, 0.5], [1, 0.6]])
