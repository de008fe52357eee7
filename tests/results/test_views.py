"""The incremental Parquet views equal a full rebuild from the log after any interleaving of appends,
view updates, compactions and crashes between them."""

import json
import os
import random

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from nasx import results
from nasx.results import store, views


def _row(i: int, rng: random.Random) -> dict:
    row = results.empty_row()
    status = rng.choice(["ok", "ok", "ok", "failed", "pruned"])
    row.update(
        trial_id=f"t{i:05d}",
        order=i,
        status=status,
        arch=f"res16_cls10|stem:cn_r1_k3_s1_c{8 + i}|head:",
        stage=rng.choice(["search", "confirm", None]),
        seed=rng.randrange(3),
        macs=rng.randrange(1, 10**9),
        **{"val/top1": rng.random() if status == "ok" else None, "error": "" if status == "ok" else "loss is nan"},
    )
    return row


def full_rebuild(run_dir) -> pd.DataFrame:
    return store.read_log(run_dir / store.LOG)


def check(run_dir) -> None:
    assert_frame_equal(results.load(run_dir), full_rebuild(run_dir))


@pytest.mark.parametrize("seed", range(6))
def test_views_equal_a_full_rebuild_after_any_interleaving(tmp_path, seed):
    rng = random.Random(seed)
    log = tmp_path / store.LOG
    i = 0
    for _ in range(60):
        action = rng.random()
        if action < 0.55:
            store.append(tmp_path, _row(i, rng), refresh_views=False)
            i += 1
        elif action < 0.75:
            views.refresh(
                tmp_path,
                lambda raw, start: store.parse_rows(raw, log, start),
                store.typed_frame,
                every_rows=rng.choice([1, 3, 10]),
                every_s=3600,
                force=rng.random() < 0.3,
            )
        elif action < 0.82:
            store.write_views(tmp_path)
        elif action < 0.9 and log.exists():  # a crash inside an append: half a line, then resume repairs it
            line = json.dumps(_row(i, rng))
            with open(log, "a") as f:
                f.write(line[: rng.randrange(1, len(line))])
            check(tmp_path)
            store.repair_tail(tmp_path)
        elif action < 0.95:  # a crash while writing a part or the compacted table: a temporary file left
            (tmp_path / views.PARTS).mkdir(exist_ok=True)
            (tmp_path / views.PARTS / f".part-{rng.randrange(10**6):012d}-0.parquet.{os.getpid()}.tmp").write_bytes(
                b"x"
            )
            (tmp_path / f".results.parquet.{os.getpid()}.tmp").write_bytes(b"half")
        if log.exists() and rng.random() < 0.3:
            check(tmp_path)
    store.write_views(tmp_path)
    check(tmp_path)
    assert len(results.load(tmp_path)) == i
    assert pd.read_csv(tmp_path / store.CSV)["trial_id"].tolist() == [f"t{k:05d}" for k in range(i)]
    assert (
        not any(p.suffix == ".parquet" for p in (tmp_path / views.PARTS).iterdir())
        if (tmp_path / views.PARTS).exists()
        else True
    )


def test_a_part_per_batch_of_rows_and_compaction_folds_them(tmp_path):
    rng = random.Random(0)
    log = tmp_path / store.LOG
    for i in range(25):
        store.append(tmp_path, _row(i, rng), refresh_views=False)
        views.refresh(
            tmp_path,
            lambda raw, start: store.parse_rows(raw, log, start),
            store.typed_frame,
            every_rows=10,
            every_s=3600,
        )
    parts = sorted(p.name for p in (tmp_path / views.PARTS).iterdir())
    assert len(parts) == 3  # row 0 (no part yet: written at once), rows 1-10, 11-20; 21-24 are in the log only
    main, chain, covered = views.chain(tmp_path, log.stat().st_size)
    assert not main and len(chain) == 3 and covered < log.stat().st_size
    assert [len(pd.read_parquet(p)) for p in chain] == [1, 10, 10]
    assert not (tmp_path / store.CSV).exists()  # written whole, by the compaction
    store.write_views(tmp_path)
    assert list((tmp_path / views.PARTS).iterdir()) == []
    main, chain, covered = views.chain(tmp_path, log.stat().st_size)
    assert main and chain == [] and covered == log.stat().st_size
    check(tmp_path)


def test_old_run_directories_read_as_before(tmp_path):
    rng = random.Random(1)
    rows = [_row(i, rng) for i in range(5)]
    (tmp_path / store.LOG).write_text("".join(json.dumps(r) + "\n" for r in rows))
    full_rebuild(tmp_path).iloc[:3].to_parquet(tmp_path / store.PARQUET, index=False)  # a view with no offsets
    check(tmp_path)
    assert len(results.load(tmp_path)) == 5


def test_a_replaced_log_is_read_from_the_log_not_from_stale_views(tmp_path):
    rng = random.Random(2)
    for i in range(6):
        store.append(tmp_path, _row(i, rng), refresh_views=False)
    store.write_views(tmp_path)
    log = tmp_path / store.LOG
    text = log.read_text().replace("t00005", "t99999")  # same length, different rows
    log.write_text(text)
    assert results.load(tmp_path)["trial_id"].iloc[-1] == "t99999"
    check(tmp_path)


def _finished_run(tmp_path, rows: int = 6):
    rng = random.Random(3)
    for i in range(rows):
        store.append(tmp_path, _row(i, rng), refresh_views=False)
    store.write_views(tmp_path)
    return results.load(tmp_path)


