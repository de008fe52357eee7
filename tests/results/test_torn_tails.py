"""Torn log tails: cut away, kept, skipped by readers; views never torn."""

import io
import json
import os
import threading

import pandas as pd
import pytest

from nasx import results
from nasx.results import store
from tests.helpers.paths import ROOT

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _row(trial_id, **kw):
    return {**results.empty_row(), "trial_id": trial_id, "status": "ok", **kw}


# --- torn tails -----------------------------------------------------------------------------------


def test_repair_cuts_a_torn_tail_keeps_the_fragment_and_says_so(tmp_path):
    results.append(tmp_path, _row("a"))
    good = (tmp_path / store.LOG).read_bytes()
    with open(tmp_path / store.LOG, "ab") as f:
        f.write(b'{"trial_id": "b", "sta')
    message = store.repair_tail(tmp_path)
    assert (tmp_path / store.LOG).read_bytes() == good
    kept = list(tmp_path.glob(store.TORN + "*"))
    assert len(kept) == 1 and kept[0].read_bytes() == b'{"trial_id": "b", "sta'
    assert message.count("\n") == 0 and "removed an incomplete last line of 22 bytes" in message
    assert kept[0].name in message
    assert store.repair_tail(tmp_path) is None  # a clean log is left alone


def test_a_whole_last_row_missing_only_its_newline_is_kept(tmp_path):
    results.append(tmp_path, _row("a"))
    with open(tmp_path / store.LOG, "a") as f:
        f.write(json.dumps(_row("b")))
    assert store.repair_tail(tmp_path) is None
    assert results.load(tmp_path)["trial_id"].tolist() == ["a", "b"]
    assert not list(tmp_path.glob(store.TORN + "*"))


def test_every_append_starts_on_a_fresh_line(tmp_path):
    results.append(tmp_path, _row("a"))
    with open(tmp_path / store.LOG, "a") as f:
        f.write('{"trial_id": "torn')
    results.append(tmp_path, _row("c"), refresh_views=False)
    lines = (tmp_path / store.LOG).read_text().splitlines()
    assert len(lines) == 3 and lines[1] == '{"trial_id": "torn' and json.loads(lines[2])["trial_id"] == "c"
    with pytest.raises(ValueError, match=r"results\.jsonl: line 2 is not a JSON object"):
        results.load(tmp_path)  # the fragment is not glued to the row: it is named, the row survives


def test_analyze_skips_a_torn_last_line_without_changing_the_file(tmp_path):
    results.append(tmp_path, _row("a"))
    with open(tmp_path / store.LOG, "a") as f:
        f.write('{"trial_id": "b"')
    before = (tmp_path / store.LOG).read_bytes()
    assert results.load(tmp_path)["trial_id"].tolist() == ["a"]
    assert (tmp_path / store.LOG).read_bytes() == before


def test_a_reader_never_sees_a_torn_view(tmp_path):
    results.append(tmp_path, _row("r0"))
    store.write_views(tmp_path)
    stop, seen, errors = threading.Event(), [], []

    def read():
        while not stop.is_set():
            try:
                # one open of a view sees one whole version of it (pyarrow given a path may reopen it)
                seen.append(len(pd.read_parquet(io.BytesIO((tmp_path / store.PARQUET).read_bytes()))))
                seen.append(len(pd.read_csv(tmp_path / store.CSV)))
                seen.append(len(results.load(tmp_path)))
            except Exception as exc:  # noqa: BLE001 - any failure to read is what this test looks for
                errors.append(repr(exc))

    reader = threading.Thread(target=read)
    reader.start()
    for i in range(1, 40):
        results.append(tmp_path, _row(f"r{i}"))
        if i % 3 == 0:
            store.write_views(tmp_path)  # the compacted table and CSV, replaced while the reader reads them
    stop.set()
    reader.join()
    assert errors == [] and len(seen) > 10 and max(seen) <= 40
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))
