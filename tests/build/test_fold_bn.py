"""Batch norm folded for evaluation: the same logits for every block type, every foldable BN folded and no other,
the network given never changed, and training with train.fold_bn exactly as without."""

import copy
import dataclasses

import pytest
import torch
from torch import nn

from nasx import build_model, data, decode, families, proxy
from nasx.arch import BLOCKS, ArchSpec
from nasx.build.crop import crop_kernels
from nasx.build.fold_bn import foldable_pairs, folded, folded_for_eval
from nasx.search.rows import training_key
from nasx.train import TrainSpec, train_and_eval
from tests.helpers.search_setups import tiny_setup
from tests.helpers.specgen import spec_with_block


def _spec_with(kind: str) -> ArchSpec:
    return spec_with_block(kind, f"fold-{kind}")


def _trained_statistics(model: nn.Module, shape: tuple[int, ...]) -> nn.Module:
    """`model` with BN statistics and affine parameters away from their initial 0/1 (else folding is a no-op)."""
    torch.manual_seed(0)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
        model.train()
        for _ in range(3):
            model(torch.randn(16, *shape))
    return model.eval()


def _kept(model: nn.Module) -> set[str]:
    """The BNs that normalise a block's input rather than a conv's output, by construction: a pre-activation
    block's `bn1`, a DenseNet layer's `norm1`, a transition's and a pre-activation head's `norm`."""
    kept = set()
    for name, m in model.named_modules():
        if not isinstance(m, nn.BatchNorm2d):
            continue
        parent, _, attr = name.rpartition(".")
        owner = type(model.get_submodule(parent)).__name__
        if (owner, attr) in (("PreActBlock", "bn1"), ("DenseLayer", "norm1")) or attr == "norm":
            kept.add(name)
    return kept


def _bns(model: nn.Module) -> set[str]:
    return {name for name, m in model.named_modules() if isinstance(m, nn.BatchNorm2d)}


NETWORKS = [(kind, _spec_with(kind)) for kind in BLOCKS] + [
    (name, proxy(families.get(name), resolution=16, num_classes=10, width_mult=0.25, depth_mult=0.5))
    for name in ("efficientnet_b0", "mixnet_s", "resnet18", "preact_resnet18", "googlenet")
]


@pytest.mark.parametrize(("name", "spec"), NETWORKS, ids=[name for name, _ in NETWORKS])
def test_folded_network_gives_the_same_logits_with_only_pre_activation_bns_left(name, spec):
    shape = (spec.in_channels, spec.resolution, spec.resolution)
    model = _trained_statistics(build_model(spec), shape)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    params, bns = sum(p.numel() for p in model.parameters()), _bns(model)
    fused = folded_for_eval(model)
    assert _bns(fused) == _kept(model), name  # every BN after a conv folded, none before one
    assert len(_bns(fused)) < len(bns)
    x = torch.randn(8, *shape, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected, got = model(x), fused(x)
    assert torch.allclose(got, expected, rtol=1e-4, atol=1e-5), (got - expected).abs().max()
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # the network given is untouched
    assert sum(p.numel() for p in model.parameters()) == params and _bns(model) == bns


@pytest.mark.parametrize("channels_last", [False, True])
def test_cropped_kernels_and_channels_last_fold(channels_last):
    spec = proxy(families.get("efficientnet_b0"), resolution=8, num_classes=10, width_mult=0.25, depth_mult=0.5)
    model = _trained_statistics(build_model(spec), (3, 8, 8))
    assert crop_kernels(model, (3, 8, 8)) > 0
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model.to(memory_format=fmt)  # type: ignore[call-overload]
    x = torch.randn(8, 3, 8, 8).contiguous(memory_format=fmt)
    fused = folded_for_eval(model)
    assert not _bns(fused)
    convs = [m for m in fused.modules() if isinstance(m, nn.Conv2d)]
    assert any(hasattr(m, "nominal") for m in convs)  # still cropped
    if channels_last:
        assert all(m.weight.is_contiguous(memory_format=torch.channels_last) for m in convs)
    with torch.no_grad():
        assert torch.allclose(fused(x), model(x), rtol=1e-4, atol=1e-5)


class _Shared(nn.Module):
    """conv_a's output read by its BN and by the sum (not foldable); conv_b -> bn_b (foldable); bn_c called twice."""

    def __init__(self) -> None:
        super().__init__()
        self.conv_a, self.bn_a = nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4)
        self.conv_b, self.bn_b = nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4)
        self.conv_c, self.bn_c = nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.conv_a(x)
        b = self.bn_b(self.conv_b(self.bn_a(a) + a))
        return self.bn_c(self.bn_c(self.conv_c(b)))


