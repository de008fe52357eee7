import json

import pandas as pd
import pytest

from nasx import results


def _row(**kw):
    row = results.empty_row()
    row.update({"status": "ok", **kw})
    return row


def test_append_then_load_keeps_every_row_typed(tmp_path):
    results.append(tmp_path, _row(trial_id="a", macs=12_000_000, **{"val/top1": 0.75}))
    results.append(tmp_path, _row(trial_id="b", status="failed", error="loss is nan"))
    frame = results.load(tmp_path)
    assert list(frame["trial_id"]) == ["a", "b"]
    assert frame["macs"].iloc[0] == 12_000_000 and pd.isna(frame["macs"].iloc[1])
    assert frame["error"].iloc[1] == "loss is nan"
    assert list(frame.columns) == list(results.COLUMNS)
    results.store.write_views(tmp_path)  # the compaction at the end of a search
    parquet = pd.read_parquet(tmp_path / "results.parquet")
    assert parquet["trial_id"].tolist() == ["a", "b"]
    assert (tmp_path / "results.csv").read_text().count("\n") == 3


def test_torn_last_line_is_skipped_but_a_bad_middle_line_is_an_error(tmp_path):
    results.append(tmp_path, _row(trial_id="a"))
    with open(tmp_path / "results.jsonl", "a") as f:
        f.write('{"trial_id": "b", "sta')
    assert results.load(tmp_path)["trial_id"].tolist() == ["a"]
    with open(tmp_path / "results.jsonl", "a") as f:
        f.write("\n" + json.dumps(_row(trial_id="c")) + "\n")
    with pytest.raises(ValueError, match="line 2"):
        results.load(tmp_path)


def test_unknown_column_and_status_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown columns: accuracy"):
        results.append(tmp_path, _row(accuracy=1.0))
    with pytest.raises(ValueError, match="status"):
        results.append(tmp_path, _row(status="done"))


def test_missing_and_corrupted_tables(tmp_path):
    with pytest.raises(ValueError, match="run directory not found"):
        results.load(tmp_path / "nope")
    with pytest.raises(ValueError, match="no results table"):
        results.load(tmp_path)
    (tmp_path / "results.parquet").write_bytes(b"not parquet")
    with pytest.raises(ValueError, match="not a readable Parquet"):
        results.load(tmp_path)


def test_a_run_from_before_int8_loads_with_empty_int8_columns(tmp_path):
    (tmp_path / "results.jsonl").write_text(
        json.dumps({"trial_id": "a", "status": "ok", "arch": "x", "val/top1": 0.5, "order": 0}) + "\n"
    )
    frame = results.load(tmp_path)
    for column in ("int8/val/top1", "int8/test/top1", "int8/latency_ms", "int8/fp32_latency_ms"):
        assert frame[column].dtype == "float64" and frame[column].isna().all()
    assert frame["val/top1"].tolist() == [0.5]


def test_rows_written_before_the_retry_columns_load_with_them_null(tmp_path):
    row = {k: v for k, v in _row(trial_id="a", retries=None, redone_s=None).items() if k not in ("retries", "redone_s")}
    (tmp_path / results.store.LOG).write_text(json.dumps(row) + "\n")  # a row as an older nasx wrote it
    results.append(tmp_path, _row(trial_id="b", retries=1, redone_s=2.5))
    frame = results.load(tmp_path).set_index("trial_id")
    assert pd.isna(frame.loc["a", "retries"]) and pd.isna(frame.loc["a", "redone_s"])
    assert frame.loc["b", "retries"] == 1 and frame.loc["b", "redone_s"] == 2.5
    assert str(frame["retries"].dtype) == "Int64"
