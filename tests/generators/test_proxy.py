"""Every family at proxy scale: small inputs, few classes, a stride-1 stem, narrower and shallower."""

import pytest
import torch

from nasx import build_model, complexity, families, proxy
from nasx.arch import MaxPool


@pytest.mark.parametrize("name", families.names())
def test_every_family_runs_at_proxy_scale(name):
    spec = proxy(families.get(name), resolution=32, num_classes=10, width_mult=0.25, depth_mult=0.5, stem_stride=1)
    assert spec.resolution == 32 and spec.num_classes == 10
    assert all(layer.s == 1 for layer in spec.stem)
    assert complexity(spec).macs < complexity(families.get(name)).macs
    torch.manual_seed(0)
    out = build_model(spec).eval()(torch.randn(2, spec.in_channels, 32, 32))
    assert out.shape == (2, 10) and torch.isfinite(out).all()


def test_stem_stride_keeps_leading_strides():
    spec = proxy(families.get("resnet50"), stem_stride=2)
    assert [layer.s for layer in spec.stem] == [2]
    spec = proxy(families.get("resnet50"), stem_stride=1)
    assert len(spec.stem) == 1 and spec.stem[0].s == 1 and not any(isinstance(x, MaxPool) for x in spec.stem)


def test_proxy_without_changes_is_identity():
    spec = families.get("mobilenet_v3_large")
    assert proxy(spec) == spec


def test_proxy_scales_hidden_layers_and_rejects_bad_stride():
    spec = proxy(families.get("vgg16"), width_mult=0.125)
    assert spec.head.hidden == (512, 512)
    with pytest.raises(ValueError, match="stem_stride=3"):
        proxy(families.get("vgg16"), stem_stride=3)
