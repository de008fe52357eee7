"""nasx supernet: composed like a search, a smoke run writing every file of its run directory, resume, and a
run killed with SIGKILL that a resume finishes with nothing lost."""

import os
import signal
import subprocess
import sys
import time

import pytest
import torch
import yaml

from nasx.cli import compose, convert, supernet_cmd
from nasx.cli.main import main
from nasx.results import curves
from nasx.supernet import store
from tests.helpers.paths import ROOT

FILES = {"writer.lock", "config.yaml", "overrides.yaml", "supernet.pt", "curves.jsonl"}


def test_the_defaults_serve_the_effnet_b0_search():
    mine, search = compose.compose("supernet"), compose.compose("search", ["experiment=effnet_b0_search"])
    assert all(mine[key] == search[key] for key in ("space", "data", "proxy"))
    assert mine["name"] == "supernet" and mine["train"]["epochs"] == 10  # the proxy protocol's


def test_a_search_preset_gives_the_supernet_of_that_search():
    setup = convert.search_setup(compose.compose("supernet", ["experiment=compound_grid", "smoke=true"]))
    assert setup.space.name == "compound" and setup.space.options["step"] == 0.1 and setup.name == "compound_grid"
    assert setup.smoke and setup.train.steps == 3 and setup.supernet.recalibration_images <= 256


def test_a_resume_may_change_where_and_on_how_many_workers_it_trains(tmp_path):
    stored = compose.compose("supernet", ["smoke=true", f"run_dir={tmp_path}"])
    for key in ("resources", "cluster"):  # a run of a nasx whose supernet.yaml had neither
        stored.pop(key)
    stored["supernet"].pop("workers")
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(stored))
    where = ["supernet.workers=2", "resources.num_cpus=2", "cluster=attach", "resume=true"]
    cfg = compose.compose("supernet", ["smoke=true", f"run_dir={tmp_path}", *where])
    assert supernet_cmd.resumed_config(cfg) is cfg
    with pytest.raises(ValueError, match=r"differs from .*config\.yaml at supernet\.random_subnets"):
        supernet_cmd.resumed_config(
            compose.compose("supernet", ["smoke=true", f"run_dir={tmp_path}", *where, "supernet.random_subnets=3"])
        )


