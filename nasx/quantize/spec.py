"""The quantization knobs as plain data: the dtypes nasx quantizes to, the calibration size, their checks."""

from __future__ import annotations

from nasx import checks

DTYPES = ("int8",)  # post-training static quantization, PyTorch's FX graph mode, x86 backend (nasx.quantize.int8)
CALIBRATION_IMAGES = 512  # training images whose activation ranges set the INT8 scales


def check_quantize(prefix: str, quantize: str | None, calibration_images: int) -> None:
    """`quantize` is null or one of DTYPES, `calibration_images` an integer >= 1; errors name
    `{prefix}quantize` / `{prefix}calibration_images`."""
    if quantize is not None:
        checks.check_in(f"{prefix}quantize", quantize, DTYPES)
    checks.check_int(f"{prefix}calibration_images", calibration_images, 1)
