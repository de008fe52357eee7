"""Kernel cropping: the taps kept, exact outputs and gradients, nominal shapes and accounting restored."""

import copy

import pytest
import torch

from nasx import build_model, complexity, decode, families, proxy
from nasx.build.crop import crop_kernels, cropped_taps, uncrop_kernels


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding", "taps"),
    [
        # 2 pixels, k5 p2 s1: 2 outputs; output 0 reads inputs -2..2 (taps 2,3 real), output 1 reads -1..3
        # (taps 1,2 real): taps 1..3 ever touch real input
        (2, 5, 1, 2, (1, 3)),
        # 1 pixel, k5 p2: the single output reads -2..2; only tap 2 is real
        (1, 5, 1, 2, (2, 2)),
        # 2 pixels, k3 p1 s2: 1 output reading -1..1; taps 1,2 are real
        (2, 3, 2, 1, (1, 2)),
        # 4 pixels, k3 p1: every tap meets real input somewhere
        (4, 3, 1, 1, None),
        # 3 pixels, k7 p3: 3 outputs, output 0 reads -3..3 (taps 3..5), output 2 reads -1..5 (taps 1..3)
        (3, 7, 1, 3, (1, 5)),
    ],
)
def test_cropped_taps_by_hand(size, kernel, stride, padding, taps):
    assert cropped_taps(size, kernel, stride, padding) == taps


def proxy_b0(resolution=16):
    full = families.get("efficientnet_b0")
    return proxy(full, resolution=resolution, num_classes=10, width_mult=0.25, depth_mult=0.5, stem_stride=1)


@pytest.mark.parametrize(
    "spec",
    [
        proxy_b0(16),
        proxy_b0(8),
        decode("res4_cls4|stem:cn_r1_k3_s2_c8|ir_r1_k7_s2_e2_c16_se0.25|ir_r1_k5_s1_e3_c16|head:c32_d0.1"),
    ],
    ids=["b0-16", "b0-8", "k7-on-1px"],
)
def test_cropping_is_exact_in_float64(spec):
    torch.manual_seed(0)
    nominal = build_model(spec).double()
    cropped = copy.deepcopy(nominal)
    assert crop_kernels(cropped, (spec.in_channels, spec.resolution, spec.resolution)) > 0
    assert sum(p.numel() for p in cropped.parameters()) < sum(p.numel() for p in nominal.parameters())
    x = torch.randn(4, spec.in_channels, spec.resolution, spec.resolution, dtype=torch.float64)
    for mode in ("eval", "train"):
        getattr(nominal, mode)(), getattr(cropped, mode)()
        torch.manual_seed(1)  # drop path draws the same masks in both
        a = nominal(x)
        torch.manual_seed(1)
        b = cropped(x)
        assert torch.allclose(a, b, rtol=0, atol=1e-12)
    a.sum().backward(), b.sum().backward()
    modules = dict(cropped.named_modules())
    for (name, p), q in zip(nominal.named_parameters(), cropped.parameters(), strict=True):
        if p.shape != q.shape:  # the kept taps get the same gradient, the dropped ones none at all
            (top, bottom), (left, right) = modules[name.rsplit(".", 1)[0]].nominal[2]
            kept = p.grad[:, :, top : bottom + 1, left : right + 1]
            assert torch.allclose(kept, q.grad, rtol=1e-9, atol=1e-9), name
            dropped = p.grad.clone()
            dropped[:, :, top : bottom + 1, left : right + 1] = 0
            assert not dropped.any(), name
        else:
            assert torch.allclose(p.grad, q.grad, rtol=1e-9, atol=1e-9), name


def test_uncropped_network_has_the_nominal_shapes_params_and_outputs():
    spec = proxy_b0(8)
    torch.manual_seed(0)
    nominal = build_model(spec).double().eval()
    cropped = copy.deepcopy(nominal)
    n = crop_kernels(cropped, (3, 8, 8))
    assert uncrop_kernels(cropped) == n and uncrop_kernels(cropped) == 0
    shapes = {k: v.shape for k, v in nominal.state_dict().items()}
    assert {k: v.shape for k, v in cropped.state_dict().items()} == shapes
    assert sum(p.numel() for p in cropped.parameters()) == complexity(spec).params  # nominal accounting
    x = torch.randn(2, 3, 8, 8, dtype=torch.float64)
    assert torch.allclose(nominal(x), cropped(x), rtol=0, atol=1e-12)
