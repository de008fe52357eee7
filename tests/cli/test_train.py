"""`nasx train`: a tiny run on digits end to end, Hydra overrides, and one-line errors with exit code 2."""

import json
import re
import subprocess
import sys

import pytest

from nasx.cli.compose import CONF_DIR, compose
from nasx.cli.convert import train_setup
from nasx.cli.main import main
from tests.helpers.paths import GOLDEN

TINY = "res16_cls10|stem:cn_r1_k3_s1_c8|ir_r1_k3_s2_e2_c16|head:c32"


def nasx(*args):
    return subprocess.run([sys.executable, "-m", "nasx", *args], capture_output=True, text=True)


@pytest.mark.slow
def test_train_digits_prints_progress_and_results():
    result = nasx("train", TINY, "data=digits", "train.epochs=2", "train.batch_size=128", "train.threads=1")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "digits: 1258 train / 180 val / 359 test images" in out
    assert "epoch   1" in out and "epoch   2" in out
    assert "val/top1" in out and "test/top1" in out and "reward" in out and "MACs" in out
    assert result.stderr == ""


def test_train_json_row_on_synthetic_family(capsys):
    code = main(["train", "efficientnet_b0", "data=synthetic", "train=smoke", "seed=3", "--json"])
    assert code == 0
    row = json.loads(capsys.readouterr().out)
    assert row["dataset"] == "synthetic" and row["seed"] == 3 and row["status"] == "ok"
    assert row["resolution"] == 16 and row["full_macs"] == 385814752 and row["epochs"] == 1
    assert row["arch"].startswith("res16_cls10_dp0.2|stem:cn_r1_k3_s1_c8_nsw|")  # width 0.25, stride-1 stem


