"""The report's learning curves: the best searched trials, the families over their seeds, the confirmed
networks, drawn from the run's curves."""

import math

import pytest

from nasx.analysis import analyze, learning_curves, report
from nasx.results import curves
from tests.helpers.analysis_rows import row, table, write_run


def _curve(trial_id, accs, stage="search", seed=0):
    return [
        {
            "trial_id": trial_id,
            "stage": stage,
            "rung": "",
            "seed": seed,
            "epoch": e,
            "step": 10 * e,
            "lr": 0.1,
            "train/loss": 2.0 / e,
            "val/top1": a,
            "wall_s": float(e),
        }
        for e, a in enumerate(accs, 1)
    ]


CURVES = {
    "s0000": [0.2, 0.4, 0.5],
    "s0001": [0.3, 0.6, 0.7],
    "s0002": [0.1, 0.2, 0.3],
    "ref-vgg11": [0.2, 0.5, 0.6],
    "ref-vgg11@s1": [0.4, math.nan, 0.8],
    "confirm-s0001": [0.5, 0.7, 0.8],
    "confirm-s0001@s1": [0.3, 0.7, 0.9],
}


@pytest.fixture
def run_dir(tmp_path):
    rows = [
        row("s0000", 0.5, 1000, reward=0.5),
        row("s0001", 0.7, 2000, reward=0.71),
        row("s0002", 0.3, 500, reward=0.3),
        row("s0003", None, 700, status="failed"),
        row("ref-vgg11", 0.6, 3000, family="vgg11", reward=0.58, seed=0, arch="arch_vgg11"),
        row("ref-vgg11@s1", 0.8, 3000, family="vgg11", reward=0.78, seed=1, arch="arch_vgg11"),
        row("confirm-s0001", 0.8, 2000, reward=0.8, stage="confirm", seed=0, arch="arch_s0001"),
        row("confirm-s0001@s1", 0.9, 2000, reward=0.9, stage="confirm", seed=1, arch="arch_s0001"),
    ]
    for r in rows:
        r["arch_key"] = r["arch"]
    for trial_id, accs in CURVES.items():
        stage = "confirm" if trial_id.startswith("confirm") else "search"
        curves.append(tmp_path / "run", _curve(trial_id, accs, stage))
    return write_run(tmp_path / "run", rows)


def _lines(figure):
    return {
        ax.get_title(): {line.get_label(): (list(line.get_xdata()), list(line.get_ydata())) for line in ax.get_lines()}
        for ax in figure.axes
    }


def test_learning_curves_section_and_figure(run_dir):
    result = analyze.analyze([run_dir], top=2)
    section = next(s for s in result.sections if s.title == "Learning curves")
    assert "(7 trials have one)" in section.notes[0] and "the 2 best searched trials" in section.notes[0]
    table = section.tables[0][1]
    assert list(table["curve"]) == ["#1 s0001", "#2 s0000", "vgg11", "s0001"]
    assert list(table["trials"]) == [1, 1, 2, 2]
    name, figure, _ = section.figures[0]
    assert name == "learning_curves"
    panels = _lines(figure)
    search = panels["search stage: best trials (one seed each) and reference families"]
    assert search["#1 s0001"] == ([1, 2, 3], CURVES["s0001"])
    assert search["#2 s0000"] == ([1, 2, 3], CURVES["s0000"])
    x, y = search["vgg11 (mean of 2 trials)"]  # mean over the two seeds where measured; epoch 2 has one value
    assert x == [1, 2, 3] and y == pytest.approx([0.3, 0.5, 0.7])
    assert "s0002" not in " ".join(search)  # not in the top 2
    confirm = panels["confirmation stage: each network's mean over its seeds"]
    assert confirm["s0001 (mean of 2 trials)"][1] == pytest.approx([0.4, 0.7, 0.85])
    paths = report.write(result, run_dir)
    assert (run_dir / "figures" / "learning_curves.png").stat().st_size > 1000
    assert "Learning curves" in paths["html"].read_text() and "learning_curves.png" in paths["md"].read_text()


def test_a_run_without_curves_has_no_such_section(tmp_path):
    run = write_run(tmp_path / "run", [row("s0000", 0.5, 1000, reward=0.5), row("s0001", 0.6, 900, reward=0.6)])
    assert all(s.title != "Learning curves" for s in analyze.analyze([run]).sections)


def test_a_damaged_curves_log_is_a_note_not_a_failed_report(run_dir):
    with open(run_dir / curves.LOG, "ab") as f:
        f.write(b"not json\n{}\n")
    section = next(s for s in analyze.analyze([run_dir]).sections if s.title == "Learning curves")
    line = sum(len(accs) for accs in CURVES.values()) + 1
    assert section.notes == [f"not shown: {run_dir / curves.LOG}: line {line} is not a JSON object"]
    assert not section.figures


def test_curves_of_fidelity_rows_only_make_no_table(tmp_path):
    rows = [
        row(f"f{i}", 0.5, 1000, reward=0.5, stage="fidelity", rung="epochs=3", seed=0, arch=f"a{i}") for i in range(2)
    ]
    for r in rows:
        curves.append(tmp_path / "run", _curve(r["trial_id"], [0.2, 0.3, 0.5], "fidelity"))
    frame = table(tmp_path / "run", rows)
    curve_frame = learning_curves.load_curves([tmp_path / "run"])
    assert len(curve_frame) == 6 and learning_curves.curves_table(frame, curve_frame).empty
