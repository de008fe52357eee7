import json
import subprocess
import sys

import pytest

from nasx.analysis import demo
from nasx.cli.main import main
from tests.helpers.analysis_rows import row, write_run


@pytest.fixture(scope="module")
def search_dir(tmp_path_factory):
    return demo.search_run(tmp_path_factory.mktemp("run") / "search", trials=24, failed=2)


def assert_fails(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert message in err
    return err


def test_normal_run_with_failed_trials(search_dir, capsys):
    assert main(["analyze", str(search_dir)]) == 0
    out = capsys.readouterr().out
    assert "reference families against the frontier" in out and "efficientnet_b0" in out
    assert "hypervolume, reference point (accuracy 0, MACs" in out
    assert f"report: {search_dir / 'report.html'}" in out
    assert (search_dir / "report.md").is_file() and (search_dir / "figures" / "frontier_macs.png").is_file()
    page = (search_dir / "report.html").read_text()
    assert "failed trials" in page and "loss is nan" in page


def test_several_runs_write_a_comparison(tmp_path, capsys):
    runs = [
        demo.search_run(tmp_path / f"seed{s}", seed=s, searcher=name, trials=12, failed=1)
        for s, name in ((0, "random"), (1, "random"), (2, "evolution"))
    ]
    assert main(["analyze", *map(str, runs), "--no-figures"]) == 0
    out = capsys.readouterr().out
    assert "random" in out and "evolution" in out
    report = runs[0] / "comparison" / "report.html"
    assert report.is_file() and not list((runs[0] / "comparison" / "figures").glob("*.png"))
    assert main(["analyze", *map(str, runs), "--out", str(tmp_path / "cmp"), "--quiet"]) == 0
    assert (tmp_path / "cmp" / "report.html").is_file()


def test_run_in_progress_with_a_torn_last_line(tmp_path, capsys):
    run = write_run(tmp_path / "live", [row("a", 0.7, 10**6), row("b", 0.8, 2 * 10**6)])
    with open(run / "results.jsonl", "a") as f:
        f.write('{"trial_id": "c", "stat')
    log = (run / "results.jsonl").read_bytes()
    assert main(["analyze", str(run), "--quiet"]) == 0
    # it read the two whole rows and skipped the torn one ("c"), which it leaves to the writer
    assert "| live | 2 | 2 | 0 | 0 | 0.8000 |" in (run / "report.md").read_text()
    assert [line.split(",")[0] for line in (run / "results.csv").read_text().splitlines()[1:]] == ["a", "b"]
    assert (run / "results.jsonl").read_bytes() == log


def test_empty_run(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "results.jsonl").write_text("")
    assert_fails(capsys, ["analyze", str(tmp_path / "empty")], "no trials yet")
    assert_fails(capsys, ["analyze", str(tmp_path)], "no results table")


def test_only_failed_trials(tmp_path, capsys):
    run = write_run(tmp_path / "bad", [row("a", status="failed"), row("b", status="failed")])
    assert_fails(capsys, ["analyze", str(run)], "no finished trial with an accuracy and MACs to analyse (2 failed)")


def test_missing_dir(tmp_path, capsys):
    assert_fails(capsys, ["analyze", str(tmp_path / "nope")], "run directory not found")


def test_corrupted_results(tmp_path, capsys):
    (tmp_path / "results.parquet").write_bytes(b"PAR1 not really")
    assert_fails(capsys, ["analyze", str(tmp_path)], "not a readable Parquet file")
    log = tmp_path / "log"
    log.mkdir()
    (log / "results.jsonl").write_text("garbage\n" + json.dumps(row("a", 0.7, 10)) + "\n")
    assert_fails(capsys, ["analyze", str(log)], "line 1 is not a JSON object")


def test_command_line_entry_point_has_no_traceback(tmp_path):
    (tmp_path / "results.parquet").write_bytes(b"broken")
    done = subprocess.run([sys.executable, "-m", "nasx", "analyze", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.startswith("nasx analyze: error: ") and done.stderr.count("\n") == 1


def test_a_damaged_view_is_one_warning_line_on_stdout(tmp_path, capsys):
    """results.csv changed behind nasx's back: `nasx analyze` says so in one warning line, on stdout (where nasx's
    warnings and progress lines go), reads the rows from the log and succeeds; stderr stays empty."""
    run = write_run(tmp_path / "run", [row("a", 0.7, 10**6), row("b", 0.8, 2 * 10**6)])
    csv = run / "results.csv"
    csv.write_bytes(csv.read_bytes() + b"\n")
    assert main(["analyze", str(run), "--no-figures", "--quiet", "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    damaged = [line for line in captured.out.splitlines() if ": damaged (" in line]
    assert damaged == [
        f"warning: {csv}: damaged (it is not the CSV written with results.parquet); not trusted: its rows are read "
        "from results.jsonl, and the view is rebuilt from it at the next compaction"
    ]
