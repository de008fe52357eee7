"""The report's quantization sensitivity table, from hand-made rows."""

import math

import pytest

from nasx.analysis import analyze
from nasx.analysis.quantization import sensitivity_table
from tests.helpers.analysis_rows import frame, row, write_run


def _int8(trial_id, acc, int8_acc, *, seed, family="", test=None, int8_test=None, ms=None, fp32_ms=None):
    return row(
        trial_id,
        acc,
        1000,
        family=family,
        seed=seed,
        stage="confirm",
        **{
            "test/top1": test,
            "int8/val/top1": int8_acc,
            "int8/test/top1": int8_test,
            "int8/latency_ms": ms,
            "int8/fp32_latency_ms": fp32_ms,
        },
    )


ROWS = [
    # resnet18, three seeds: val drops 0.02, 0.04, 0.00 -> mean 0.02, sample std 0.02, se 0.02 / sqrt(3)
    _int8("ref-resnet18", 0.90, 0.88, seed=0, family="resnet18", test=0.80, int8_test=0.79, ms=10.0, fp32_ms=30.0),
    _int8("ref-resnet18@s1", 0.92, 0.88, seed=1, family="resnet18", test=0.82, int8_test=0.80, ms=12.0, fp32_ms=30.0),
    _int8("ref-resnet18@s2", 0.86, 0.86, seed=2, family="resnet18", test=0.84, int8_test=0.84, ms=11.0, fp32_ms=30.0),
    # a searched network, one seed, no fp32 latency known: drop 0.10, std and speed-up unknown
    _int8("confirm-s0003", 0.80, 0.70, seed=0, test=0.75, int8_test=0.60, ms=5.0),
    # no INT8 scores (a row from before INT8, or trained without quantize): left out
    row("confirm-s0004", 0.95, 500, seed=0, stage="confirm"),
]


def test_drop_spread_latency_and_speed_up_per_network():
    table = sensitivity_table(frame([dict(r) for r in ROWS]))
    assert list(table["network"]) == ["confirm-s0003", "resnet18"]  # largest drop first; s0004 has no INT8 score
    searched, family = table.iloc[0], table.iloc[1]
    assert family["seeds"] == 3 and family["stage"] == "confirm"
    assert family["float val/top1"] == pytest.approx(2.68 / 3) and family["int8 val/top1"] == pytest.approx(2.62 / 3)
    assert family["val drop"] == pytest.approx(0.02)
    assert family["val drop std"] == pytest.approx(0.02)
    assert family["val drop se"] == pytest.approx(0.02 / math.sqrt(3))
    assert family["test drop"] == pytest.approx((0.01 + 0.02 + 0.0) / 3)
    assert family["int8 latency_ms"] == pytest.approx(11.0) and family["fp32 latency_ms"] == pytest.approx(30.0)
    assert family["speed-up"] == pytest.approx(30.0 / 11.0)
    assert searched["seeds"] == 1 and searched["val drop"] == pytest.approx(0.10)
    assert searched["test drop"] == pytest.approx(0.15)
    assert math.isnan(searched["val drop std"]) and math.isnan(searched["speed-up"])


def test_the_report_has_the_section_only_with_int8_rows(tmp_path):
    run = write_run(tmp_path / "run", [dict(r) for r in ROWS])
    result = analyze.analyze([run], figures=False)
    section = next(s for s in result.sections if s.title == "Quantization sensitivity")
    name, table = section.tables[0]
    assert list(table["network"]) == ["confirm-s0003", "resnet18"]
    assert any(title.startswith("quantization sensitivity") for title, _ in result.summary)
    plain = write_run(tmp_path / "plain", [row("a", 0.9, 100), row("b", 0.8, 50)])
    assert all(s.title != "Quantization sensitivity" for s in analyze.analyze([plain], figures=False).sections)
