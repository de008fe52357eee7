"""The two-stage path end to end on a real local Ray: a smoke search with its confirmation stage, the rerun
that resumes it, the exported winner, its weights, and `nasx train` on the export."""

import json

import pytest
import torch

import nasx
from nasx import results
from nasx.cli.compose import load_run_config
from nasx.cli.convert import search_setup
from nasx.cli.main import main
from nasx.ray import session
from nasx.train import accuracy

pytestmark = pytest.mark.slow


def test_search_confirm_export_and_retrain(tmp_path, capsys, monkeypatch):
    run_dir = tmp_path / "run"
    starts = []  # every local Ray nasx started
    connect = session.connect

    def counted(*args):
        started = connect(*args)
        if isinstance(started, session.LocalRay):
            starts.append(started)
        return started

    monkeypatch.setattr(session, "connect", counted)
    assert (
        main(
            [
                "search",
                "experiment=effnet_b0_search",
                "smoke=true",
                "data.resolution=8",
                "seeds=2",
                "confirm.after_search=true",
                f"run_dir={run_dir}",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert len(starts) == 1  # one Ray for the search and its confirmation stage
    frame = results.load(run_dir)
    search, confirm = frame[frame["stage"] == "search"], frame[frame["stage"] == "confirm"]
    # smoke: 3 searched + efficientnet_b0 under 2 seeds; then the top 2 and the family under 2 seeds each
    assert sorted(search["trial_id"]) == ["ref-efficientnet_b0", "ref-efficientnet_b0@s1", "s0000", "s0001", "s0002"]
    assert len(confirm) == 6 and (confirm["status"] == "ok").all() and set(confirm["seed"]) == {0, 1}
    assert set(confirm["rung"]) == {"steps=3"} and frame["full_arch"].notna().all()
    assert sorted((run_dir / "weights").iterdir()) == sorted(
        run_dir / "weights" / f"{t}.pt" for t in confirm["trial_id"]
    )
    assert "finalists, search rank against confirmed rank:" in out and "efficientnet_b0  " in out.split("confirmed")[-1]

    assert main(["confirm", str(run_dir)]) == 0  # everything done: resumes to nothing new
    assert "6 trials (6 already done)" in capsys.readouterr().out and len(results.load(run_dir)) == len(frame)
    assert len(starts) == 1  # nothing left to run: no Ray started

    export = tmp_path / "export"
    assert main(["export", str(run_dir), "best", "--out", str(export)]) == 0
    row = json.loads((export / "row.json").read_text())
    assert row["stage"] == "confirm" and (export / "weights.pt").is_file()
    full = nasx.decode((export / "arch.txt").read_text())
    assert full == nasx.decode(row["full_arch"]) and (full.resolution, full.num_classes) == (224, 1000)
    model = nasx.build_model(nasx.decode((export / "proxy_arch.txt").read_text()))
    model.load_state_dict(torch.load(export / "weights.pt", weights_only=True))
    setup = search_setup(load_run_config(run_dir))
    data = setup.data.load()
    assert accuracy(model, data.test_x, data.test_y, data, setup.train) == row["test/top1"]  # exactly as recorded

    saved = tmp_path / "retrained"
    assert main(["train", str(export), "data.resolution=8", "train=smoke", f"save={saved}", "--json"]) == 0
    retrained = json.loads((saved / "row.json").read_text())
    assert retrained["arch"] == row["arch"] and retrained["full_arch"] == row["full_arch"]
    assert set(torch.load(saved / "weights.pt", weights_only=True)) == set(model.state_dict())
    assert main(["train", f"{run_dir}:s0000", "data.resolution=8", "train=smoke", "--json"]) == 0
