"""train.memory_format and train.crop_kernels: the same training in every format, old configs unchanged."""

import dataclasses

import pytest
import torch

from nasx import build_model, data, decode
from nasx.search.rows import training_key
from nasx.train import TrainSpec, train_and_eval
from nasx.train.memory_format import probe, resolve
from tests.helpers.search_setups import tiny_setup

# k5 depthwise convs on 4x4 and 2x2 maps: cropped to 4x4 and 3x3 taps at resolution 8
ARCH = "res8_cls10|stem:cn_r1_k3_s1_c8|ir_r1_k5_s2_e2_c16_se0.25|ir_r1_k5_s2_e3_c16|head:c32_d0.0"
# the fixed small case: digits at 8x8, 2 epochs, seed 0, no crop augmentation or label smoothing (a network
# that leaves chance level within the run, so rounding does not flip the validation argmax)
FIXED = TrainSpec(epochs=2, batch_size=64, lr=0.1, label_smoothing=0.0, crop_pad=0, threads=1, seed=0)


@pytest.fixture(scope="module")
def digits():
    return data.load("digits", resolution=8)


def trained(digits, **changes):
    torch.manual_seed(0)
    model = build_model(decode(ARCH))
    return model, train_and_eval(model, digits, dataclasses.replace(FIXED, **changes))


def test_formats_and_cropping_train_the_same_network(digits):
    _, plain = trained(digits, memory_format="contiguous")
    assert plain.memory_format == "contiguous" and plain.val_top1 > 0.5
    for changes in (
        {"memory_format": "channels_last"},
        {"crop_kernels": True},
        {"memory_format": "channels_last", "crop_kernels": True},
    ):
        model, other = trained(digits, **changes)
        assert other.memory_format == changes.get("memory_format", "contiguous")
        # the same function in float32 with another summation order: losses agree to rounding, and on this
        # case no validation or test image changes its predicted class
        assert other.val_top1 == plain.val_top1 and other.test_top1 == plain.test_top1, changes
        for a, b in zip(plain.history, other.history, strict=True):
            assert abs(a["train/loss"] - b["train/loss"]) < 1e-4, changes
        assert model.stages[0][0].conv_dw.weight.shape[-2:] == (5, 5)  # handed back with the nominal kernel


def test_device_rule_keeps_cpu_contiguous_and_old_configs_load():
    model = build_model(decode(ARCH))
    old = {k: v for k, v in TrainSpec().to_dict().items() if k not in ("memory_format", "crop_kernels")}
    spec = TrainSpec(**{**old, "channels_last": True})  # a run config stored before the knob existed
    assert spec.memory_format == "device" and not spec.crop_kernels
    assert resolve(spec, model, (3, 8, 8), 64) == "contiguous"
    assert resolve(dataclasses.replace(spec, device="cuda"), model, (3, 8, 8), 64) == "channels_last"
    assert resolve(dataclasses.replace(spec, device="cuda", channels_last=False), model, (3, 8, 8), 64) == "contiguous"
    assert resolve(dataclasses.replace(spec, memory_format="channels_last"), model, (3, 8, 8), 64) == "channels_last"


def test_config_hash_changes_only_away_from_the_defaults(tmp_path):
    setup = tiny_setup(tmp_path)
    key = training_key(setup)
    assert key == "61db124c3134922d"  # tests/search/test_queue.py's KEY_TINY: today's hashes stay as they were
    assert training_key(setup, train={"memory_format": "device", "crop_kernels": False}) == key
    assert training_key(setup, train={"memory_format": "channels_last"}) != key
    assert training_key(setup, train={"memory_format": "auto"}) != key
    assert training_key(setup, train={"crop_kernels": True}) != key


def test_auto_probe_picks_a_format_once_and_leaves_the_rng_alone():
    model = build_model(decode(ARCH))
    before = torch.get_rng_state()
    choice = probe(model, (3, 8, 8), 16, torch.device("cpu"))
    assert choice in ("channels_last", "contiguous")
    assert torch.equal(torch.get_rng_state(), before)
    assert probe(model, (3, 8, 8), 16, torch.device("cpu")) == choice  # cached
    assert not any(p.grad is not None for p in model.parameters())  # the probe trains copies only


@pytest.mark.parametrize(("field", "value"), [("memory_format", "nhwc"), ("crop_kernels", "yes")])
def test_bad_values_are_refused(field, value):
    with pytest.raises(ValueError, match=f"train.{field}"):
        TrainSpec(**{field: value})
