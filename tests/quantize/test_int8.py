"""quantize_int8: every registered block type quantizes and agrees with float; what runs in float is named; a
block that does not quantize is named in the error."""

import math

import pytest
import torch
from torch import nn

from nasx.arch import BLOCKS, ArchSpec, decode
from nasx.build import build_model
from nasx.quantize import QuantizeError, float_ops, quantize_int8
from tests.helpers.specgen import spec_with_block


def _spec_with(kind: str) -> ArchSpec:
    return spec_with_block(kind, f"int8-{kind}")


def _model(spec: ArchSpec) -> nn.Module:
    """The built network with its classifier drawn at 1/sqrt(fan_in) (build_model's N(0, 0.01) leaves the logits
    nearly tied, so their order would say nothing)."""
    torch.manual_seed(0)
    model = build_model(spec).eval()
    classifier = model.head.classifier
    nn.init.normal_(classifier.weight, 0.0, 1.0 / math.sqrt(classifier.in_features))
    return model


@pytest.mark.parametrize("kind", list(BLOCKS))
def test_every_block_type_quantizes_and_ranks_logits_as_float_does(kind):
    spec = _spec_with(kind)
    model = _model(spec)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.randn(256, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    quantized = quantize_int8(model, x[:128])
    with torch.no_grad():
        fp32, int8 = model(x[128:]), quantized(x[128:])
    assert int8.dtype == torch.float32 and int8.shape == fp32.shape
    agree = (fp32.argmax(1) == int8.argmax(1)).float().mean().item()
    # 128 held-out inputs: the lowest agreement measured over the 18 block types was 0.89 (cn, fr); 0.85 leaves
    # room for kernel rounding on another CPU and still fails a network whose INT8 logits are noise (~0.1)
    assert agree >= 0.85, f"{kind}: argmax agrees on {agree:.2f} of the inputs"
    error = ((int8 - fp32).norm() / (fp32 - fp32.mean(0)).norm()).item()
    assert error < 1.0, f"{kind}: INT8 error {error:.2f} of the logits' spread"
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # the float model is untouched


def test_swish_runs_in_float_and_the_rest_in_int8():
    hswish = decode("res16_cls10|stem:cn_r1_k3_s1_c16_nhs|ir_r2_k3_s1_e4_c16_se0.25_nhs_sghsig|head:c32_nhs")
    swish = decode("res16_cls10|stem:cn_r1_k3_s1_c16_nsw|ir_r1_k3_s1_e4_c16_se0.25_nsw|head:")
    x = torch.randn(16, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    # hard-swish, hard-sigmoid, SE's mean and multiply and the residual add have INT8 kernels; only the head's
    # nn.Flatten (a view) goes through float
    assert float_ops(quantize_int8(_model(hswish), x), x[:2]) == {"Flatten": 1}
    # SiLU has none: stem, expansion, depthwise and SE's inner activation, then the Flatten
    assert float_ops(quantize_int8(_model(swish), x), x[:2]) == {"SiLU": 4, "Flatten": 1}


class _DataDependent(nn.Module):
    """A block FX cannot trace: its control flow depends on the values of its input."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x if x.sum() > 0 else -x


def test_a_block_that_does_not_quantize_is_named():
    spec = decode("res8_cls10|stem:cn_r1_k3_s1_c8|basic_r1_s1_c8|ir_r1_k3_s1_e2_c8|head:")
    model = _model(spec)
    model.stages[1] = _DataDependent()
    with pytest.raises(QuantizeError, match=r"^stages\[1\] \(ir_r1_k3_s1_e2_c8\) does not quantize: TraceError: "):
        quantize_int8(model, torch.randn(4, 3, 8, 8))


def test_calibration_images_must_be_a_batch():
    model = _model(decode("res8_cls10|stem:cn_r1_k3_s1_c8|basic_r1_s1_c8|head:"))
    with pytest.raises(ValueError, match="expected a non-empty N x C x H x W batch"):
        quantize_int8(model, torch.zeros(0, 3, 8, 8))
