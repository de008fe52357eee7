"""evaluate_candidate: one row of the results table per candidate; failures are records, not exceptions."""

import json
import math

import pytest
import torch

from nasx import build_model, complexity, data, decode, families, proxy
from nasx.evaluation import evaluate_candidate
from nasx.profile import fingerprint, measure_latency
from nasx.results import COLUMNS
from nasx.reward import Objective, preset
from nasx.train import TrainSpec

ARCH = "res8_cls4|stem:cn_r1_k3_s1_c8|ir_r1_k3_s2_e2_c16_se0.25|head:c32"
FAST = TrainSpec(epochs=1, batch_size=32, threads=1)
# ARCH's cost by hand (8x8 input, 3 channels; convolutions without bias, BN: 2 params per channel):
#   stem 3x3 3->8, s1, 8x8 out:    216 + 16 = 232 params,        216 * 64 = 13,824 MACs
#   expand 1x1 8->16, 8x8:         128 + 32 = 160,               128 * 64 =  8,192
#   depthwise 3x3 16, s2, 4x4 out: 144 + 32 = 176,               144 * 16 =  2,304
#   SE on the input width, 8*0.25 = 2: 16*2+2 + 2*16+16 = 82,    32 + 32  =     64
#   project 1x1 16->16, 4x4:       256 + 32 = 288,               256 * 16 =  4,096
#   head 1x1 16->32, 4x4:          512 + 64 = 576,               512 * 16 =  8,192
#   classifier 32->4:              128 + 4  = 132,                            128
#   total                                   1,646 params                 36,800 MACs
ARCH_PARAMS, ARCH_MACS = 1646, 36800


@pytest.fixture(scope="module")
def tiny():
    return data.load("synthetic", resolution=8, num_samples=160, num_classes=4, seed=0)


def test_record_row_fills_the_results_columns(tiny):
    spec = decode(ARCH)
    full = families.get("efficientnet_b0")
    record = evaluate_candidate(spec, tiny, FAST, preset("efficientnet_b0"), seed=5, full_spec=full)
    assert record.ok and record.epochs == 1 and record.seed == 5
    row = record.to_row()
    assert set(row) <= set(COLUMNS)
    cost = complexity(spec)
    assert (row["params"], row["macs"]) == (cost.params, cost.macs)
    assert (row["params"], row["macs"]) == (ARCH_PARAMS, ARCH_MACS)
    assert (row["full_params"], row["full_macs"]) == (5288548, 385814752)
    assert row["arch"] == ARCH and row["arch_key"] == spec.key()
    assert (row["dataset"], row["resolution"], row["status"], row["error"]) == ("synthetic", 8, "ok", "")
    # the reward uses validation accuracy and full-scale MACs, by hand: acc * (385814752 / 4e8) ** -0.07
    assert row["reward"] == pytest.approx(row["val/top1"] * (385814752 / 400000000) ** -0.07, rel=1e-12)
    assert math.isnan(row["latency_ms"]) and json.loads(row["versions"])["torch"] == torch.__version__


def test_same_seed_same_record(tiny):
    a = evaluate_candidate(ARCH, tiny, FAST, preset("soft"), seed=2)
    b = evaluate_candidate(ARCH, tiny, FAST, preset("soft"), seed=2)
    assert (a.val_top1, a.test_top1, a.reward) == (b.val_top1, b.test_top1, b.reward)
    assert a.metrics.train_loss == b.metrics.train_loss


def test_arch_cost_matches_the_built_module():
    from nasx.module_cost import module_cost

    assert module_cost(decode(ARCH)) == (ARCH_PARAMS, ARCH_MACS)


def test_proxy_scale_cost_and_multi_mode(tiny):
    record = evaluate_candidate(ARCH, tiny, FAST, Objective("p", mode="multi", metric="params", scale="proxy"), seed=0)
    assert record.cost == complexity(decode(ARCH)).params
    assert record.cost == ARCH_PARAMS
    assert record.objectives() == (record.val_top1, record.cost) and math.isnan(record.reward)


def test_latency_objective_measures(tiny):
    record = evaluate_candidate(
        ARCH, tiny, FAST, Objective("lat", metric="latency_ms", target=1.0, scale="proxy"), latency_iters=3
    )
    assert record.latency_ms > 0 and record.cost == record.latency_ms
    assert record.latency.fingerprint["torch"] == torch.__version__


def test_invalid_candidates_are_failed_records(tiny):
    bad = evaluate_candidate("res8_cls4|zz_r1", tiny, FAST, preset("soft"))
    assert bad.status == "failed" and "invalid architecture" in bad.error and "unknown block type" in bad.error
    assert set(bad.to_row()) <= set(COLUMNS)
    wrong = evaluate_candidate("res16_cls4|ir_r1_k3_s1_c8|head:", tiny, FAST, preset("soft"))
    assert wrong.status == "failed" and "spec.resolution=16 does not match the data (synthetic: 8)" in wrong.error


def test_diverging_candidate_is_a_failed_record(tiny):
    record = evaluate_candidate(ARCH, tiny, TrainSpec(epochs=2, batch_size=32, lr=1e10), preset("soft"))
    assert record.status == "failed" and "non-finite" in record.error
    assert math.isnan(record.reward) and record.params == complexity(decode(ARCH)).params
    assert record.params == ARCH_PARAMS


def test_measure_latency_on_cpu():
    spec = proxy(families.get("resnet18"), resolution=16, num_classes=10, width_mult=0.25, stem_stride=1)
    model = build_model(spec)
    threads = torch.get_num_threads()
    lat = measure_latency(model, 16, batch_size=2, device="cpu", warmup=1, iters=5, threads=1)
    assert 0 < lat.min_ms <= lat.median_ms <= lat.p90_ms
    assert (lat.iters, lat.batch_size, lat.threads, lat.device) == (5, 2, 1, "cpu")
    assert torch.get_num_threads() == threads and model.training
    assert set(fingerprint()) >= {"cpu", "cores", "torch", "device_name"}
    with pytest.raises(ValueError, match="iters=0"):
        measure_latency(model, 16, iters=0)
