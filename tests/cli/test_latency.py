"""`nasx latency`: the table, JSON, the cache across commands, --families with its files, `latency table`."""

import json
import sys
import types

import pandas as pd
import pytest
import torch

from nasx.cli.main import main
from nasx.latency.cache import CACHE_ENV

# stem 3x3 conv 3->16 (432 weights + 32 BN) + 3x3 conv 16->8 (1,152 + 16 BN) + linear 8->10 (80 + 10) = 1,722
# params; MACs at 32x32, stride 1: 432 * 1,024 + 1,152 * 1,024 + 80 = 1,622,096
ARCH = "res32_cls10|stem:cn_r1_k3_s1_c16|cn_r1_k3_s1_c8|head:"
QUICK = ["--iters", "2", "--warmup", "0"]


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache" / "latency.jsonl"


def test_a_table_of_median_p90_macs_params_and_the_machine(capsys, cache):
    assert main(["latency", ARCH, "lenet5", *QUICK]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "[1/2] arch 1: " + out[0].split(": ")[1] and out[1].startswith("[2/2] lenet5: ")
    header = out[2].split()
    assert header == ["network", "resolution", "params", "MACs", "median", "ms", "p90", "ms", "iters", "cached"]
    arch_row, lenet_row = out[4].split(), out[5].split()
    assert arch_row[:4] == ["arch", "1", "32", "1.72K"]
    assert arch_row[4] == "1.62M" and arch_row[-2:] == ["2", "no"]
    assert lenet_row[:4] == ["lenet5", "32", "61.71K", "416.52K"] and lenet_row[-2:] == ["2", "no"]
    assert out[6] == f"arch 1: {ARCH}"
    assert out[7].startswith("machine: ") and "batch 1, fp32, 1 thread(s)" in out[7]
    assert len(cache.read_text().splitlines()) == 2
    assert main(["latency", "lenet5", *QUICK]) == 0
    again = capsys.readouterr().out.splitlines()
    assert again[0].endswith("(cached)") and again[3].split()[-1] == "yes"
    assert again[3].split()[4:6] == lenet_row[4:6]  # the same median and p90, read back
    assert len(cache.read_text().splitlines()) == 2


def test_json_has_exact_counts_and_the_machine(capsys):
    assert main(["latency", ARCH, "--json", "--batch", "2", *QUICK]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    (row,) = out["networks"]
    assert (row["params"], row["macs"], row["batch_size"], row["iters"], row["cached"]) == (
        1722,
        1_622_096,
        2,
        2,
        False,
    )
    assert row["p90_ms"] >= row["median_ms"] > 0 and row["arch"] == ARCH
    assert out["machine"]["device"] == "cpu" and "threads" not in out["machine"]
    assert captured.err.startswith("[1/1] arch 1: ")  # progress on stderr


def test_no_cache_reads_and_writes_nothing_and_remeasure_replaces(capsys, cache):
    assert main(["latency", "lenet5", "--no-cache", *QUICK]) == 0
    assert not cache.exists()
    main(["latency", "lenet5", *QUICK])
    main(["latency", "lenet5", "--remeasure", *QUICK])
    assert capsys.readouterr().out.count("(cached)") == 0 and len(cache.read_text().splitlines()) == 2


def test_bf16(capsys):
    assert main(["latency", ARCH, "--dtype", "bf16", "--json", *QUICK]) == 0
    assert json.loads(capsys.readouterr().out)["networks"][0]["dtype"] == "bf16"


def test_families_table_rho_misordered_and_figure(capsys, tmp_path, cache):
    out_dir = tmp_path / "out"
    argv = ["latency", "--families", "--limit", "3", "--iters", "1", "--warmup", "0", "--out", str(out_dir)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert [line.split(":")[0] for line in out.splitlines()[:3]] == [
        "[1/3] lenet5",
        "[2/3] tinynet_e",
        "[3/3] mobilenetv3_small_050",
    ]
    assert "Spearman rho(MACs, latency) = " in out and "over 3 networks" in out
    assert out.splitlines()[-1] == (
        f"wrote {out_dir}/latency_families.csv, {out_dir}/latency_vs_macs.png, {out_dir}/latency_families.json"
    )
    table = pd.read_csv(out_dir / "latency_families.csv")
    assert list(table["family"]) == ["lenet5", "tinynet_e", "mobilenetv3_small_050"]
    assert list(table["macs"]) == [416_520, 24_356_848, 24_188_688]  # tests/latency/test_families.py
    assert (out_dir / "latency_vs_macs.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = json.loads((out_dir / "latency_families.json").read_text())
    assert summary["networks"] == 3 and summary["request"]["iters"] == 1
    assert len(cache.read_text().splitlines()) == 3
    assert main([*argv, "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert [r["cached"] for r in again["families"]] == [True] * 3 and again["spearman"] == summary["spearman"]


def test_latency_table_without_its_command_is_one_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "nasx.cli.latency_table_cmd", None)
    assert main(["latency", "table", "--space", "mnasnet"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == (
        "nasx latency: error: `nasx latency table` needs nasx.cli.latency_table_cmd, which this install lacks\n"
    )


def test_latency_table_is_handed_its_arguments(monkeypatch):
    seen = []
    command = types.SimpleNamespace(main=lambda argv: seen.append(argv) or 0)
    monkeypatch.setitem(sys.modules, "nasx.cli.latency_table_cmd", command)  # wiring only
    assert main(["latency", "table", "--space", "mnasnet", "--device", "cpu"]) == 0
    assert seen == [["--space", "mnasnet", "--device", "cpu"]]


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available here")
def test_cuda_that_is_not_there(capsys, cache):
    assert main(["latency", "lenet5", "--device", "cuda"]) == 2
    captured = capsys.readouterr()
    assert captured.err == "nasx latency: error: device='cuda': CUDA is not available on this machine\n"
    assert not cache.parent.exists()