def test_a_smoke_run_writes_every_file_and_resumes(tmp_path, capsys):
    run_dir = tmp_path / "run"
    args = ["supernet", "smoke=true", f"run_dir={run_dir}", "train.threads=1"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert {p.name for p in run_dir.iterdir()} == FILES
    assert "supernet epoch 1/1: val top-1 largest " in out and f"supernet.run={run_dir}" in out
    net, state = store.load(run_dir)
    assert state["space"]["name"] == "mnasnet" and state["data"]["name"] == "digits" and state["epoch"] == 1
    assert state["shape"] == {"resolution": 16, "num_classes": 10, "channels": 3}
    assert state["proxy"] == {"width_mult": 0.25, "depth_mult": 0.25, "stem_stride": 1}
    assert state["provenance"]["git_commit"] and "torch" in state["provenance"]["versions"]
    assert state["config"]["smoke"] is True and state["seed"] == 0 and net.extract(net.space.sample_point(0)[0])
    assert state["training"] == {
        "sampling": "sandwich",
        "networks_per_step": 4,
        "distill": True,
        "progressive": False,
        "kernel_transform": False,
    }
    assert store.training_seconds(state) == state["history"][-1]["wall_s"] > 0
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert config["name"] == "supernet" and config["run_dir"] == str(run_dir)
    assert yaml.safe_load((run_dir / "overrides.yaml").read_text()) == args[1:]
    frame = curves.load(run_dir)
    assert list(frame["trial_id"]) == ["largest", "smallest"] and set(frame["stage"]) == {"supernet"}
    assert frame["val/top1"].between(0, 1).all() and (frame["epoch"] == 1).all()
    log = (run_dir / curves.LOG).read_bytes()

    assert main(args) == 2  # a finished run is resumed, not started again
    assert "already holds a run; resume it" in capsys.readouterr().err
    (run_dir / curves.LOG).write_bytes(b"")  # as if killed between the checkpoint and the curve rows
    assert main([*args, "resume=true"]) == 0
    assert "resuming after epoch 1" in capsys.readouterr().out
    assert (run_dir / curves.LOG).read_bytes() == log and store.read(run_dir)["epoch"] == 1


KILLED = [
    "data=synthetic",
    "data.resolution=8",
    "data.options.num_samples=320",
    "train.epochs=3",
    "train.batch_size=32",
    "train.threads=1",
    "proxy.depth_mult=0.25",
    "supernet.random_subnets=1",
    "supernet.recalibration_images=64",
]


@pytest.mark.slow
def test_a_run_killed_mid_epoch_resumes_with_nothing_lost(tmp_path, capsys):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    assert main(["supernet", *KILLED, f"run_dir={whole}"]) == 0
    child = subprocess.Popen(
        [sys.executable, "-m", "nasx", "supernet", *KILLED, f"run_dir={killed}"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not (killed / curves.LOG).is_file() and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.02)
        time.sleep(0.3)  # into epoch 2
        assert child.poll() is None, "the run ended before it could be killed"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    assert 1 <= store.read(killed)["epoch"] < 3
    assert main(["supernet", *KILLED, f"run_dir={killed}", "resume=true"]) == 0
    assert "resuming after epoch" in capsys.readouterr().out
    a, b = store.read(whole), store.read(killed)
    assert a["state_dict"].keys() == b["state_dict"].keys() and b["epoch"] == 3
    assert all(torch.equal(a["state_dict"][k], b["state_dict"][k]) for k in a["state_dict"])
    strip = ["wall_s"]
    assert curves.load(whole).drop(columns=strip).equals(curves.load(killed).drop(columns=strip))


TWO_EPOCHS = [
    "data=synthetic",
    "data.resolution=8",
    "data.options.num_samples=64",
    "train.epochs=2",
    "train.batch_size=32",
    "train.threads=1",
    "proxy.depth_mult=0.25",
    "supernet.random_subnets=1",
    "supernet.recalibration_images=32",
]


def _disk_full_at_epoch_2(monkeypatch, what: str) -> None:
    """The second epoch's checkpoint (`what`="checkpoint": a torn temporary file, then ENOSPC) or curve rows
    ("curves": ENOSPC from the log's append) cannot be written."""
    import errno

    from nasx.results import jsonl

    def full():
        return OSError(errno.ENOSPC, "No space left on device")

    if what == "checkpoint":
        real_save = store.save

        def save(run_dir, state):
            if state["epoch"] < 2:
                return real_save(run_dir, state)
            real_dump = torch.save

            def torn(obj, f):
                f.write(b"PK\x03\x04 torn")
                raise full()

            monkeypatch.setattr(torch, "save", torn)
            try:
                return real_save(run_dir, state)
            finally:
                monkeypatch.setattr(torch, "save", real_dump)

        monkeypatch.setattr(store, "save", save)
    else:
        real_append = jsonl.append_lines

        def append_lines(log, records):
            # epoch 1's two rows are there
            if log.name == curves.LOG and log.is_file() and log.read_bytes().count(b"\n") >= 2:
                raise full()
            real_append(log, records)

        monkeypatch.setattr(jsonl, "append_lines", append_lines)


@pytest.mark.parametrize("what", ["checkpoint", "curves"])
def test_a_full_disk_stops_at_the_epoch_it_could_not_record_and_resume_goes_on(tmp_path, capsys, monkeypatch, what):
    run_dir = tmp_path / "run"
    args = ["supernet", *TWO_EPOCHS, f"run_dir={run_dir}"]
    with monkeypatch.context() as patched:
        _disk_full_at_epoch_2(patched, what)
        assert main(args) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err + captured.out
    if what == "checkpoint":
        assert lines[0].startswith(
            f"nasx supernet: error: {run_dir / 'supernet.pt'}: No space left on device: stopped at epoch 2: trained "
            "but not recorded (neither its checkpoint nor its curve rows were written); supernet.pt keeps epoch 1, "
        )
        assert store.read(run_dir)["epoch"] == 1  # the earlier epoch's checkpoint, intact
        assert sorted(p.name for p in run_dir.iterdir()) == sorted(FILES)  # no temporary file left
    else:
        assert lines[0].startswith(
            f"nasx supernet: error: {run_dir / 'curves.jsonl'}: No space left on device: stopped at epoch 2: its "
            "curve rows were not written (its checkpoint was; a resume appends them); supernet.pt keeps epoch 2: "
        )
        assert store.read(run_dir)["epoch"] == 2
    assert lines[0].endswith("run the same `nasx supernet` command with resume=true to go on")
    # epoch 1's rows, the largest's and the smallest's, and nothing of epoch 2
    assert list(curves.load(run_dir)["epoch"]) == [1, 1]

    assert main([*args, "resume=true"]) == 0  # the disk has room again
    out = capsys.readouterr().out
    assert f"resuming after epoch {1 if what == 'checkpoint' else 2}" in out
    assert store.read(run_dir)["epoch"] == 2
    frame = curves.load(run_dir)
    assert list(frame["epoch"]) == [1, 1, 2, 2] and list(frame["trial_id"]) == ["largest", "smallest"] * 2
