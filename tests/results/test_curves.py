"""Learning curves: rows from the training loop's history, appended before the trial's results row,
readable after a crash, the last curve of a trial kept; TensorBoard event files holding the same scalars."""

import math
import struct
from pathlib import Path

import pandas as pd
import pytest

from nasx import results
from nasx.build import build_model
from nasx.cli.main import main
from nasx.data import DataSpec
from nasx.families import get as family
from nasx.generators.proxy import proxy
from nasx.results import curves
from nasx.results import tensorboard_events as tb
from nasx.search.ledger import Ledger
from nasx.train.loop import train_and_eval
from nasx.train.spec import TrainSpec
from tests.helpers.search_setups import tiny_setup


@pytest.fixture(scope="module")
def history():
    """A real training run of 3 epochs with validation every 2nd epoch (and at the end)."""
    data = DataSpec(resolution=8).load()
    spec = proxy(family("mobilenet_v2"), resolution=8, num_classes=data.num_classes, width_mult=0.125, depth_mult=0.25)
    metrics = train_and_eval(build_model(spec), data, TrainSpec(epochs=3, batch_size=256, eval_every=2, threads=1))
    return metrics.history


def _row(trial_id, **kw):
    r = results.empty_row()
    r.update({"trial_id": trial_id, "status": "ok", "arch": "x", "stage": "search", "seed": 0, **kw})
    return r


def test_curve_rows_follow_the_history(history):
    rows = curves.curve_rows(_row("s0001", stage="confirm", rung="epochs=3", seed=2), history)
    assert [r["epoch"] for r in rows] == [1, 2, 3]
    assert [h["evaluated"] for h in history] == [False, True, True]
    assert math.isnan(rows[0]["val/top1"])  # not measured after epoch 1
    for r, h in zip(rows, history):
        assert (r["trial_id"], r["stage"], r["rung"], r["seed"]) == ("s0001", "confirm", "epochs=3", 2)
        assert (r["step"], r["lr"], r["train/loss"], r["wall_s"]) == (h["step"], h["lr"], h["train/loss"], h["wall_s"])
    assert [r["val/top1"] for r in rows[1:]] == [h["val/top1"] for h in history[1:]]
    assert set(rows[0]) == set(curves.COLUMNS)
    assert curves.curve_rows(_row("s0002"), None) == [] and curves.curve_rows(_row("s0002"), []) == []


class _Driver(Ledger):
    def total_trials(self) -> int:
        return 10


def test_the_driver_appends_the_curve_before_the_row(tmp_path, history):
    seen = []

    class Sink:
        name = "probe"

        def record(self, row, curve):
            seen.append(
                (
                    row["trial_id"],
                    len(curve),
                    (tmp_path / curves.LOG).is_file(),
                    row["trial_id"] in set(results.load(tmp_path)["trial_id"]),
                )
            )

    driver = _Driver(tiny_setup(tmp_path), results.empty_frame(), out=lambda line: None)
    driver.sinks = [Sink()]
    driver.record(_row("s0001"), history)
    driver.record(_row("s0002"), None)  # e.g. a candidate rejected at proxy scale: no curve
    assert seen == [("s0001", 3, True, True), ("s0002", 0, True, True)]
    frame = curves.load(tmp_path)
    assert list(frame["trial_id"]) == ["s0001"] * 3 and list(frame["epoch"]) == [1, 2, 3]
    assert frame["train/loss"].tolist() == [h["train/loss"] for h in history]


def test_a_torn_tail_is_skipped_and_a_trial_trained_again_keeps_its_last_curve(tmp_path, history):
    first = curves.curve_rows(_row("s0001"), history)
    curves.append(tmp_path, first)
    curves.append(tmp_path, curves.curve_rows(_row("s0002"), history[:2]))
    again = [{**r, "train/loss": r["train/loss"] + 1} for r in first]  # s0001 trained again after a crash
    curves.append(tmp_path, again)
    curves.append(tmp_path, again)  # twice in a row: the second run is the one kept
    with open(tmp_path / curves.LOG, "ab") as f:
        f.write(b'{"trial_id": "s0003", "epo')  # killed mid-write
    frame = curves.load(tmp_path)
    assert sorted(zip(frame["trial_id"], frame["epoch"])) == [
        ("s0001", 1),
        ("s0001", 2),
        ("s0001", 3),
        ("s0002", 1),
        ("s0002", 2),
    ]
    s1 = frame[frame["trial_id"] == "s0001"]
    assert s1["train/loss"].tolist() == [r["train/loss"] for r in again]
    curves.repair_tail(tmp_path)  # what a resumed driver does first
    assert (tmp_path / curves.LOG).read_bytes().endswith(b"\n")
    curves.append(tmp_path, curves.curve_rows(_row("s0004"), history[:1]))
    results.append(tmp_path, _row("s0001"))
    results.store.write_views(tmp_path)
    view = pd.read_parquet(tmp_path / curves.PARQUET)
    assert len(view) == 6 and set(view["trial_id"]) == {"s0001", "s0002", "s0004"}


