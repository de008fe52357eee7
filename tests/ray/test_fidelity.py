"""`nasx fidelity experiment=fidelity_mnasnet smoke=true` end to end on one local Ray, then resumed."""

import json
import math

import pytest
import yaml

from nasx import results
from nasx.cli.main import main

pytestmark = pytest.mark.slow


def test_smoke_study_writes_fidelity_json_and_resumes(local_ray, tmp_path, capsys):
    run_dir = tmp_path / "fid"
    argv = ["fidelity", "experiment=fidelity_mnasnet", "smoke=true", f"run_dir={run_dir}"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    frame = results.load(run_dir)
    # 3 drawn architectures + efficientnet_b0, 2 seeds, rungs zero_cost, steps=1, steps=2
    assert len(frame) == 24 and frame["trial_id"].is_unique and (frame["status"] == "ok").all()
    assert set(frame["stage"]) == {"fidelity"} and set(frame["rung"]) == {"zero_cost", "steps=1", "steps=2"}
    assert set(frame["seed"]) == {0, 1} and (frame["family"] == "efficientnet_b0").sum() == 6
    zero = frame[frame["rung"] == "zero_cost"]
    assert zero["zero_cost/synflow"].gt(0).all() and zero["zero_cost/grad_norm"].gt(0).all()
    assert zero["val/top1"].isna().all() and (zero["epochs"] == 0).all()
    trained = frame[frame["rung"] != "zero_cost"]
    assert trained["val/top1"].between(0, 1).all() and trained["zero_cost/naswot"].isna().all()
    assert len(set(frame["config_hash"])) == 2 * 3  # one protocol per (seed, rung)

    summary = json.loads((run_dir / "fidelity.json").read_text())
    assert summary["reference"] == "steps=2" and summary["n_archs"] == 4 and summary["seeds"] == [0, 1]
    by_rung = {e["rung"]: e for e in summary["rungs"]}
    assert list(by_rung) == [
        "params",
        "macs",
        "zero_cost/grad_norm",
        "zero_cost/synflow",
        "zero_cost/naswot",
        "steps=1",
        "steps=2",
    ]
    for e in by_rung.values():
        assert {"rho", "rho_ci", "tau", "tau_ci", "top_k_recall", "noise_floor", "cost_trial_s"} <= set(e)
    assert by_rung["steps=2"]["reference"] and by_rung["steps=2"]["rho"] == 1.0
    assert by_rung["steps=1"]["noise_pairs"] <= 1 and by_rung["steps=1"]["cost_trial_s"] > 0
    assert summary["protocol"]["space"]["name"] == "mnasnet" and summary["protocol"]["smoke"] is True
    assert "rung" in out and "zero_cost/synflow" in out and f"fidelity: {run_dir / 'fidelity.json'}" in out

    assert main(argv) == 2  # the run directory holds results: no silent overwrite
    assert "already holds results" in capsys.readouterr().err
    assert main([*argv, "resume=true"]) == 0  # nothing left to train
    assert "24 trials (24 already done)" in capsys.readouterr().out and len(results.load(run_dir)) == 24
    assert yaml.safe_load((run_dir / "overrides.yaml").read_text()) == argv[1:]  # the starting command line, kept


def test_smoke_study_trains_its_supernets_and_ranks_them(local_ray, tmp_path, capsys):
    """`nasx fidelity smoke=true supernet.train=true`: two supernets trained at smoke scale (seeds 0 and 1), every
    architecture scored from each, the rung's noise floor between them, its cost amortising their training."""
    run_dir = tmp_path / "fid"
    argv = ["fidelity", "smoke=true", "supernet.train=true", f"run_dir={run_dir}"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    for seed in (0, 1):
        supernet = run_dir / "supernets" / f"sandwich-s{seed}"
        assert {"config.yaml", "supernet.pt", "curves.jsonl"} <= {p.name for p in supernet.iterdir()}
        assert yaml.safe_load((supernet / "config.yaml").read_text())["seed"] == seed
    frame = results.load(run_dir)
    inherited = frame[frame["rung"] == "supernet"]
    assert len(inherited) == 4 * 2 and (inherited["status"] == "ok").all() and set(inherited["seed"]) == {0, 1}
    assert set(inherited["supernet_run"]) == {str(run_dir / "supernets" / f"sandwich-s{s}") for s in (0, 1)}
    assert inherited["supernet_train_s"].gt(0).all()
    summary = json.loads((run_dir / "fidelity.json").read_text())
    by_rung = {e["rung"]: e for e in summary["rungs"]}
    assert list(by_rung)[5:] == ["supernet", "steps=1", "steps=2"]
    e = by_rung["supernet"]
    assert e["kind"] == "supernet" and e["seeds"] == 2 and e["n_archs"] == 4 and math.isfinite(e["rho"])
    assert e["noise_pairs"] == 1 and "noise_floor" in e and e["amortised_over"] == 4
    assert e["cost_trial_s"] > e["cost_trial_s_1000"] > e["cost_scoring_s"] > 0
    assert e["cost_trial_s"] == pytest.approx(e["cost_scoring_s"] + e["supernet_train_s"] / 4)
    assert "supernet 2/2: training" in out and "trial_s, 1,000 archs" in out

    assert main([*argv, "resume=true"]) == 0  # the supernets are reused, nothing is scored again
    out = capsys.readouterr().out
    assert "supernet 1/2: " in out and out.count("is trained; reused") == 2 and "32 trials (32 already done)" in out
