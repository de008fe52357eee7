"""`nasx confirm` and `nasx export` without Ray: the trial list, the protocol, and every bad input (one line on
stderr, exit 2, the run directory untouched)."""

import json
from pathlib import Path

import pytest
import yaml

import nasx
from nasx import results
from nasx.cli.compose import compose
from nasx.cli.confirm_cmd import confirm_setup
from nasx.cli.main import main
from nasx.search.confirm import confirm_configs
from nasx.search.rows import training_key

NETS = {"s0001": ("mobilenet_v2", 0.9), "s0002": ("mnasnet_a1", 0.8), "s0003": ("resnet18", 0.7)}


def _row(trial_id, full, acc, *, family="", status="ok", **kw):
    trained = nasx.proxy(full, resolution=8, num_classes=10, width_mult=0.25, depth_mult=0.5, stem_stride=1)
    r = results.empty_row()
    r.update(
        {
            "trial_id": trial_id,
            "status": status,
            "stage": "search",
            "family": family,
            "arch": nasx.encode(trained),
            "arch_key": trained.key(),
            "full_arch": nasx.encode(full),
            "choices": "{}",
            "val/top1": acc,
            "reward": acc,
            "macs": nasx.complexity(trained).macs,
            "seed": 0,
            "error": "" if status == "ok" else "nan",
        }
    )
    r.update(kw)
    return r


