"""The command line starts fast: `--help` loads no heavy library, profile and families load neither Ray nor Optuna."""

import json
import subprocess
import sys

import pytest

from nasx.cli.main import COMMANDS

HEAVY = ("torch", "ray", "optuna", "pandas", "matplotlib")
PROBE = """
import json, sys
from nasx.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {heavy})))
"""


def loaded(*args: str, heavy=HEAVY) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=set(heavy)), *args], capture_output=True, text=True, check=True
    )
    return sorted({m.split(".")[0] for m in json.loads(done.stdout.splitlines()[-1])})


def command_names() -> list[str]:
    return [module.__name__.rsplit(".", 1)[1].removesuffix("_cmd").replace("_", "-") for module in COMMANDS]


def test_top_level_help_loads_no_heavy_library():
    assert loaded("--help") == []


@pytest.mark.parametrize("command", command_names())
def test_every_subcommand_help_loads_no_heavy_library(command):
    assert loaded(command, "--help") == []


def test_the_probe_sees_what_a_command_loads():
    assert loaded("profile", "resnet50", heavy=("numpy", "nasx")) == ["nasx", "numpy"]


@pytest.mark.parametrize("args", [("profile", "resnet50"), ("families",)])
def test_profile_and_families_load_neither_ray_nor_optuna(args):
    assert loaded(*args, heavy=("ray", "optuna")) == []
