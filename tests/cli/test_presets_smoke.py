"""Every experiment preset end to end under smoke=true: `nasx search` on one local Ray, then `nasx resume`."""

from pathlib import Path

import pytest

from nasx import results
from nasx.cli.compose import CONF_DIR, load_run_config
from nasx.cli.main import main
from nasx.search.setup import SMOKE_BUDGET

pytestmark = pytest.mark.slow
PRESETS = sorted(
    p.stem for p in (Path(CONF_DIR) / "experiment").glob("*.yaml") if not p.stem.startswith("fidelity_")
)  # fidelity_*: nasx fidelity presets
SUPERNET_PRESETS = {"effnet_b0_supernet_demo"}  # scored from a supernet that its command line names


@pytest.mark.parametrize("preset", PRESETS)
def test_preset_runs_in_smoke_mode(local_ray, tmp_path, preset, capsys):
    run_dir = tmp_path / preset
    scored = []
    if preset in SUPERNET_PRESETS:  # as make demo runs it: the preset's supernet first, then the search from it
        assert main(["supernet", f"experiment={preset}", "smoke=true", f"run_dir={tmp_path / 'supernet'}"]) == 0
        scored = [f"supernet.run={tmp_path / 'supernet'}"]
    assert main(["search", f"experiment={preset}", "smoke=true", f"run_dir={run_dir}", *scored]) == 0
    everything = results.load(run_dir)
    frame = everything[everything["stage"] == "search"]
    confirmed = everything[everything["stage"] == "confirm"]
    if load_run_config(run_dir)["confirm"]["after_search"]:  # the demo: top 2 and the family, 2 seeds each
        assert len(confirmed) == 6 and confirmed["trial_id"].str.startswith("confirm-").all()
    else:
        assert confirmed.empty
    ids = frame["trial_id"]
    searched = frame[ids.str.fullmatch(r"s\d{4}")]
    assert ids.is_unique and len(searched) == SMOKE_BUDGET and (searched["status"] == "ok").any()
    assert ids.str.startswith("ref-").sum() == 1 and (frame["family"] != "").sum() == 1
    scaled = frame[ids.str.startswith("phi")]
    if preset == "compound_grid":  # then the best triple scaled, and depth, width, resolution alone
        assert set(scaled["scaling"]) == {"compound", "depth", "width", "resolution"}
        assert set(scaled["phi"]) == {0.0, 2.0}
    assert len(frame) == len(searched) + 1 + len(scaled)
    stored = load_run_config(run_dir)
    assert stored["name"] == preset and stored["smoke"] is True and stored["run_dir"] == str(run_dir)
    assert f"results: {run_dir}" in capsys.readouterr().out


def test_resume_raises_the_budget(local_ray, tmp_path):
    run_dir = tmp_path / "run"
    assert main(["search", "experiment=effnet_b0_search", "smoke=true", "budget=2", f"run_dir={run_dir}"]) == 0
    before = results.load(run_dir)
    assert len(before) == 3
    assert main(["resume", str(run_dir), "budget=3"]) == 0
    after = results.load(run_dir)
    assert len(after) == 4 and set(before["trial_id"]) < set(after["trial_id"]) and after["trial_id"].is_unique