def make_run(run_dir: Path, *, statuses=("ok", "ok", "ok"), overrides=()) -> Path:
    cfg = compose(
        "search",
        [f"run_dir={run_dir}", "references=[efficientnet_b0]", "data.resolution=8", "train.epochs=3", *overrides],
    )
    run_dir.mkdir(parents=True)
    (run_dir / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    rows = [_row("ref-efficientnet_b0", nasx.families.get("efficientnet_b0"), 0.85, family="efficientnet_b0")]
    rows += [_row(tid, nasx.families.get(name), acc, status=s) for (tid, (name, acc)), s in zip(NETS.items(), statuses)]
    for i, r in enumerate(rows):
        r["order"] = i
        results.append(run_dir, r)
    return run_dir


def snapshot(run_dir: Path) -> dict:
    return {str(p.relative_to(run_dir)): p.read_bytes() for p in sorted(run_dir.rglob("*")) if p.is_file()}


def test_finalists_families_seeds_and_protocol(tmp_path):
    run_dir = make_run(tmp_path / "run")
    setup = confirm_setup(str(run_dir), ["top_k=2", "seeds=3", "train.lr=0.05"])
    configs = confirm_configs(setup, results.load(run_dir), out=lambda line: None)
    assert [c["trial_id"] for c in configs] == [
        "confirm-s0001",
        "confirm-s0001@s1",
        "confirm-s0001@s2",
        "confirm-s0002",
        "confirm-s0002@s1",
        "confirm-s0002@s2",
        "confirm-ref-efficientnet_b0",
        "confirm-ref-efficientnet_b0@s1",
        "confirm-ref-efficientnet_b0@s2",
    ]
    assert [c["seed"] for c in configs] == [0, 1, 2] * 3
    assert {c["stage"] for c in configs} == {"confirm"} and {c["rung"] for c in configs} == {"epochs=10"}
    assert configs[0]["train"] == {"epochs": 10, "lr": 0.05}  # conf/search.yaml's confirm.train plus the override
    frame = results.load(run_dir)
    assert configs[0]["arch"] == frame.set_index("trial_id").loc["s0001", "arch"]  # the network the search trained
    assert configs[0]["weights"] == str((run_dir / "weights" / "confirm-s0001.pt").resolve())
    assert configs[-1]["family"] == "efficientnet_b0"


def test_a_rerun_under_another_protocol_is_refused(tmp_path, capsys):
    run_dir = make_run(tmp_path / "run")
    setup = confirm_setup(str(run_dir), ["top_k=1", "seeds=1"])
    done = _row(
        "confirm-s0001",
        nasx.families.get("mobilenet_v2"),
        0.9,
        stage="confirm",
        config_hash=training_key(setup, train={"epochs": 10}, seed=0),
        order=4,
    )
    results.append(run_dir, done)
    assert len(confirm_configs(setup, results.load(run_dir))) == 2  # same protocol: resumes
    before = snapshot(run_dir)
    assert main(["confirm", str(run_dir), "top_k=1", "seeds=1", "train.epochs=20"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "under another confirmation protocol" in err
    assert snapshot(run_dir) == before


@pytest.mark.parametrize(
    "statuses, argv, message",
    [
        (("failed", "failed", "failed"), [], "no finished (ok) searched trial to confirm (3 failed, 1 ok)"),
        (("ok", "ok", "failed"), ["top_k=3"], "top_k=3: {run} has only 2 finished searched networks"),
        (("ok", "ok", "ok"), ["seeds=0"], "confirm.seeds=0: must be an integer >= 1"),
        (("ok", "ok", "ok"), ["epochs=3"], "epochs: no such key"),
        (("ok", "ok", "ok"), ["train.epochs=0"], "train.epochs=0: must be an integer >= 1"),
    ],
)
def test_confirm_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, statuses, argv, message):
    run_dir = make_run(tmp_path / "run", statuses=statuses)
    before = snapshot(run_dir)
    assert main(["confirm", str(run_dir), *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message.format(run=run_dir) in err, err
    assert snapshot(run_dir) == before


def test_confirm_on_a_missing_run_dir(tmp_path, capsys):
    assert main(["confirm", str(tmp_path / "nope")]) == 2
    assert "not found" in capsys.readouterr().err


@pytest.mark.parametrize(
    "trial_id, message",
    [
        ("s0042", "no trial 's0042' (4 trials, e.g. ref-efficientnet_b0, s0001, s0002, s0003)"),
        ("s0003", "trial s0003 did not finish (status failed: nan)"),
    ],
)
def test_export_bad_trial_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, trial_id, message):
    run_dir = make_run(tmp_path / "run", statuses=("ok", "ok", "failed"))
    before = snapshot(run_dir)
    assert main(["export", str(run_dir), trial_id, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert snapshot(run_dir) == before and not (tmp_path / "out").exists()


def test_export_writes_the_network_as_data(tmp_path):
    run_dir = make_run(tmp_path / "run")
    assert main(["export", str(run_dir), "best", "--out", str(tmp_path / "out")]) == 0
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        "README.md",
        "arch.txt",
        "config.yaml",
        "provenance.json",
        "proxy_arch.txt",
        "proxy_spec.json",
        "row.json",
        "spec.json",
    ]
    full = nasx.decode((out / "arch.txt").read_text())
    assert full == nasx.families.get("mobilenet_v2")  # s0001, the best by reward, at full scale
    assert nasx.ArchSpec.from_dict(json.loads((out / "spec.json").read_text())) == full
    assert json.loads((out / "row.json").read_text())["trial_id"] == "s0001"
    assert 'nasx.build_model(nasx.decode(open("arch.txt").read()))' in (out / "README.md").read_text()
    assert main(["export", str(run_dir), "s0002", "--out", str(out)]) == 2  # not over an earlier export


def test_right_after_a_search_top_k_shrinks_to_what_finished(tmp_path):
    from nasx.search.confirm import with_available_top_k

    run_dir = make_run(tmp_path / "run", statuses=("ok", "failed", "ok"))
    lines = []
    setup = with_available_top_k(confirm_setup(str(run_dir), ["top_k=3"]), out=lines.append)
    assert setup.confirm.top_k == 2 and lines == [
        "confirm: only 2 finished searched networks; confirming those (top_k=3)"
    ]


@pytest.mark.slow
def test_confirm_quantize_int8_writes_the_int8_columns(tmp_path):
    """Two networks (the top searched one and the reference family), two seeds, one epoch at 8x8, run in this
    process; every confirm row has its INT8 scores, and the report's sensitivity table has both networks."""
    from nasx.analysis.quantization import sensitivity_table
    from nasx.search.confirm import run_confirm
    from nasx.search.inprocess import InProcess

    run_dir = make_run(tmp_path / "run")
    setup = confirm_setup(
        str(run_dir), ["top_k=1", "seeds=2", "train.epochs=1", "quantize=int8", "calibration_images=64"]
    )
    assert setup.confirm.quantize == "int8" and setup.confirm.calibration_images == 64
    run_confirm(setup, executor=InProcess(), out=lambda line: None)
    frame = results.load(run_dir)
    confirmed = frame[frame["stage"] == "confirm"]
    assert len(confirmed) == 4 and set(confirmed["status"]) == {"ok"}
    for column in ("int8/val/top1", "int8/test/top1"):
        assert confirmed[column].between(0.0, 1.0).all(), column
    assert (confirmed["int8/latency_ms"] > 0).all() and (confirmed["int8/fp32_latency_ms"] > 0).all()
    assert frame[frame["stage"] == "search"]["int8/val/top1"].isna().all()  # search rows: no INT8, still load
    table = sensitivity_table(frame)
    assert sorted(table["network"]) == ["confirm-s0001", "efficientnet_b0"] and set(table["seeds"]) == {2}


def test_a_row_that_cannot_be_written_stops_the_confirmation_in_one_line(tmp_path, capsys, monkeypatch):
    """`nasx confirm` with its trials trained one at a time in this process (the `inprocess` executor) on a disk
    that fills after one confirmation row: the next trial trains, its row cannot be written, the stage stops
    naming it, and the rows already there stay."""
    from nasx.search import executors
    from nasx.search.inprocess import InProcess
    from tests.helpers.disk_full import disk_full_after

    run_dir = make_run(tmp_path / "run")
    monkeypatch.setattr(executors, "get", lambda name="ray": InProcess())
    disk_full_after(monkeypatch, 5)  # make_run's 4 search rows and the first confirmation row
    assert main(["confirm", str(run_dir), "top_k=1", "seeds=2", "train.epochs=1"]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err + captured.out
    # top_k=1, seeds=2: confirm-s0001 (seed 0) is recorded; confirm-s0001@s1 (seed 1) trains and is not
    assert captured.err == (
        f"nasx confirm: error: {run_dir / 'results.jsonl'}: No space left on device: stopped after 1 trial(s) ended "
        "without their row being written: confirm-s0001@s1 (trained but not recorded; they run again when the run "
        "is resumed); 1 row(s) are recorded\n"
    )
    frame = results.load(run_dir)
    assert list(frame["trial_id"]) == ["ref-efficientnet_b0", *NETS, "confirm-s0001"]
