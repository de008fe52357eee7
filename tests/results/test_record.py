"""A run directory's record set: which paths belong to a run, `--out` checks, writing under the run's lock."""

import pytest

from nasx.results import record
from nasx.results.lock import writer_lock


def _run(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "results.jsonl").write_text("")
    return run


def test_the_record_set_names_every_file_of_a_run(tmp_path):
    run = _run(tmp_path)
    for name in ("results.jsonl", "curves.jsonl", "config.yaml", "overrides.yaml", "writer.lock", "optuna.log"):
        assert record.record_name(run / name) == name
    assert record.record_name(run / "results.parts" / "part-x.parquet") == "results.parts"
    assert record.record_name(run / "weights" / "s0001.pt") == "weights"
    assert record.record_name(run / "results.jsonl.torn-20250101-000000") == "results.jsonl.torn-20250101-000000"
    assert record.record_name(run / "report.md") is None  # a report is not the record
    assert record.record_name(tmp_path / "results.jsonl") is None  # not in a run directory
    assert record.run_dir_of(run / "exported" / "best") == run and record.run_dir_of(tmp_path / "x") is None


def test_out_onto_a_record_file_is_refused_even_with_force(tmp_path):
    run = _run(tmp_path)
    with pytest.raises(ValueError, match=r"results\.jsonl belongs to the record of the run in .*run; nasx never"):
        record.check_out(run / "results.jsonl", force=True)
    (tmp_path / "mine.log").write_text("x")
    with pytest.raises(ValueError, match=r"mine\.log: the file exists; add --force to replace it$"):
        record.check_out(tmp_path / "mine.log", force=False)
    record.check_out(tmp_path / "mine.log", force=True)
    record.check_out(tmp_path / "new.log", force=False)


def test_writing_inside_a_run_holds_its_lock(tmp_path):
    run = _run(tmp_path)
    with record.holding(run / "journal.log") as held:
        assert held == run.absolute()
        with pytest.raises(ValueError, match="in use by pid"):
            with writer_lock(run):
                pass
    with record.holding(tmp_path / "elsewhere.log") as held:
        assert held is None
