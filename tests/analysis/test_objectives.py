"""A Pareto search in three objectives as `nasx analyze` shows it: the front in all of them, the hypervolume
in all of them, the front per pair of objectives, and the families on the accuracy–latency frontier."""

import math

import numpy as np
import pytest
import yaml

from nasx.analysis import hypervolume as hv
from nasx.analysis import objectives, plots, report
from nasx.analysis.analyze import analyze
from nasx.analysis.frame import load_runs
from tests.helpers.analysis_rows import row, write_run

M = 1_000_000
CONFIG = {
    "name": "pareto",
    "objective": {
        "name": "multi",
        "mode": "multi",
        "metric": "macs",
        "metrics": ["macs", "latency_ms"],
        "scale": "proxy",
        "target": 4e8,
        "alpha": -0.07,
        "beta": -0.07,
    },
}


def rows():
    # (val/top1, MACs, latency_ms). The front in all three: a, b, c, e.
    #   d is dominated by b (less accurate, more MACs, slower);
    #   e is dominated by c on (accuracy, MACs) alone, but it is the fastest, so it is on the three-way front;
    #   f has no latency (NaN): not on the front.
    # resnet18, two seeds: 0.78 and 0.80 (mean 0.79, std 0.01414, se 0.01), 100M MACs, 1.5 ms.
    return [
        row("a", 0.70, 10 * M, latency_ms=2.0),
        row("b", 0.80, 40 * M, latency_ms=1.0),
        row("c", 0.90, 160 * M, latency_ms=4.0),
        row("d", 0.60, 50 * M, latency_ms=3.0),
        row("e", 0.85, 200 * M, latency_ms=0.5),
        row("f", 0.75, 30 * M),
        row("x", None, None, status="failed"),
        row("ref-resnet18", 0.78, 100 * M, family="resnet18", latency_ms=1.5, seed=0),
        row("ref-resnet18@s1", 0.80, 100 * M, family="resnet18", latency_ms=1.5, seed=1),
    ]


@pytest.fixture
def run_dir(tmp_path):
    run = write_run(tmp_path / "pareto", rows())
    (run / "config.yaml").write_text(yaml.safe_dump(CONFIG))
    return run


def test_objectives_come_from_the_run_config():
    assert objectives.cost_columns(CONFIG) == ("macs", "latency_ms")
    full = {"objective": {**CONFIG["objective"], "scale": "full", "metrics": ["params", "macs", "latency_ms"]}}
    assert objectives.cost_columns(full) == ("full_params", "full_macs", "latency_ms")
    assert objectives.cost_columns({"objective": {"mode": "multi", "metric": "params", "scale": "full"}}) == (
        "full_params",
    )
    assert objectives.cost_columns({"objective": {"mode": "reward", "metric": "macs"}}) == ()
    assert objectives.search_objectives([{}, {"objective": {"mode": "multi", "metric": "macs"}}, CONFIG]) == (
        "macs",
        "latency_ms",
    )


def test_front_in_three_objectives_and_the_missing_cost_said_once(run_dir):
    frame = load_runs([run_dir])
    front = objectives.front(frame, ("macs", "latency_ms"))
    assert front["trial_id"].tolist() == ["a", "b", "c", "e"]  # cheapest in MACs first
    assert objectives.missing_note(frame, ("macs", "latency_ms")) == (
        "finished searched trials lacking a cost (1 without latency_ms) are not on the front and add no hypervolume"
    )
    assert objectives.missing_note(frame, ("macs", "params")) == ""


def test_report_sections_with_three_objectives(run_dir, tmp_path):
    from optuna._hypervolume import compute_hypervolume

    analysis = analyze([run_dir])
    titles = [s.title for s in analysis.sections]
    assert "Pareto front in 3 objectives" in titles
    section = analysis.sections[titles.index("Pareto front in 3 objectives")]
    front = dict(section.tables)["searched networks on the front in 3 objectives"]
    assert front["trial_id"].tolist() == ["a", "b", "c", "e"]
    assert front["latency_ms"].tolist() == [2.0, 1.0, 4.0, 0.5]
    assert any("1 without latency_ms" in note for note in section.notes)
    # reference point: accuracy 0, 2 x the largest MACs (200M) and latency (4 ms) of the searched trials that have both
    assert any("reference point (accuracy 0, macs 400,000,000, latency_ms 8)" in note for note in section.notes)
    final = dict(section.tables)["hypervolume in 3 objectives per searcher"]
    # the same volume by Optuna's implementation on (-accuracy, log10 MACs, log10 latency) of the searched trials
    done = [r for r in rows()[:5]]
    points = np.array([[-r["val/top1"], math.log10(r["macs"]), math.log10(r["latency_ms"])] for r in done])
    expected = compute_hypervolume(points, np.array([0.0, math.log10(400 * M), math.log10(8.0)]))
    assert final["mean"].tolist() == pytest.approx([expected], rel=1e-9)
    assert final["trials"].tolist() == [7]  # a..f and the failed x are the searched trials
    # the terminal summary states the hypervolume in all three objectives
    assert any(name.startswith("hypervolume in 3 objectives, reference point") for name, _ in analysis.summary)
    files = report.write(analysis, tmp_path / "out")
    page = (tmp_path / "out" / "report.md").read_text()
    assert "Pareto front in 3 objectives" in page and "front_pairs.png" in page
    assert (tmp_path / "out" / "figures" / "front_pairs.png").is_file() and files


