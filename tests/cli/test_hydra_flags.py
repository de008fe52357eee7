"""Hydra's flags on nasx's commands: the user config path, --cfg job, --info; the values a config implies."""

import os

import pytest
import yaml

from nasx.cli.compose import CONF_DIR, compose, search_path
from nasx.cli.main import main

PRESET = "# @package _global_\ndefaults:\n  - override /space: tiny\nbudget: 7\nname: mine\n"
TINY_SPACE = "name: mnasnet\noptions: {}\nmacs: [1.0e8, 3.0e8]\nparams: null\n"


@pytest.fixture
def user_dir(tmp_path):
    """A user's own configs: a preset, a space option of its own, and a shipped option replaced."""
    root = tmp_path / "mine"
    (root / "experiment").mkdir(parents=True)
    (root / "space").mkdir()
    (root / "experiment" / "my_search.yaml").write_text(PRESET)
    (root / "space" / "tiny.yaml").write_text(TINY_SPACE)
    (root / "space" / "regnet.yaml").write_text("name: regnet\noptions: {}\nmacs: [2.0e8, 4.0e8]\nparams: null\n")
    return root


@pytest.fixture(autouse=True)
def no_env(monkeypatch):
    monkeypatch.delenv("NASX_CONFIG_PATH", raising=False)
    monkeypatch.delenv("RAY_ADDRESS", raising=False)


def test_a_user_preset_and_space_extend_the_shipped_groups(user_dir):
    cfg = compose("search", ["experiment=my_search"], [str(user_dir)])
    assert (cfg["name"], cfg["budget"], cfg["space"]["macs"]) == ("mine", 7, [1.0e8, 3.0e8])
    assert cfg["search"]["name"] == "random"  # the shipped groups are still there


def test_a_user_file_wins_over_the_shipped_one(user_dir):
    assert compose("search", ["space=regnet"], [str(user_dir)])["space"]["macs"] == [2.0e8, 4.0e8]
    shipped = yaml.safe_load((CONF_DIR / "space" / "regnet.yaml").read_text())
    assert compose("search", ["space=regnet"])["space"]["macs"] == shipped.get("macs")


def test_a_user_primary_config_replaces_the_shipped_one(tmp_path):
    (tmp_path / "search.yaml").write_text((CONF_DIR / "search.yaml").read_text().replace("budget: 20 ", "budget: 5 "))
    assert compose("search", [])["budget"] == 20
    assert compose("search", [], [str(tmp_path)])["budget"] == 5


def test_config_dir_comes_before_the_environment_path_in_order(tmp_path, user_dir, monkeypatch):
    first, second = tmp_path / "a", tmp_path / "b"
    for d, budget in ((first, 3), (second, 4)):
        (d / "experiment").mkdir(parents=True)
        (d / "experiment" / "pick.yaml").write_text(f"# @package _global_\nbudget: {budget}\n")
    monkeypatch.setenv("NASX_CONFIG_PATH", os.pathsep.join(["", str(second), str(user_dir)]))
    assert compose("search", ["experiment=pick"])["budget"] == 4
    assert compose("search", ["experiment=my_search"])["budget"] == 7
    assert compose("search", ["experiment=pick"], [str(first)])["budget"] == 3
    assert [d.source for d in search_path([str(first)])] == [
        "--config-dir",
        "NASX_CONFIG_PATH",
        "NASX_CONFIG_PATH",
        "nasx",
    ]