def _flip(path, bit: int) -> bytes:
    raw = path.read_bytes()
    flipped = bytearray(raw)
    flipped[bit // 8] ^= 1 << (bit % 8)
    path.write_bytes(bytes(flipped))
    return raw


def test_a_view_records_the_log_range_and_digest_it_was_built_from(tmp_path):
    import hashlib

    import pyarrow.parquet as pq

    _finished_run(tmp_path, rows=4)
    raw = (tmp_path / store.LOG).read_bytes()
    meta = pq.read_schema(tmp_path / store.PARQUET).metadata
    assert meta[views.OFFSET_KEY] == f"0-{len(raw)}".encode() and meta[views.ROWS_KEY] == b"4"
    assert meta[views.LOG_SHA_KEY].decode() == hashlib.sha256(raw).hexdigest()
    assert meta[views.CSV_KEY].decode() == hashlib.sha256((tmp_path / store.CSV).read_bytes()).hexdigest()
    # Parquet's page checksums are written: a reader that verifies them reads the file
    pq.read_table(tmp_path / store.PARQUET, page_checksum_verification=True)


@pytest.mark.parametrize("every", [1999])
def test_a_flipped_bit_in_results_parquet_is_never_trusted(tmp_path, caplog, every):
    original = _finished_run(tmp_path)
    view = tmp_path / store.PARQUET
    log = tmp_path / store.LOG
    bits = len(view.read_bytes()) * 8
    distrusted = 0
    for bit in range(5, bits, every):
        views._said.clear()
        caplog.clear()
        raw = _flip(view, bit)
        try:
            # with the log: the exact rows, from the view or (with one warning line) from the log
            assert_frame_equal(results.load(tmp_path), original)
            warned = [r for r in caplog.records if r.levelname == "WARNING" and "damaged" in r.getMessage()]
            try:
                views.read_sealed(view)
                sound = True
            except views.Damaged:
                sound = False
            assert len(warned) == (0 if sound else 1), bit
            distrusted += not sound
            # without the log: the exact rows, or a one-line error; never other values
            log.rename(tmp_path / "aside")
            try:
                assert_frame_equal(results.load(tmp_path), original)
            except ValueError as exc:
                assert "\n" not in str(exc) and str(exc).startswith(f"{view}: ")
            (tmp_path / "aside").rename(log)
        finally:
            view.write_bytes(raw)
    # the others fell on bytes that decode to the same rows (statistics, padding): read back exactly, as asserted
    assert distrusted > len(range(5, bits, every)) // 2


def test_a_damaged_part_is_read_from_the_log(tmp_path, caplog):
    rng = random.Random(4)
    log = tmp_path / store.LOG
    for i in range(5):
        store.append(tmp_path, _row(i, rng), refresh_views=False)
        views.refresh(tmp_path, lambda raw, start: store.parse_rows(raw, log, start), store.typed_frame, force=True)
    import pyarrow as pa
    import pyarrow.parquet as pq

    part = sorted((tmp_path / views.PARTS).iterdir())[2]
    table = pq.read_table(part)  # the same metadata, seal included, over another value: a well-formed lie
    column = table.schema.get_field_index("trial_id")
    table = table.set_column(column, "trial_id", pa.array(["t99999"], pa.string()))
    pq.write_table(table, part)
    check(tmp_path)
    assert any(f"{part}: damaged (" in r.getMessage() for r in caplog.records)


def test_a_log_shorter_than_its_view_is_damage_and_both_files_are_kept(tmp_path):
    _finished_run(tmp_path, rows=5)
    log = tmp_path / store.LOG
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[:3]))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    with pytest.raises(views.LogShorterThanView) as caught:
        results.load(tmp_path)
    message = str(caught.value)
    assert "\n" not in message and "(3 rows), but results.parquet was built from" in message and "(5 rows)" in message
    assert not store.compact_if_idle(tmp_path)  # never shrunk to match
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file() and p.name != "writer.lock"}
    assert after == before


def test_a_changed_results_csv_is_said_and_rewritten_by_the_next_compaction(tmp_path, caplog):
    _finished_run(tmp_path, rows=3)
    csv = tmp_path / store.CSV
    good = csv.read_bytes()
    csv.write_bytes(good.replace(b"t00001", b"t00009"))
    results.load(tmp_path)
    assert any(
        f"{csv}: damaged (it is not the CSV written with results.parquet)" in r.getMessage() for r in caplog.records
    )
    store.write_views(tmp_path)
    assert csv.read_bytes() == good


def test_curves_parquet_is_sealed_and_verified_without_its_log(tmp_path):
    from nasx.results import curves

    rows = [{"trial_id": "a", "epoch": e, "step": e, "lr": 0.1, "train/loss": 1.0 / e, "val/top1": 0.5} for e in (1, 2)]
    curves.append(tmp_path, rows)
    curves.write_view(tmp_path)
    original = curves.load(tmp_path)
    (tmp_path / curves.LOG).unlink()
    assert_frame_equal(curves.load(tmp_path), original)
    view = tmp_path / curves.PARQUET
    raw = view.read_bytes()
    for bit in range(3, len(raw) * 8, 1009):
        _flip(view, bit)
        try:
            assert_frame_equal(curves.load(tmp_path), original)
        except ValueError as exc:
            assert str(exc).startswith(f"{view}: ") and "no curves.jsonl to rebuild it from" in str(exc)
        view.write_bytes(raw)


def test_the_damaged_view_warning_is_one_line_whatever_the_reason(tmp_path, caplog):
    path = tmp_path / "new\nline" / "results.parquet"
    views._distrust(path, "a reason\nover two lines")
    (message,) = [r.getMessage() for r in caplog.records if "damaged" in r.getMessage()]
    assert message == (
        f"{tmp_path}/new\\nline/results.parquet: damaged (a reason over two lines); not trusted: its rows are read "
        "from results.jsonl, and the view is rebuilt from it at the next compaction"
    )