def test_front_per_pair_of_objectives(run_dir):
    fig = plots.pairs_figure(load_runs([run_dir]), ("macs", "latency_ms"))
    assert len(fig.axes) == 3  # (MACs, accuracy), (latency, accuracy), (MACs, latency)
    by_title = {ax.get_title(): ax for ax in fig.axes}
    ax = by_title["Validation top-1 against Latency"]
    series = {c.get_label(): np.asarray(c.get_offsets()) for c in ax.collections}
    # x latency, y accuracy; the trials on the three-way front in its order of rows a, b, c, e
    np.testing.assert_allclose(series["front"], [[2.0, 0.70], [1.0, 0.80], [4.0, 0.90], [0.5, 0.85]])
    np.testing.assert_allclose(series["dominated"], [[3.0, 0.60]])  # d; f has no latency: not drawn
    np.testing.assert_allclose(series["resnet18"], [[1.5, 0.79]])
    ax = by_title["Latency against MACs"]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"


def test_families_on_the_accuracy_latency_frontier_by_the_noise_rule(run_dir):
    analysis = analyze([run_dir], figures=False)
    section = next(s for s in analysis.sections if s.title == "Reference families on the frontier")
    tables = dict(section.tables)
    # On MACs: the searched networks of <= 100M MACs are a, b, d, f; b is best, 0.80 - 0.79 = +0.01, below the
    # bar 2 x sqrt(0.01414^2 + 0.01^2) = 0.0346 (b borrows the pooled seed std 0.01414 of resnet18's two seeds).
    assert tables["families"]["verdict"].tolist() == ["within noise of b (+0.0100 ± 0.0173 se)"]
    # On latency: the networks no slower than 1.5 ms are b and e; e is 0.85 - 0.79 = +0.06 > 0.0346.
    latency = tables["families on the accuracy–latency frontier"]
    assert latency["verdict"].tolist() == ["dominated by e beyond noise (+0.0600 ± 0.0173 se)"]
    assert latency["latency_ms"].tolist() == [1.5]
    assert latency["on_frontier"].tolist() == [False]


def test_a_search_in_one_cost_has_no_section_in_k_objectives(tmp_path):
    run = write_run(tmp_path / "two", rows())
    (run / "config.yaml").write_text(yaml.safe_dump({"objective": {**CONFIG["objective"], "metrics": None}}))
    titles = [s.title for s in analyze([run], figures=False).sections]
    assert not any(t.startswith("Pareto front in") for t in titles)


def test_reference_box_needs_a_trial_with_every_cost(run_dir):
    frame = load_runs([run_dir])
    assert hv.reference_box(frame, ("macs", "latency_ms")) == hv.Box(0.0, (("macs", 400 * M), ("latency_ms", 8.0)))
    with pytest.raises(ValueError, match=r"every cost \(macs, full_macs\)"):
        hv.reference_box(frame, ("macs", "full_macs"))


def test_hypervolume_after_each_trial_in_three_objectives(run_dir):
    """Every prefix of the completion order against Optuna's hypervolume of the trials finished by then; f (no
    latency) and the failed x leave it unchanged, d (dominated by b) too."""
    from optuna._hypervolume import compute_hypervolume

    frame = load_runs([run_dir])
    box = hv.reference_box(frame, ("macs", "latency_ms"))
    curve = hv.curve(frame, box)
    ref = np.array([0.0, math.log10(400 * M), math.log10(8.0)])
    done = rows()[:5]
    points = [np.array([-r["val/top1"], math.log10(r["macs"]), math.log10(r["latency_ms"])]) for r in done]
    # trials a, b, c, d, e, f, x: after n of them, the first min(n, 5) of a..e are in
    expected = [compute_hypervolume(np.array(points[: min(n, 5)]), ref) for n in range(1, 8)]
    assert curve["hypervolume"].tolist() == pytest.approx(expected, rel=1e-9)
    assert curve["hypervolume"].iloc[3] == curve["hypervolume"].iloc[2]  # d adds nothing
