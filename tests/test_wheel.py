"""The wheel runs outside the checkout: built, installed into a fresh venv (which reuses the installed
dependencies through a .pth file), and run from a temporary directory with a preset of the user's own."""

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
SKIP = {".git", ".venv", "runs", "outputs", "multirun", "build", "dist"}  # the checkout's top level only
USER_PRESET = """# @package _global_
defaults:
  - override /search: tpe
name: mine
smoke: true
budget: 2
references: [mobilenet_v2]
"""


def _source(dest: Path) -> Path:
    """A copy of the checkout without its local state (links kept: nasx/analysis -> ../analysis, ...)."""

    def ignore(folder, names):
        skip = {n for n in names if n == "__pycache__" or n.endswith(".egg-info") or n == ".pytest_cache"}
        return skip | (SKIP & set(names) if Path(folder) == ROOT else set())

    shutil.copytree(ROOT, dest, symlinks=True, ignore=ignore)
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the venv's python, its nasx command, an environment without the checkout)."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp / "dist"),
            str(_source(tmp / "src")),
        ],
        check=True,
        cwd=tmp,
        timeout=300,
    )
    wheel = next((tmp / "dist").glob("nasx-*.whl"))
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp / "venv")], check=True, timeout=120)
    python = tmp / "venv" / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # a plain path line: the installed packages are importable, their .pth files (nasx's editable finder) are not run
    Path(purelib, "_installed_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NASX_CONFIG_PATH", "RAY_ADDRESS")}
    dry = subprocess.run(
        [python, "-m", "pip", "install", "--dry-run", "--no-index", str(wheel)],
        cwd=tmp,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert dry.returncode == 0 and "Would install nasx-" in dry.stdout, dry.stdout + dry.stderr  # floors met here
    subprocess.run(
        [python, "-m", "pip", "install", "--no-deps", "--no-index", "--force-reinstall", "-q", str(wheel)],
        check=True,
        cwd=tmp,
        env=env,
        timeout=300,
    )
    (tmp / "work").mkdir()
    return python, tmp / "venv" / "bin" / "nasx", env, tmp / "work"


def _run(args, installed, timeout=120):
    python, nasx, env, work = installed
    return subprocess.run([str(nasx), *args], capture_output=True, text=True, cwd=work, env=env, timeout=timeout)


def test_the_wheel_is_what_runs(installed):
    python, _, env, work = installed
    found = subprocess.run(
        [
            str(python),
            "-c",
            "import nasx, nasx.conf, nasx.analysis, nasx.search_spaces, sys; "
            "print(nasx.__file__); print(nasx.conf.__file__); print(*sys.path, sep='\\n')",
        ],
        capture_output=True,
        text=True,
        cwd=work,
        env=env,
        check=True,
    ).stdout.splitlines()
    venv = str(python.parents[1])
    assert found[0].startswith(venv) and found[1].startswith(venv), found
    reused = Path(sysconfig.get_paths()["purelib"]).resolve()  # the dependencies, possibly inside the checkout
    inside = [
        p
        for p in found[2:]
        if p and Path(p).resolve().is_relative_to(ROOT) and not Path(p).resolve().is_relative_to(reused)
    ]
    assert not inside, f"the checkout is on sys.path: {inside}"
    importable = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.util as u; print(u.find_spec('bench'), "
            "u.find_spec('analysis'), u.find_spec('search_spaces'))",
        ],
        capture_output=True,
        text=True,
        cwd=work,
        env=env,
        check=True,
    ).stdout.split()
    assert importable == ["None", "None", "None"]  # no generic top-level names installed
    licence = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.metadata as m; d = m.distribution('nasx'); "
            "print(d.metadata['License-Expression']); "
            "print(*sorted(f.name for f in d.files if f.name == 'LICENSE'))",
        ],
        capture_output=True,
        text=True,
        cwd=work,
        env=env,
        check=True,
    ).stdout.split()
    assert licence == ["Apache-2.0", "LICENSE"]  # the SPDX licence and its file in the wheel's metadata


def test_families_runs_from_outside_the_checkout(installed):
    result = _run(["families", "--json"], installed)
    assert result.returncode == 0, result.stderr
    names = {row["name"] for row in yaml.safe_load(result.stdout)}
    assert {"efficientnet_b0", "resnet50", "mobilenet_v2"} <= names


@pytest.mark.parametrize(
    "args, expected",
    [
        (["profile", "resnet50"], "25,557,032"),  # torchvision's count
        (["space", "mnasnet", "--samples", "2"], "MACs"),
        (["train", "mobilenet_v2", "train=smoke", "data.resolution=8"], "val/top1"),
        (["completion", "bash"], "complete -o default -F _nasx nasx"),
    ],
)
def test_commands_run_from_outside_the_checkout(installed, args, expected):
    result = _run(args, installed, timeout=300)
    assert result.returncode == 0 and expected in result.stdout, result.stdout[-2000:] + result.stderr[-2000:]


def test_a_user_preset_smoke_search_on_ray_from_outside_the_checkout(installed):
    work = installed[3]
    (work / "mine" / "experiment").mkdir(parents=True)
    (work / "mine" / "experiment" / "my_smoke.yaml").write_text(USER_PRESET)
    args = ["search", "--config-dir", str(work / "mine"), "experiment=my_smoke", "run_dir=run"]
    shown = _run([*args, "--cfg", "job"], installed)
    assert shown.returncode == 0, shown.stderr
    assert yaml.safe_load(shown.stdout)["search"]["name"] == "tpe"
    result = _run(args, installed, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "search mine: space mnasnet, searcher tpe, budget 2" in result.stdout
    rows = [line for line in (work / "run" / "results.jsonl").read_text().splitlines() if line]
    assert len(rows) == 3  # 2 searched + the reference family
    assert '"family": "mobilenet_v2"' in "\n".join(rows)
    assert yaml.safe_load((work / "run" / "overrides.yaml").read_text()) == args[3:]
    analyzed = _run(["analyze", "run", "--no-figures"], installed, timeout=300)
    assert analyzed.returncode == 0, analyzed.stderr[-2000:]
    exported = _run(["export", "run", "best", "--out", "best"], installed, timeout=300)
    assert exported.returncode == 0 and (work / "best" / "arch.txt").is_file(), exported.stderr[-2000:]
