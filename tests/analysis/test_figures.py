import io

import matplotlib.image
import numpy as np
import pytest

import nasx
from nasx.analysis import demo, plots, report, reward_view
from nasx.analysis.analyze import analyze
from tests.helpers.analysis_rows import row, table

M = 1_000_000


def _series(ax, label):
    for artist in [*ax.collections, *ax.lines]:
        if artist.get_label() == label:
            return np.asarray(artist.get_offsets() if hasattr(artist, "get_offsets") else artist.get_xydata())
    raise KeyError(label)


def test_frontier_figure_plots_the_table(tmp_path):
    frame = table(
        tmp_path,
        [
            row("a", 0.70, 10 * M),
            row("b", 0.80, 40 * M),
            row("d", 0.60, 50 * M),
            row("c", 0.90, 160 * M),
            row("x", None, None, status="failed"),
            row("p", 0.99, 1 * M, status="pruned"),
            row("f", 0.75, 20 * M, family="mobilenet_v2"),
        ],
    )
    ax = plots.frontier_figure(frame).axes[0]
    np.testing.assert_allclose(_series(ax, "frontier"), [[10 * M, 0.70], [40 * M, 0.80], [160 * M, 0.90]])
    np.testing.assert_allclose(_series(ax, "dominated"), [[50 * M, 0.60]])
    np.testing.assert_allclose(
        _series(ax, "frontier step"), [[10 * M, 0.70], [40 * M, 0.70], [40 * M, 0.80], [160 * M, 0.80], [160 * M, 0.90]]
    )
    np.testing.assert_allclose(_series(ax, "mobilenet_v2"), [[20 * M, 0.75]])
    assert "mobilenet_v2" in [t.get_text() for t in ax.texts]
    assert ax.get_xscale() == "log"


def test_hypervolume_figure_plots_mean_per_searcher():
    import pandas as pd

    per = pd.DataFrame(
        {
            "searcher": ["random"] * 3,
            "trials": [1, 2, 3],
            "runs": [2, 2, 2],
            "mean": [0.5, 1.0, 1.5],
            "std": [0.1, 0.1, 0.0],
        }
    )
    ax = plots.hypervolume_figure(per, "(accuracy 0, MACs 10)").axes[0]
    np.testing.assert_allclose(_series(ax, "random"), [[1, 0.5], [2, 1.0], [3, 1.5]])


def test_top_candidates_and_the_stages_drawing(tmp_path):
    arch = "res32_cls10|stem:cn_r1_k3_s1_c16|ir_r2_k3_s2_e6_c24_se0.25|ir_r1_k5_s1_e3_c40|head:c64"
    frame = table(
        tmp_path,
        [
            row("a", 0.7, 10, reward=0.5),
            row("b", 0.8, 20, reward=0.9, arch=arch),
            row("c", None, None, status="failed", reward=2.0),
            row("f", 0.9, 30, family="resnet18", reward=5.0),
            row("d", 0.75, 15, reward=0.7),
        ],
    )
    top = reward_view.top_candidates(frame, 2)
    assert top["trial_id"].tolist() == ["b", "d"] and top["reward"].tolist() == [0.9, 0.7]
    fig = reward_view.stages_figure([("best", nasx.decode(arch)), ("efficientnet_b0", reward_view.reference_b0(frame))])
    best, b0 = fig.axes[0], fig.axes[1]
    assert [p.get_height() for p in best.patches] == [24, 24, 40]
    assert [bool(p.get_hatch()) for p in best.patches] == [True, True, False]
    assert [t.get_text() for t in best.texts] == ["e6", "e6", "e3"]
    # EfficientNet-B0 at its published scale (no reference row): 16 blocks, 16 ... 320 channels
    heights = [p.get_height() for p in b0.patches]
    assert len(heights) == 16 and heights[0] == 16 and heights[-1] == 320


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    return [
        demo.search_run(root / "search"),
        demo.compound_run(root / "compound"),
        demo.design_space_run(root / "design_space"),
    ]


def test_report_figures_render_and_are_not_blank(demo_runs, tmp_path):
    result = analyze(demo_runs)
    names = [name for s in result.sections for name, _, _ in s.figures]
    assert {"frontier_macs", "hypervolume", "best_vs_b0", "compound_grid", "scaling_curves", "edf"} <= set(names)
    paths = report.write(result, tmp_path)
    for name in names:
        pixels = matplotlib.image.imread(io.BytesIO((tmp_path / "figures" / f"{name}.png").read_bytes()))
        assert pixels.shape[0] > 100 and pixels[..., :3].std() > 0.05, name
    page = paths["html"].read_text()
    assert page.count("data:image/png;base64,") == len(names)
    for family in demo.FAMILIES:
        assert family in page
    assert "config.yaml" in page and "0123abc" in page
    assert "![" in paths["md"].read_text()


def test_confirmed_figure_draws_one_standard_deviation_over_seeds():
    from nasx.analysis.plots import confirmed_figure
    from nasx.ranking.seeds import seed_stats
    from tests.helpers.analysis_rows import frame

    rows = [
        row(f"ref-b0@s{i}" if i else "ref-b0", acc, 100, family="b0", seed=i)
        for i, acc in enumerate((0.90, 0.92, 0.94))
    ]
    rows += [row(f"s0001@s{i}" if i else "s0001", acc, 50, seed=i) for i, acc in enumerate((0.80, 0.84))]
    ax = confirmed_figure(seed_stats(frame(rows), keys=())).axes[0]
    bars = {c.get_label(): c for c in ax.containers}
    assert set(bars) == {"finalists", "b0 ± std"}
    b0 = bars["b0 ± std"].lines[2][0].get_segments()[0]
    assert b0[:, 0] == pytest.approx([100, 100]) and b0[:, 1] == pytest.approx([0.90, 0.94])
    s1 = bars["finalists"].lines[2][0].get_segments()[0]
    assert s1[:, 1] == pytest.approx([0.82 - 0.02 * 2**0.5, 0.82 + 0.02 * 2**0.5])
    assert "b0 (n=3)" in [t.get_text() for t in ax.texts]