def test_only_a_bn_reading_a_conv_output_nothing_else_reads_is_folded():
    model = _trained_statistics(_Shared(), (3, 6, 6))
    assert foldable_pairs(model) == [("conv_b", "bn_b")]
    x = torch.randn(2, 3, 6, 6)
    with torch.no_grad():
        assert torch.allclose(folded_for_eval(model)(x), model(x), rtol=1e-4, atol=1e-5)


def test_folding_in_place_puts_back_the_very_parameters_and_modules():
    spec = proxy(families.get("mixnet_s"), resolution=16, num_classes=10, width_mult=0.25, depth_mult=0.5)
    model = _trained_statistics(build_model(spec), (3, 16, 16)).train()
    params = list(model.parameters())
    modules = dict(model.named_modules())
    state = copy.deepcopy(model.state_dict())
    x = torch.randn(4, 3, 16, 16)
    with torch.no_grad():
        expected = model.eval()(x)
        model.train()
        with folded(model) as net:
            assert net is model and not model.training and not _bns(model)
            assert torch.allclose(net(x), expected, rtol=1e-4, atol=1e-5)
    assert model.training
    assert all(p is q for p, q in zip(model.parameters(), params, strict=True))
    assert all(modules[name] is m for name, m in model.named_modules())
    assert all(torch.equal(state[k], v) for k, v in model.state_dict().items())
    with pytest.raises(RuntimeError, match="boom"), folded(model):
        raise RuntimeError("boom")
    assert all(p is q for p, q in zip(model.parameters(), params, strict=True)) and len(_bns(model)) == len(
        [m for m in modules.values() if isinstance(m, nn.BatchNorm2d)]
    )


ARCH = "res8_cls10|stem:cn_r1_k3_s1_c8|ir_r1_k5_s2_e2_c16_se0.25|ir_r1_k5_s2_e3_c16|ir_r1_k5_s1_e3_c16|head:c32_d0.0"
FIXED = TrainSpec(epochs=2, batch_size=64, lr=0.1, label_smoothing=0.0, crop_pad=0, threads=1, seed=0)


@pytest.mark.parametrize(
    "changes", [{}, {"memory_format": "channels_last", "crop_kernels": True}], ids=["contiguous", "fast"]
)
def test_training_with_fold_bn_is_training_without_it(changes):
    digits = data.load("digits", resolution=8)
    runs = []
    for fold in (False, True):
        torch.manual_seed(0)
        model = build_model(decode(ARCH))
        metrics = train_and_eval(model, digits, dataclasses.replace(FIXED, fold_bn=fold, **changes))
        runs.append((model, metrics))
    (plain_model, plain), (fold_model, fold) = runs
    assert [h["train/loss"] for h in fold.history] == [h["train/loss"] for h in plain.history]
    assert plain.val_top1 > 0.5 and (fold.val_top1, fold.test_top1) == (plain.val_top1, plain.test_top1)
    assert {k: v.shape for k, v in fold_model.state_dict().items()} == {
        k: v.shape for k, v in plain_model.state_dict().items()
    }
    assert all(
        torch.equal(a, b)
        for a, b in zip(plain_model.state_dict().values(), fold_model.state_dict().values(), strict=True)
    )


def test_fold_bn_changes_the_config_hash_only_when_true(tmp_path):
    setup = tiny_setup(tmp_path)
    assert not setup.train.fold_bn
    assert training_key(setup, train={"fold_bn": False}) == "61db124c3134922d"  # tests/search/test_queue.py's KEY_TINY
    assert training_key(setup, train={"fold_bn": True}) != "61db124c3134922d"
    with pytest.raises(ValueError, match="train.fold_bn"):
        TrainSpec(fold_bn="yes")  # type: ignore[arg-type]
