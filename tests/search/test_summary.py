"""What a search prints when it ends, for a Pareto search in three objectives."""

from nasx.reward import preset
from nasx.search.summary import summary
from tests.helpers.analysis_rows import frame, row
from tests.helpers.search_setups import tiny_setup

M = 1_000_000


def test_a_three_objective_search_prints_its_front_in_all_three(tmp_path):
    # (val/top1, MACs, latency_ms): a and b trade accuracy for MACs; c is dominated in all three by b;
    # d is the least accurate and costs the most MACs, yet the fastest: on the three-way front only;
    # e lacks a latency: not on it, and said.
    rows = frame(
        [
            row("a", 0.70, 10 * M, latency_ms=2.0, full_macs=100 * M),
            row("b", 0.80, 40 * M, latency_ms=1.0, full_macs=100 * M),
            row("c", 0.75, 50 * M, latency_ms=3.0, full_macs=100 * M),
            row("d", 0.60, 90 * M, latency_ms=0.5, full_macs=100 * M),
            row("e", 0.95, 5 * M, full_macs=100 * M),
        ]
    )
    setup = tiny_setup(tmp_path, objective=preset("multi", scale="proxy", metrics=("macs", "latency_ms")))
    lines = summary(rows, setup)
    assert "Pareto set in 3 objectives (val/top1 (max), macs (min), latency_ms (min)): b, a, d" in lines
    assert "  1 finished searched networks lack a cost (macs, latency_ms): not on that set" in lines
    assert not any(line.startswith("Pareto set in") for line in summary(rows, tiny_setup(tmp_path)))
