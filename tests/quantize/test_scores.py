"""INT8 scores of a trained network: the calibration draw, top-1 on the splits, the full-scale latency."""

import math

import pytest
import torch

from nasx.arch import decode
from nasx.build import build_model
from nasx.data import DataSpec
from nasx.quantize import QuantizeError, calibration_inputs, check_quantizes, full_scale_latency, int8_scores
from nasx.train.loop import accuracy, model_inputs, train_and_eval
from nasx.train.spec import TrainSpec

ARCH = "res8_cls10|stem:cn_r1_k3_s1_c16|ir_r1_k3_s1_e4_c16_se0.25_nhs|basic_r1_s2_c24|head:"


@pytest.fixture(scope="module")
def digits():
    return DataSpec(resolution=8).load()


def test_calibration_images_are_a_seeded_draw_normalised_as_the_trainer_does(digits):
    x = calibration_inputs(digits, 100, seed=3)
    order = torch.randperm(len(digits.train_y), generator=torch.Generator().manual_seed(3))
    assert torch.equal(x, model_inputs(digits.train_x[order[:100]], digits, channels_last=False))
    assert x.shape == (100, 3, 8, 8) and x.dtype == torch.float32
    assert not torch.equal(x, calibration_inputs(digits, 100, seed=4))
    assert len(calibration_inputs(digits, 10**6, seed=0)) == len(digits.train_y)  # at most the split


def test_a_trained_network_keeps_its_accuracy_in_int8(digits):
    spec = TrainSpec(epochs=5, batch_size=32, threads=1)
    torch.manual_seed(0)
    model = build_model(decode(ARCH))
    metrics = train_and_eval(model, digits, spec)
    scores = int8_scores(model, digits, spec, images=256, seed=0)
    assert 0.0 <= scores.val_top1 <= 1.0 and 0.0 <= scores.test_top1 <= 1.0
    assert math.isnan(scores.latency_ms) and math.isnan(scores.fp32_latency_ms)  # no full spec given
    # the float network is unchanged: its accuracy is still the trainer's
    assert accuracy(model.cpu(), digits.test_x, digits.test_y, digits, spec) == metrics.test_top1
    # 359 test images: 5 epochs reach 0.94 in float (0.93 in INT8, measured); 0.05 is 18 images
    assert metrics.test_top1 > 0.8
    assert abs(metrics.test_top1 - scores.test_top1) <= 0.05
    assert abs(metrics.val_top1 - scores.val_top1) <= 0.05


def test_full_scale_latency_times_int8_and_fp32():
    full = decode("res32_cls10|stem:cn_r1_k3_s2_c16|ir_r2_k3_s1_e4_c16|head:")
    int8, fp32 = full_scale_latency(full, threads=1, warmup=1, iters=3)
    assert int8.resolution == fp32.resolution == 32 and int8.batch_size == fp32.batch_size == 1
    assert int8.threads == fp32.threads == 1 and int8.iters == 3
    assert int8.median_ms > 0 and fp32.median_ms > 0


def test_check_quantizes_names_the_block(monkeypatch):
    from nasx.build.resnet import BasicBlock

    def data_dependent(self, x):
        return x if x.sum() > 0 else -x

    check_quantizes(decode(ARCH))  # quantizes as it is
    monkeypatch.setattr(BasicBlock, "forward", data_dependent)
    with pytest.raises(QuantizeError, match=r"^stages\[1\] \(basic_r1_s2_c24\) does not quantize: "):
        check_quantizes(decode(ARCH))
