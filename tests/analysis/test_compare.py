import math

import pytest

from nasx.analysis.analyze import analyze
from nasx.analysis.compare import best_per_searcher
from nasx.analysis.frame import load_runs
from tests.helpers.analysis_rows import row, write_run


def test_best_per_searcher_mean_and_spread(tmp_path):
    runs = [
        write_run(
            tmp_path / "r1",
            [
                row("a", 0.6, 10, reward=0.5),
                row("b", 0.8, 10, reward=0.7),
                row("f", 0.99, 10, family="resnet18", reward=2.0),
            ],
        ),
        write_run(tmp_path / "r2", [row("a", 0.7, 10, reward=0.6), row("x", 0.95, 10, status="failed")]),
        write_run(tmp_path / "r3", [row("a", 0.5, 10, searcher="tpe")]),
    ]
    t = best_per_searcher(load_runs(runs)).set_index("searcher")
    # random: best 0.8 (r1) and 0.7 (r2) -> mean 0.75, sample std sqrt(2 * 0.05^2 / 1)
    assert t.loc["random", "runs"] == 2 and t.loc["random", "trials"] == 2.0
    assert t.loc["random", "best_acc_mean"] == pytest.approx(0.75)
    assert t.loc["random", "best_acc_std"] == pytest.approx(math.sqrt(0.005))
    assert t.loc["random", "best_reward_mean"] == pytest.approx(0.65)
    assert t.loc["tpe", "best_acc_std"] == 0.0 and math.isnan(t.loc["tpe", "best_reward_mean"])
    assert "reference" not in t.index


def test_an_empty_run_among_several_is_noted_and_families_alone_are_enough(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "results.jsonl").write_text("")
    only_families = write_run(tmp_path / "fam", [row("f", 0.7, 10, family="resnet18")])
    result = analyze([only_families, tmp_path / "empty"], figures=True)
    assert result.notes == [f"{tmp_path / 'empty'}: no trials yet"]
    titles = [s.title for s in result.sections]
    assert "Reference families on the frontier" in titles and "Hypervolume" not in titles
