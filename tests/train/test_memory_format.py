"""train.memory_format and train.crop_kernels: the same training in every format, old configs unchanged."""

import dataclasses

import pytest
import torch
from torch import nn

from nasx import build_model, data, decode
from nasx.build.crop import crop_kernels
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


# the fixed small case for gradients: every op of the demo's proxy EfficientNet-B0 (swish, squeeze-excite, skips,
# drop path, dropout) at 8x8, with depthwise k3 s1 on 8x8, k5 s2 on 8x8 and 4x4, k5 s1 on 2x2 and k5 s2 on 2x2
# (those two cropped to their 3x3 middle taps), maps down to 1x1
SMOOTH = (
    "res8_cls10_dp0.2|stem:cn_r1_k3_s1_c8_nsw|ir_r1_k3_s1_c8_se0.25_nsw|ir_r1_k5_s2_e3_c16_se0.25_nsw"
    "|ir_r2_k5_s2_e3_c16_se0.25_nsw|ir_r1_k5_s2_e3_c24_se0.25_nsw|head:c32_nsw_d0.2"
)
LAYOUTS = {  # name -> (memory format, crop_kernels)
    "contiguous": (torch.contiguous_format, False),
    "channels_last": (torch.channels_last, False),
    "channels_last+cropped": (torch.channels_last, True),
}


def relu_inputs(model: nn.Module, masks: list[torch.Tensor] | None) -> list[torch.Tensor]:
    """Hooks recording every ReLU's input (float64) during the next forward pass; with `masks`, each ReLU
    takes its decisions (input > 0) from `masks` instead, in call order."""
    seen: list[torch.Tensor] = []

    def hook(relu, args, out):
        seen.append(args[0].detach().double())
        return None if masks is None else args[0] * masks[len(seen) - 1].to(args[0].dtype)

    for m in model.modules():
        if isinstance(m, nn.ReLU):
            m.inplace = False  # a forward hook may not replace an in-place result
            m.register_forward_hook(hook)
    return seen


def nominal_grads(model: nn.Module) -> list[torch.Tensor]:
    """The parameters' gradients in parameters() order, a cropped kernel's at its nominal shape (the dropped
    taps, which only ever meet padding, 0)."""
    grads = []
    for module in model.modules():
        for name, p in module.named_parameters(recurse=False):
            g = p.grad
            if name == "weight" and getattr(module, "nominal", None) is not None:
                kernel, _, ((top, bottom), (left, right)) = module.nominal
                g = torch.nn.functional.pad(g, (left, kernel[1] - 1 - right, top, kernel[0] - 1 - bottom))
            grads.append(g)
    return grads


def gradient_errors(arch: str, reference_relus: bool = False) -> tuple[dict[str, float], dict[str, list[float]]]:
    """One training step (train mode, dropout and drop path drawing the same masks in every run) of `arch`
    on random 8x8 images: per layout, the largest float32 gradient error against a float64 contiguous
    reference, over all parameters, relative to the largest reference gradient; and the ReLU inputs whose
    sign differs from the reference's. `reference_relus`: every ReLU decides as the reference's did."""
    torch.manual_seed(0)
    ref = build_model(decode(arch)).double().train()
    x = torch.randn(64, 3, 8, 8, dtype=torch.float64)
    y = torch.randint(0, 10, (64,))
    ref_relus = relu_inputs(ref, None)
    torch.manual_seed(1)
    nn.functional.cross_entropy(ref(x), y).backward()
    masks = [r > 0 for r in ref_relus] if reference_relus else None
    top = max(p.grad.abs().max().item() for p in ref.parameters())
    errors, flips = {}, {}
    for name, (fmt, crop) in LAYOUTS.items():
        net = build_model(decode(arch)).train()
        net.load_state_dict({k: v.float() for k, v in ref.state_dict().items()})
        if crop:
            assert crop_kernels(net, (3, 8, 8)) > 0
        net.to(memory_format=fmt)  # type: ignore[call-overload]
        relus = relu_inputs(net, masks)
        torch.manual_seed(1)
        nn.functional.cross_entropy(net(x.float().contiguous(memory_format=fmt)), y).backward()
        errors[name] = max(
            (g.double() - p.grad).abs().max().item() / top
            for p, g in zip(ref.parameters(), nominal_grads(net), strict=True)
        )
        flips[name] = [v for r, a in zip(ref_relus, relus, strict=True) for v in a[(a > 0) != (r > 0)].tolist()]
    return errors, flips


def test_channels_last_gradients_match_float64_as_contiguous_ones_do():
    # measured: contiguous 8.6e-7, channels_last (cropped or not) 1.5e-6 of the largest gradient; a wrong
    # kernel would show ~1e-2. channels_last is a little less precise because its CPU batch norm sums the batch
    # statistics less accurately (the mean to 3.5e-6 relative against 5e-8 contiguous on 128x16x16x16 inputs
    # whose mean is 10 standard deviations), which is still float32 rounding
    errors, _ = gradient_errors(SMOOTH)
    assert errors["contiguous"] < 5e-6
    assert errors["channels_last"] < 2e-5 and errors["channels_last+cropped"] < 2e-5


def test_relu_networks_differ_only_where_a_relu_input_rounds_across_zero():
    # ARCH (relu) in channels_last: 1.8e-3 of the largest gradient (contiguous 3.4e-7), because one ReLU input
    # of -9.8e-8 rounds to the other side of zero and passes a whole gradient element the reference blocks.
    # With every ReLU deciding as the float64 reference did, channels_last agrees to rounding (4.0e-7)
    errors, flips = gradient_errors(ARCH)
    assert errors["contiguous"] < 5e-6 and not flips["contiguous"]
    assert all(abs(v) < 1e-5 for v in flips["channels_last"] + flips["channels_last+cropped"])
    errors, _ = gradient_errors(ARCH, reference_relus=True)
    assert max(errors.values()) < 2e-5


def test_runs_in_every_layout_stay_close(digits):
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
