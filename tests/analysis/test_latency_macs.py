"""MACs against latency: rho, the misordered networks, the figure and the files written."""

import json

import matplotlib.image
import numpy as np
import pandas as pd
import pytest

from nasx.analysis import latency_macs
from nasx.analysis.rank_stats import bootstrap_interval

# latency ranks a=1, b=5, c=2, d=3, e=4 against MACs ranks 1..5: gaps 0, -3, +1, +1, +1
FRAME = pd.DataFrame(
    {"family": list("abcde"), "macs": [10, 20, 30, 40, 50], "latency_ms": [5.0, 50.0, 15.0, 20.0, 25.0]}
)


def test_rho_and_its_interval():
    rho, interval = latency_macs.rank_agreement(FRAME)
    # sum of squared rank differences 0 + 9 + 1 + 1 + 1 = 12: rho = 1 - 6 * 12 / (5 * 24) = 0.4
    assert rho == pytest.approx(0.4)
    assert interval == bootstrap_interval("spearman", FRAME["macs"], FRAME["latency_ms"], seed=0)


def test_misordered_largest_gap_first_without_the_well_ordered():
    gaps = latency_macs.misordered(FRAME)
    assert list(gaps["family"]) == ["b", "c", "d", "e"]
    assert list(gaps["rank_gap"]) == [-3.0, 1.0, 1.0, 1.0]
    assert list(latency_macs.misordered(FRAME, top=2)["family"]) == ["b", "c"]


def test_summary_is_strict_json_and_names_too_few_networks():
    result = latency_macs.summary(FRAME.head(2), {"device": "cpu"}, {"batch": 1})
    assert result["spearman"] == pytest.approx(1.0) and result["interval"] == [None, None]
    json.dumps(result, allow_nan=False)
    assert latency_macs.rho_text(result).endswith("interval none (needs 3 networks) over 2 networks")
    assert latency_macs.misordered_text(result) == "MACs rank every network where its latency does"


def test_the_figure_is_log_log_with_every_network_labelled():
    ax = latency_macs.latency_figure(FRAME, "t", "rho").axes[0]
    (points,) = [c for c in ax.collections if c.get_label() == "networks"]
    np.testing.assert_allclose(points.get_offsets(), FRAME[["macs", "latency_ms"]].to_numpy(float))
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert sorted(t.get_text() for t in ax.texts) == ["a", "b", "c", "d", "e", "rho"]


def test_save_writes_the_table_the_summary_and_the_figure(tmp_path):
    result = latency_macs.summary(FRAME, {"device": "cpu"}, {"batch": 1})
    written = latency_macs.save(tmp_path / "out", FRAME, result, "t")
    assert sorted(p.rsplit("/", 1)[1] for p in written) == sorted(
        [latency_macs.TABLE, latency_macs.FIGURE, latency_macs.SUMMARY]
    )
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "out" / latency_macs.TABLE), FRAME)
    assert json.loads((tmp_path / "out" / latency_macs.SUMMARY).read_text())["misordered"][0]["family"] == "b"
    assert matplotlib.image.imread(tmp_path / "out" / latency_macs.FIGURE).shape[2] in (3, 4)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [latency_macs.TABLE, latency_macs.FIGURE, latency_macs.SUMMARY]
    )  # no temporary file left behind
