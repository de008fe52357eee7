"""Every YAML file nasx reads is bounded in size, depth and alias expansion before anything is built."""

import os

import pytest
import yaml

from nasx import yaml_limits
from nasx.cli import compose
from nasx.yaml_limits import check_text, loads, read_yaml


def laughs(levels: int, width: int = 10) -> str:
    """The "billion laughs": level 0 is `width` scalars, each next level `width` aliases of the one before."""
    lines = ["l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_the_expanded_size_is_counted_exactly(monkeypatch):
    # l0 = 1 list + 10 scalars = 11; l1 = 1 + 10 * 11 = 111; l2 = 1 + 10 * 111 = 1111;
    # the document: 1 mapping + 3 keys + 11 + 111 + 1111 = 1237 values
    monkeypatch.setattr(yaml_limits, "MAX_NODES", 1237)
    check_text(laughs(3), "x.yaml")
    monkeypatch.setattr(yaml_limits, "MAX_NODES", 1236)
    with pytest.raises(ValueError, match=r"^x\.yaml: YAML of more than 1,236 values once its aliases"):
        check_text(laughs(3), "x.yaml")


def test_a_billion_laughs_is_refused_from_its_events():
    bomb = laughs(10)  # 10**9 scalars once expanded, from 700 bytes
    assert len(bomb) < 1000
    with pytest.raises(ValueError, match=r"^bomb\.yaml: YAML of more than 50,000 values once its aliases"):
        loads(bomb, "bomb.yaml")


def test_what_a_config_holds_loads_as_safe_load_loads_it():
    text = yaml.safe_dump(compose.compose("search", ["smoke=true"]), sort_keys=False)
    text += "anchored: &base {lr: 0.1, epochs: 3}\nreused: *base\n"
    assert loads(text, "config.yaml") == yaml.safe_load(text)


def test_depth_and_size_are_bounded(tmp_path):
    with pytest.raises(ValueError, match=r"^deep: YAML nested deeper than 64 levels$"):
        check_text("[" * 65 + "]" * 65, "deep")
    check_text("[" * 64 + "]" * 64, "deep")
    big = tmp_path / "big.yaml"
    big.write_text("x: " + "a" * yaml_limits.MAX_BYTES + "\n")  # 3 + 1,048,576 + 1 bytes
    with pytest.raises(ValueError, match=r"big\.yaml: 1,048,580 bytes of YAML; nasx reads at most 1,048,576$"):
        read_yaml(big)


def test_a_fifo_is_refused_without_waiting(tmp_path):
    os.mkfifo(tmp_path / "config.yaml")
    with pytest.raises(ValueError, match=r"config\.yaml: not a regular file$"):
        read_yaml(tmp_path / "config.yaml")


def test_a_syntax_error_names_the_file():
    with pytest.raises(yaml.YAMLError) as info:
        loads("a: [1\n", "run/config.yaml")
    assert info.value.problem_mark.name == "run/config.yaml"