def _events(directory: Path) -> list:
    """Every Event of the event files in `directory`, read from the TFRecord framing with the protobuf
    classes (tensorboard's reader when installed, else tensorboardX's protos)."""
    try:
        from tensorboard.compat.proto.event_pb2 import Event
    except ImportError:
        from tensorboardX.proto.event_pb2 import Event
    events = []
    for path in sorted(directory.glob("events.out.tfevents.*")):
        raw = path.read_bytes()
        at = 0
        while at < len(raw):
            (length,) = struct.unpack("<Q", raw[at : at + 8])
            events.append(Event.FromString(raw[at + 12 : at + 12 + length]))
            at += 12 + length + 4
    return events


def _scalars(directory: Path) -> dict:
    out = {}
    for e in _events(directory):
        for v in e.summary.value:
            if v.HasField("simple_value"):
                out.setdefault(v.tag, []).append((e.step, v.simple_value, e.wall_time))
    return out


def test_tensorboard_event_files_hold_the_curve(tmp_path, history):
    row = _row(
        "ref-vgg11@s1", **{"test/top1": 0.625, "reward": 0.5, "finished_at": 1.7e9, "wall_s": 10.0, "full_arch": "full"}
    )
    curve = curves.curve_rows(row, history)
    board = tb.TensorBoard(tmp_path / tb.DIR)
    assert board.record(row, curve)
    assert not board.record(row, curve)  # written once
    scalars = _scalars(tmp_path / tb.DIR / "ref-vgg11@s1")
    assert [(s, pytest.approx(v, rel=1e-6)) for s, v, _ in scalars["train/loss"]] == [
        (h["epoch"], h["train/loss"]) for h in history
    ]
    assert [s for s, _, _ in scalars["val/top1"]] == [2, 3]  # the epochs it was measured
    assert [v for _, v, _ in scalars["val/top1"]] == pytest.approx([h["val/top1"] for h in history[1:]], rel=1e-6)
    assert [s for s, _, _ in scalars["lr"]] == [1, 2, 3]
    assert scalars["test/top1"] == [(3, 0.625, pytest.approx(1.7e9))]
    assert [w for _, _, w in scalars["train/loss"]] == pytest.approx([1.7e9 - 10.0 + h["wall_s"] for h in history])
    assert not list((tmp_path / tb.DIR).glob(".*"))  # no temporary directory left


def test_tensorboard_sync_writes_what_is_missing(tmp_path, history):
    for i in range(2):
        curves.append(tmp_path, curves.curve_rows(_row(f"s{i}"), history))
        results.append(tmp_path, {**_row(f"s{i}"), "order": i})
    board = tb.TensorBoard(tmp_path / tb.DIR)
    assert board.sync(results.load(tmp_path), curves.load(tmp_path)) == 2
    assert board.sync(results.load(tmp_path), curves.load(tmp_path)) == 0
    assert sorted(p.name for p in (tmp_path / tb.DIR).iterdir()) == ["s0", "s1"]


def test_neither_tensorboard_package_is_one_line_exit_2(tmp_path, monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name in ("tensorboard", "tensorboardX") else real(name, *a),
    )
    monkeypatch.setattr("nasx.ray.session.connect", lambda *args: pytest.fail("Ray was started"))
    code = main(["search", "smoke=true", "logging.tensorboard=true", f"run_dir={tmp_path / 'run'}"])
    err = capsys.readouterr().err
    assert code == 2 and err == (
        "nasx search: error: logging.tensorboard=true: neither tensorboard nor tensorboardX "
        "is installed (pip install tensorboard)\n"
    )
    assert not (tmp_path / "run").exists()


def test_a_journal_that_cannot_be_written_stops_the_search_before_ray(tmp_path, monkeypatch, capsys):
    (tmp_path / "run" / "optuna.log").mkdir(parents=True)  # not a file
    monkeypatch.setattr("nasx.ray.session.connect", lambda *args: pytest.fail("Ray was started"))
    code = main(["search", "smoke=true", f"run_dir={tmp_path / 'run'}"])
    err = capsys.readouterr().err
    assert code == 2 and err == (
        f"nasx search: error: cannot write the Optuna journal {tmp_path / 'run' / 'optuna.log'}: Is a directory\n"
    )
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["optuna.log", "writer.lock"]
