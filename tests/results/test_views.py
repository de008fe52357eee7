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