def test_cfg_job_prints_the_composed_config_and_exits_0(user_dir, capsys):
    assert main(["search", "--config-dir", str(user_dir), "experiment=my_search", "seed=3", "--cfg", "job"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert (printed["budget"], printed["seed"], printed["name"]) == (7, 3, "mine")
    assert printed == compose("search", ["experiment=my_search", "seed=3"], [str(user_dir)])
    assert main(["train", "resnet18", "train.epochs=4", "--cfg", "job", "--package", "train"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["epochs"] == 4 and "data" not in printed


def test_cfg_job_with_multirun_prints_every_job(capsys):
    assert main(["search", "-m", "seed=0,1", "--cfg", "job", "-p", "seed"]) == 0
    assert capsys.readouterr().out == "# job 1/2: seed=0\nseed: 0\n\n# job 2/2: seed=1\nseed: 1\n"


def test_info_shows_the_search_path_choices_and_options(user_dir, capsys):
    assert main(["search", "--config-dir", str(user_dir), "experiment=my_search", "--info"]) == 0
    out = capsys.readouterr().out
    path = out.split("Primary config")[0]
    assert path.index(str(user_dir)) < path.index(str(CONF_DIR))
    choices = dict(line.split()[:2] for line in out.split("Defaults list")[1].split("\n\n")[0].splitlines()[3:])
    assert choices["space"] == "tiny" and choices["experiment"] == "my_search" and choices["search"] == "random"
    space_row = next(
        line for line in out.split("Groups and their options")[1].splitlines() if line.startswith("space ")
    )
    assert "tiny* (#1)" in space_row and "regnet (#1)" in space_row and "mnasnet," in space_row


def test_gpus_per_trial_imply_cuda_unless_the_device_is_set():
    assert compose("search", [])["train"]["device"] == "cpu"
    assert compose("search", ["resources=gpu_shared"])["train"]["device"] == "cuda"
    assert compose("search", ["resources=gpu_shared", "train.device=cpu"])["train"]["device"] == "cpu"
    assert compose("search", ["resources.gpus_per_trial=1", "train.device=cuda:1"])["train"]["device"] == "cuda:1"
    assert compose("train", [])["train"]["device"] == "cpu"


def test_ray_address_attaches_unless_the_cluster_is_chosen(monkeypatch):
    monkeypatch.setenv("RAY_ADDRESS", "10.0.0.5:6379")
    assert compose("search", [])["cluster"]["address"] == "10.0.0.5:6379"
    assert compose("fidelity", [])["cluster"]["address"] == "10.0.0.5:6379"
    assert compose("search", ["cluster=local"])["cluster"]["address"] is None
    assert compose("search", ["cluster=attach"])["cluster"]["address"] == "10.0.0.5:6379"  # as Ray reads auto
    assert compose("search", ["cluster.address=1.2.3.4:6379"])["cluster"]["address"] == "1.2.3.4:6379"
    monkeypatch.setenv("RAY_ADDRESS", "")
    assert compose("search", [])["cluster"]["address"] is None
    assert compose("search", ["cluster=attach"])["cluster"]["address"] == "auto"


COMPLETE = """source {script}
complete_line() {{
    COMP_LINE="$1"; COMP_POINT=${{#1}}; read -ra COMP_WORDS <<< "$2"; COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
    _nasx; echo "${{COMPREPLY[*]}}"
}}
complete_line "nasx se" "nasx se"
complete_line "nasx search spa" "nasx search spa"
complete_line "nasx search space=ti" "nasx search space = ti"
complete_line "nasx train obj" "nasx train obj"
complete_line "nasx train spa" "nasx train spa"
"""


def test_bash_completion_completes_commands_flags_and_group_options(user_dir, tmp_path, capsys):
    import shutil
    import subprocess

    if shutil.which("bash") is None:
        pytest.skip("no bash")
    assert main(["completion", "bash", "--config-dir", str(user_dir)]) == 0
    script = tmp_path / "nasx.bash"
    script.write_text(capsys.readouterr().out)
    done = subprocess.run(["bash", "-c", COMPLETE.format(script=script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    spaces = sorted(p.stem for p in (CONF_DIR / "space").glob("*.yaml")) + ["tiny"]
    objectives = sorted(p.stem for p in (CONF_DIR / "objective").glob("*.yaml"))
    assert done.stdout.splitlines() == [
        "search",
        " ".join(f"space={s}" for s in sorted(set(spaces))),
        "tiny",
        " ".join(f"objective={o}" for o in objectives),
        "",
    ]
