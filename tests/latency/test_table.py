"""The latency table: prediction from a hand-made table, the fit, the file round trip, refusals."""

import json

import pytest

from nasx.arch.codec import decode
from nasx.latency.table import Fit, LatencyTable, Setting, fit, load, loo_rms_pct

SPEC = decode("res32_cls10|stem:cn_r1_k3_s2_c8|ir_r2_k3_s2_e6_c16|head:c32")
KEYS = [
    "stem:cn_r1_k3_s2_c8@3x32",
    "block:ir_r1_k3_s2_e6_c16@8x16",
    "block:ir_r1_k3_s1_e6_c16@16x8",
    "head:head_c32@16x8/10",
]
MACHINE = {"device_name": "cpu X", "cores": 2, "torch": "2.13", "cuda": None, "python": "3.11"}


def table(**changes) -> LatencyTable:
    values = dict(
        space="mnasnet",
        setting=Setting(),
        fingerprint=MACHINE,
        units_ms=dict(zip(KEYS, [1.0, 2.0, 0.5, 0.25], strict=True)),
        fit=Fit(constant_ms=0.5),
        additive=Fit(constant_ms=0.5),
    )
    return LatencyTable(**{**values, **changes})


def test_prediction_is_the_sum_of_the_units_plus_the_constant():
    # stem 1.0 + first block 2.0 + its repeat 0.5 + head 0.25 = 3.75; + constant 0.5 = 4.25
    assert table().predict_ms(SPEC) == 4.25


def test_prediction_with_the_correction():
    # 1.1 * 3.75 + 0.5 + 0.125 * 4 units = 4.125 + 0.5 + 0.5 = 5.125; the additive model stays 4.25
    t = table(fit=Fit(constant_ms=0.5, per_unit_ms=0.125, scale=1.1))
    assert t.predict_ms(SPEC) == pytest.approx(5.125)
    assert t.predict_ms(SPEC, additive=True) == 4.25


def test_a_network_with_a_unit_the_table_lacks_is_refused_naming_the_unit():
    units = dict(table().units_ms)
    del units[KEYS[2]]
    missing = r"^the latency table of space mnasnet has no unit block:ir_r1_k3_s1_e6_c16@16x8$"
    with pytest.raises(ValueError, match=missing):
        table(units_ms=units).predict_ms(SPEC)


def test_save_and_load_round_trip(tmp_path):
    t = table(validation={"networks": 3, "corrected": {"within_10pct": 1.0}}, coverage={"units": 1.0})
    path = t.save(tmp_path / "sub" / "t.json")
    assert load(path) == t
    assert [p.name for p in path.parent.iterdir()] == ["t.json"]  # no temporary file left


def test_a_file_that_is_not_a_table_is_refused(tmp_path):
    (tmp_path / "x.json").write_text(json.dumps({"format": 99}))
    with pytest.raises(ValueError, match=r"latency table .*x.json: not a latency table of format 1"):
        load(tmp_path / "x.json")
    with pytest.raises(ValueError, match=r"latency table .*y.json: no such file"):
        load(tmp_path / "y.json")


@pytest.mark.parametrize(
    "setting, message",
    [
        (Setting(batch=8), "measured with batch=1, not batch=8"),
        (Setting(threads=4), "measured with threads=1, not threads=4"),
        (Setting(device="cuda"), "measured with device=cpu, not device=cuda"),
    ],
)
def test_another_setting_is_named(setting, message):
    assert table().mismatch(setting, MACHINE) == f"the latency table was {message}"


def test_another_machine_is_named_and_the_same_one_passes():
    assert table().mismatch(Setting(), MACHINE) is None
    assert table().mismatch(Setting(), {**MACHINE, "python": "3.12"}) is None  # python does not time networks
    assert table().mismatch(Setting(), {**MACHINE, "device_name": "cpu Y"}) == (
        "the latency table was measured on another machine: device_name 'cpu X' (the table) against 'cpu Y' "
        "(this machine)"
    )


def test_settings_are_checked_with_their_prefix():
    with pytest.raises(ValueError, match=r"^objective.batch=0: must be an integer >= 1$"):
        Setting(batch=0).check(prefix="objective.")
    with pytest.raises(ValueError, match=r"^--device='tpu': choose one of cpu, cuda$"):
        Setting(device="tpu").check(prefix="--")


def test_the_additive_fit_is_the_mean_residual():
    # residuals whole - sum: 1, 2, 3 -> constant 2
    assert fit([10.0, 20.0, 30.0], [5, 6, 7], [11.0, 22.0, 33.0], corrected=False) == Fit(constant_ms=2.0)


def test_the_corrected_fit_recovers_an_exact_linear_law():
    # whole = 1.2 * sum + 0.3 + 0.05 * units, exactly, over networks where sum and units vary independently
    sums, units = [10.0, 20.0, 15.0, 30.0, 12.0], [5, 9, 14, 6, 20]
    whole = [1.2 * s + 0.3 + 0.05 * n for s, n in zip(sums, units, strict=True)]
    got = fit(sums, units, whole, corrected=True)
    assert got.scale == pytest.approx(1.2) and got.constant_ms == pytest.approx(0.3)
    assert got.per_unit_ms == pytest.approx(0.05)
    assert loo_rms_pct(sums, units, whole, corrected=True) == pytest.approx(0.0, abs=1e-9)
    assert loo_rms_pct(sums, units, whole, corrected=False) > 1.0  # the constant alone cannot follow the scale


def test_the_corrected_fit_falls_back_to_the_constant_with_too_few_networks():
    assert fit([10.0, 20.0], [5, 6], [11.0, 23.0], corrected=True) == Fit(constant_ms=2.0)
