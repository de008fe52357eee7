"""The installed `nasx` command: tables, JSON, and one-line errors with exit code 2."""

import json
import subprocess
import sys

import pytest

from nasx import complexity, families


def nasx(*args):
    return subprocess.run([sys.executable, "-m", "nasx", *args], capture_output=True, text=True)


def test_families_lists_every_family_with_exact_counts():
    result = nasx("families", "--json")
    assert result.returncode == 0
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert set(rows) == set(families.names())
    assert len(rows) == 127  # docs/families.md: "nasx has 127 families" (and 127 rows in its table)
    assert rows["resnet50"]["params"] == 25557032
    table = nasx("families").stdout
    assert "efficientnet_b7" in table and "66,347,960" in table


def test_profile_family_table_and_totals():
    result = nasx("profile", "efficientnet_b0")
    assert result.returncode == 0
    assert "385,814,752" in result.stdout and "5,288,548" in result.stdout
    assert "stages[6]" in result.stdout


def test_profile_json_per_stage_sums_to_total():
    out = json.loads(nasx("profile", "resnet50", "--resolution", "160", "--num-classes", "10", "--json").stdout)
    assert out["resolution"] == 160
    assert sum(s["params"] for s in out["stages"]) == out["params"]
    assert sum(s["macs"] for s in out["stages"]) == out["macs"]
    expected = complexity(families.get("resnet50", num_classes=10, resolution=160))
    assert (out["params"], out["macs"]) == (expected.params, expected.macs)
    # By hand from torchvision's ResNet-50 (25,557,032 params, 4,089,184,256 MACs at 224, 1000 classes):
    # params: 25,557,032 - (2048*1000 + 1000) + (2048*10 + 10) = 23,528,522.
    # MACs: every feature map at 160 is 5/7 of its size at 224 (80, 40, 20, 10, 5 for 112, 56, 28, 14, 7), so
    # the convolutions' 4,089,184,256 - 2048*1000 scale by 25/49: 2,085,273,600; plus the fc's 2048*10.
    assert (out["params"], out["macs"]) == (23_528_522, 2_085_294_080)


def test_profile_arch_string():
    text = "res32_cls10|stem:cn_r1_k3_s1_c16|ir_r2_k3_s2_e6_c24_se0.25|head:c64"
    out = json.loads(nasx("profile", text, "--json").stdout)
    assert out["arch"] == text
    assert len(out["stages"]) == 3


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["profile", "resnet51"], "unknown family 'resnet51'"),
        (["profile", "res224_cls1000|ir_r1_k4_s1_c16"], "k=4"),
        (["profile", "res224_cls1000|zz_r1"], "unknown block type"),
        (["profile", "resnet50", "--resolution", "0"], "resolution=0"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, fragment):
    result = nasx(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0]
    assert "Traceback" not in result.stderr


def test_families_reports_search_space_membership(monkeypatch):
    from nasx import search_spaces
    from nasx.cli import families_cmd

    class OnlyResNet50:
        def contains(self, spec):
            return spec == families.get("resnet50")

    monkeypatch.setitem(search_spaces._SPACES, "toy", OnlyResNet50)
    rows = {r["name"]: r for r in families_cmd.rows()}
    assert rows["resnet50"]["spaces"] == ["resnext", "toy"]
    assert rows["resnet101"]["spaces"] == ["resnext"]
    assert rows["densenet121"]["spaces"] == []
