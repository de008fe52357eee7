"""nasx analyze on a fidelity run (its report and fidelity.json), and --fidelity on a search run: matching protocol,
another protocol, bad paths."""

import json

import pytest
import yaml

from nasx.analysis import demo
from nasx.cli.compose import compose
from nasx.cli.main import main
from tests.analysis.test_fidelity import as_rows, study
from tests.helpers.analysis_rows import write_run


def write_config(run_dir, cfg):
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.yaml").write_text(yaml.safe_dump(cfg))


@pytest.fixture(scope="module")
def fidelity_dir(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("fid") / "fidelity"
    cfg = compose("fidelity", ["experiment=fidelity_mnasnet", "fidelity.rungs=[1,3]", "fidelity.n_boot=100"])
    write_config(run_dir, cfg)
    return write_run(run_dir, as_rows(study()))


def search_with(tmp_path, *overrides):
    run_dir = demo.search_run(tmp_path / "search", trials=8, failed=0)
    write_config(run_dir, compose("search", ["experiment=effnet_b0_search", *overrides]))
    return run_dir


def test_a_fidelity_run_renders_its_section(fidelity_dir, capsys):
    assert main(["analyze", str(fidelity_dir)]) == 0
    out = capsys.readouterr().out
    assert "proxy fidelity against epochs=3" in out and "zero_cost/naswot" in out
    assert "mean over seeds: zero_cost/grad_norm ranks like epochs=3" in out
    report = (fidelity_dir / "report.md").read_text()
    assert "## Proxy fidelity" in report and "Pareto frontier" not in report
    assert (fidelity_dir / "figures" / "fidelity_rho_cost.png").is_file()
    assert (fidelity_dir / "figures" / "fidelity_scatter.png").is_file()
    # the study's numbers as `nasx fidelity` writes them, also for a study cut short
    written = json.loads((fidelity_dir / "fidelity.json").read_text())
    assert written["recommended"] == "zero_cost/grad_norm" and written["protocol"]["rungs"] == [1, 3]
    assert written["protocol"]["data"]["name"] == "digits" and "epochs" not in written["protocol"]["train"]
    assert f"fidelity: {fidelity_dir / 'fidelity.json'}" in out


def test_search_with_the_fidelity_of_its_protocol(tmp_path, fidelity_dir, capsys):
    run_dir = search_with(tmp_path)
    assert main(["analyze", str(run_dir), "--fidelity", str(fidelity_dir), "--no-figures"]) == 0
    out = capsys.readouterr().out
    assert "This search trains each candidate once for epochs=3. Against epochs=3" in out
    assert "Pareto set (" in out
    assert "## Fidelity of this search's protocol" in (run_dir / "report.md").read_text()


def test_search_of_another_protocol_is_told_plainly(tmp_path, fidelity_dir, capsys):
    run_dir = search_with(tmp_path, "data=mnist5k", "train.lr=0.05")
    assert main(["analyze", str(run_dir), "--fidelity", str(fidelity_dir), "--no-figures"]) == 0
    out = capsys.readouterr().out
    assert "calibrates a different protocol, so its numbers do not apply to this search" in out
    assert "data.name ('mnist5k' here, 'digits' there)" in out and "train.lr (0.05 here, 0.1 there)" in out


def test_search_budget_that_is_no_rung(tmp_path, fidelity_dir, capsys):
    run_dir = search_with(tmp_path, "train.epochs=5")
    assert main(["analyze", str(run_dir), "--fidelity", str(fidelity_dir), "--no-figures"]) == 0
    assert "This search trains for epochs=5, which is not a rung" in capsys.readouterr().out


@pytest.mark.parametrize(
    "target, message",
    [("missing", "--fidelity {}: no such run directory"), ("search", "not a fidelity run (no stage=fidelity trials")],
)
def test_bad_fidelity_run_is_one_line_and_writes_nothing(tmp_path, capsys, target, message):
    run_dir = search_with(tmp_path)
    other = tmp_path / "missing" if target == "missing" else run_dir
    assert main(["analyze", str(run_dir), "--fidelity", str(other)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message.format(other) in err
    assert not (run_dir / "report.html").exists() and not (run_dir / "figures").exists()