def test_train_a_timm_name(capsys):
    """`timm:NAME` trains the family timm builds under NAME; its full-scale MACs are timm's (golden file)."""
    golden = json.loads((GOLDEN / "families.json").read_text())["timm"]["lcnet_050"]
    assert main(["train", "timm:lcnet_050", "data=synthetic", "train=smoke", "--json"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["status"] == "ok" and row["full_params"] == golden["params"] and row["full_macs"] == golden["macs"]


def test_compose_defaults_and_overrides():
    assert (CONF_DIR / "train.yaml").is_file()
    setup = train_setup(compose("train", []))
    assert (setup.data.name, setup.train.epochs, setup.objective.name) == ("digits", 10, "efficientnet_b0")
    assert (setup.proxy.width_mult, setup.proxy.stem_stride) == (0.25, 1)
    setup = train_setup(
        compose(
            "train",
            ["data=cifar10", "data.root=/x", "train=cifar", "objective=hard", "objective.target=3e8", "train.lr=0.4"],
        )
    )
    assert (setup.data.root, setup.data.resolution, setup.train.schedule, setup.train.lr) == ("/x", 32, "onecycle", 0.4)
    assert (setup.objective.alpha, setup.objective.beta, setup.objective.target) == (0.0, -1.0, 3e8)
    assert setup.train.momentum == 0.9  # inherited from train/proxy


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["data=mnist"], "unknown data 'mnist'; choose one of cifar10, digits, imagefolder, mnist5k, npz, synthetic"),
        (["train.epochs=0"], "train.epochs=0: must be an integer >= 1"),
        (["data=cifar10"], "data.root is required"),
        (["data=npz", "data.root=/no/such.npz"], "/no/such.npz: does not exist; expected an .npz file"),
        (
            ["data=cifar10", "data.root=/no/where"],
            "/no/where: does not exist; expected a directory holding data_batch_1",
        ),
        (["train.epochs"], "bad override"),
        (["train.nope=1"], "bad override"),
        (["objective=medium"], "unknown objective 'medium'"),
        (["train.optimizer=lion"], "train.optimizer='lion'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, fragment, capsys):
    assert main(["train", "efficientnet_b0", *args]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert captured.out == "" and len(lines) == 1
    assert lines[0].startswith("nasx train: error: ") and fragment in lines[0]


def test_unknown_family_and_bad_arch_exit_2(capsys):
    assert main(["train", "resnet51", "train=smoke"]) == 2
    assert "unknown family 'resnet51'" in capsys.readouterr().err
    assert main(["train", "res16_cls10|ir_r1_k4_s1_c8", "train=smoke"]) == 2
    err = capsys.readouterr().err
    assert "k=4" in err and len(err.strip().splitlines()) == 1


# What conf/train/*.yaml state (cifar and smoke start from proxy's values)
TRAIN_OPTIONS = {
    "proxy": {
        "epochs": 10,
        "steps": 0,
        "batch_size": 64,
        "schedule": "cosine",
        "lr": 0.1,
        "warmup_fraction": 0.1,
        "label_smoothing": 0.1,
        "crop_pad": 2,
    },
    "cifar": {
        "epochs": 10,
        "steps": 0,
        "batch_size": 256,
        "schedule": "onecycle",
        "lr": 0.2,
        "warmup_fraction": 0.2,
        "label_smoothing": 0.2,
        "crop_pad": 4,
    },
    "smoke": {"epochs": 1, "steps": 3, "batch_size": 32, "schedule": "cosine", "lr": 0.1},
}


def test_the_train_options_are_the_conf_files():
    assert sorted(p.stem for p in (CONF_DIR / "train").glob("*.yaml")) == sorted(TRAIN_OPTIONS)


@pytest.mark.parametrize(
    "group, option",
    [(g, p.stem) for g in ("data", "train", "objective") for p in sorted((CONF_DIR / g).glob("*.yaml"))],
)
def test_every_conf_option_composes_to_dataclasses(group, option):
    overrides = [f"{group}={option}"]
    if group == "data" and option in ("cifar10", "imagefolder", "npz"):
        overrides.append("data.root=/some/path")
    setup = train_setup(compose("train", overrides))
    if group == "train":
        assert setup.train.epochs >= 1
        expected = TRAIN_OPTIONS[option]
        assert {key: getattr(setup.train, key) for key in expected} == expected
    else:
        assert getattr(setup, group).name == option


def test_train_on_a_fake_cifar_directory(tmp_path, capsys):
    from tests.data.test_data import write_cifar

    write_cifar(tmp_path / "cifar-10-batches-py", per_batch=8)
    code = main(
        [
            "train",
            TINY.replace("res16", "res32"),
            "data=cifar10",
            f"data.root={tmp_path}",
            "train=smoke",
            "train.batch_size=8",
            "--json",
        ]
    )
    assert code == 0
    row = json.loads(capsys.readouterr().out)
    assert (row["dataset"], row["resolution"], row["status"]) == ("cifar10", 32, "ok")


INT8_ARCH = "res8_cls10|stem:cn_r1_k3_s1_c16|ir_r1_k3_s1_e4_c16_se0.25_nhs|basic_r1_s2_c24|head:"


@pytest.mark.slow
def test_train_quantize_int8_writes_the_int8_columns_and_the_drop(tmp_path, capsys):
    code = main(
        [
            "train",
            INT8_ARCH,
            "data.resolution=8",
            "train.epochs=1",
            "quantize=int8",
            "calibration_images=64",
            f"save={tmp_path / 'out'}",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    row = json.loads((tmp_path / "out" / "row.json").read_text())
    for key in ("int8/val/top1", "int8/test/top1"):
        assert 0.0 <= row[key] <= 1.0
    assert row["int8/latency_ms"] > 0 and row["int8/fp32_latency_ms"] > 0
    line = next(line for line in out.splitlines() if line.startswith("int8 "))
    drops = re.findall(r"\(drop (-?\d\.\d{4})\)", line)
    assert drops == [
        f"{row['val/top1'] - row['int8/val/top1']:.4f}",
        f"{row['test/top1'] - row['int8/test/top1']:.4f}",
    ]
    speedup = re.search(r"\(x(\d+\.\d\d); batch 1, 1 thread\)", line)
    assert speedup and speedup.group(1) == f"{row['int8/fp32_latency_ms'] / row['int8/latency_ms']:.2f}"


def test_train_without_quantize_has_no_int8_columns(capsys):
    assert main(["train", INT8_ARCH, "data.resolution=8", "train=smoke", "--json"]) == 0
    assert not any(key.startswith("int8/") for key in json.loads(capsys.readouterr().out))
