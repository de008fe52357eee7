"""train.memory_format and train.crop_kernels: the same training in every format, old configs unchanged."""

import dataclasses

import pytest
import torch

from nasx import build_model, data, decode
from nasx.search.rows import training_key
from nasx.train import TrainSpec, train_and_eval
from nasx.train.memory_format import probe, resolve
from tests.helpers.search_setups import tiny_setup

# at resolution 8 the last block's k5 depthwise conv sees a 2x2 map: cropped to its 3x3 middle taps (the k5
# stride-2 convs on 8x8 and 4x4 maps reach real pixels with every tap somewhere and stay as they are)
ARCH = "res8_cls10|stem:cn_r1_k3_s1_c8|ir_r1_k5_s2_e2_c16_se0.25|ir_r1_k5_s2_e3_c16|ir_r1_k5_s1_e3_c16|head:c32_d0.0"
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


def test_cropping_trains_the_same_network(digits):
    _, plain = trained(digits, memory_format="contiguous")
    assert plain.memory_format == "contiguous" and plain.val_top1 > 0.5
    model, cropped = trained(digits, crop_kernels=True)
    # the same function, the same layout: at most rounding apart, and no image changes its predicted class
    assert (cropped.val_top1, cropped.test_top1) == (plain.val_top1, plain.test_top1)
    for a, b in zip(plain.history, cropped.history, strict=True):
        assert abs(a["train/loss"] - b["train/loss"]) < 1e-4
    assert model.stages[2][0].conv_dw.weight.shape[-2:] == (5, 5)  # handed back with the nominal kernel


def test_one_step_against_float64_and_runs_stay_close(digits):
    # one training step's gradients against a float64 reference (relative to each tensor's largest gradient,
    # at least 1e-2: BN biases right before a residual sum get gradients of ~0). Contiguous float32 agrees to
    # rounding (measured 2.5e-6). channels_last does not: measured 2.6e-2 (worst: the last block's BN and
    # pointwise convs), while its forward pass agrees to 1e-6 and a depthwise conv's or a BN's backward alone
    # to 1e-6 in either layout. The op responsible is not localised yet; this pins the difference as it is,
    # and is why CPU trials stay contiguous until bench.memory_format_accuracy settles the accuracy.
    torch.manual_seed(0)
    ref = build_model(decode(ARCH)).double().train()
    x = torch.randn(64, 3, 8, 8, dtype=torch.float64)
    ref(x).square().sum().backward()
    worst = {}
    for name, fmt in (("contiguous", torch.contiguous_format), ("channels_last", torch.channels_last)):
        net = build_model(decode(ARCH))
        net.load_state_dict({k: v.float() for k, v in ref.state_dict().items()})
        net.to(memory_format=fmt).train()  # type: ignore[call-overload]
        net(x.float().contiguous(memory_format=fmt)).square().sum().backward()
        worst[name] = max(
            (q.grad.double() - p.grad).abs().max().item() / max(p.grad.abs().max().item(), 1e-2)
            for p, q in zip(ref.parameters(), net.parameters(), strict=True)
        )
    assert worst["contiguous"] < 1e-5
    assert worst["channels_last"] < 5e-2
    # over 2 epochs of SGD the difference grows (each step's result feeds the next) but stays small: measured
    # on this case 3e-4 in the first epoch's loss, 0.007 in the second, 1 of 180 validation images
    _, plain = trained(digits, memory_format="contiguous")
    for changes in ({"memory_format": "channels_last"}, {"memory_format": "channels_last", "crop_kernels": True}):
        _, other = trained(digits, **changes)
        assert other.memory_format == "channels_last"
        assert abs(other.history[0]["train/loss"] - plain.history[0]["train/loss"]) < 2e-3, changes
        assert abs(other.train_loss - plain.train_loss) < 0.03, changes
        assert abs(other.val_top1 - plain.val_top1) <= 3 / 180 and abs(other.test_top1 - plain.test_top1) <= 0.02


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


def test_cropped_channels_last_run_resumes_exactly(digits):
    fast = {"memory_format": "channels_last", "crop_kernels": True}
    states = []
    torch.manual_seed(0)
    model = build_model(decode(ARCH))
    full = train_and_eval(model, digits, dataclasses.replace(FIXED, **fast), on_epoch=lambda m, s: states.append(s))
    assert states[0]["model"]["stages.2.0.conv_dw.weight"].shape[-2:] == (3, 3)  # snapshots hold the cropped kernel
    torch.manual_seed(123)
    again = build_model(decode(ARCH))
    resumed = train_and_eval(again, digits, dataclasses.replace(FIXED, **fast), state=states[0])
    assert (resumed.val_top1, resumed.test_top1, resumed.train_loss) == (full.val_top1, full.test_top1, full.train_loss)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values(), strict=True))
