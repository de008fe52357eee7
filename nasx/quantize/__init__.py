"""Post-training static INT8 quantization: `quantize_int8(model, calibration_images) -> nn.Module`, and the INT8
scores of a trained network (accuracy on its data, latency at full scale).

`DTYPES` and the config checks are plain data; the torch side loads on first use.
"""

from __future__ import annotations

from nasx.lazy import attributes
from nasx.quantize.spec import CALIBRATION_IMAGES, DTYPES, check_quantize

_LAZY = {
    "QuantizeError": "nasx.quantize.int8",
    "quantize_int8": "nasx.quantize.int8",
    "float_ops": "nasx.quantize.int8",
    "Int8Scores": "nasx.quantize.scores",
    "int8_scores": "nasx.quantize.scores",
    "check_quantizes": "nasx.quantize.scores",
    "calibration_inputs": "nasx.quantize.scores",
    "full_scale_latency": "nasx.quantize.scores",
}

__getattr__ = attributes("nasx.quantize", _LAZY, globals())

__all__ = [
    "CALIBRATION_IMAGES",
    "DTYPES",
    "Int8Scores",
    "QuantizeError",
    "calibration_inputs",
    "check_quantize",
    "check_quantizes",
    "float_ops",
    "full_scale_latency",
    "int8_scores",
    "quantize_int8",
]
