"""Kernel cropping: a conv whose kernel reaches past every real input pixel keeps only the taps that can.

Taps that only ever meet zero padding contribute nothing to any output (nor receive any gradient), so
dropping them is exact: the same outputs, the same trained function. Decided from the input resolution
when a trial starts (`crop_kernels`), undone before the network leaves the trainer (`uncrop_kernels`:
the nominal kernel shape, dropped taps zero), so exported weights, latency and the params/MACs accounting
(nasx.arch.complexity, always the nominal kernel) never see it."""

from __future__ import annotations

import torch
from torch import nn


def cropped_taps(size: int, kernel: int, stride: int, padding: int) -> tuple[int, int] | None:
    """(first, last) kernel taps that touch real input along one axis of length `size`, or None when all
    do (or cropping would change the output length)."""
    out = (size + 2 * padding - kernel) // stride + 1
    first = max(0, padding - (out - 1) * stride)
    last = min(kernel - 1, padding + size - 1)
    if first == 0 and last == kernel - 1:
        return None
    # the cropped conv pads `padding - first` on both sides; it must give the same number of outputs
    if (size + 2 * (padding - first) - (last - first + 1)) // stride + 1 != out:
        return None
    return first, last


def _input_sizes(model: nn.Module, input_shape: tuple[int, int, int]) -> dict[nn.Conv2d, tuple[int, int]]:
    """Every Conv2d's input (height, width) for one image of `input_shape` (C, H, W)."""
    sizes: dict[nn.Conv2d, tuple[int, int]] = {}

    def record(conv: nn.Module, args: tuple[torch.Tensor, ...]) -> None:
        sizes[conv] = (int(args[0].shape[-2]), int(args[0].shape[-1]))  # type: ignore[index]

    hooks = [m.register_forward_pre_hook(record) for m in model.modules() if isinstance(m, nn.Conv2d)]
    training = model.training
    try:
        model.eval()
        with torch.no_grad():
            p = next(model.parameters())
            model(torch.zeros((1, *input_shape), dtype=p.dtype, device=p.device))
    finally:
        model.train(training)
        for h in hooks:
            h.remove()
    return sizes


def crop_kernels(model: nn.Module, input_shape: tuple[int, int, int]) -> int:
    """Crop, in place, every zero-padded, undilated Conv2d of `model` whose kernel reaches past its input
    for images of `input_shape` (C, H, W); returns how many convs were cropped. Call before an optimizer
    is made: the cropped weights are new Parameters."""
    cropped = 0
    for conv, (h, w) in _input_sizes(model, input_shape).items():
        if conv.padding_mode != "zeros" or conv.dilation != (1, 1) or isinstance(conv.padding, str):
            continue
        axes = [
            cropped_taps(size, k, s, p)
            for size, k, s, p in zip((h, w), conv.kernel_size, conv.stride, conv.padding, strict=True)
        ]
        if axes == [None, None]:
            continue
        spans = [a or (0, k - 1) for a, k in zip(axes, conv.kernel_size, strict=True)]
        conv.nominal = (tuple(conv.kernel_size), tuple(conv.padding), spans)  # type: ignore[assignment]
        weight = conv.weight.detach()[:, :, spans[0][0] : spans[0][1] + 1, spans[1][0] : spans[1][1] + 1]
        conv.weight = nn.Parameter(weight.clone(), requires_grad=conv.weight.requires_grad)
        conv.kernel_size = tuple(last - first + 1 for first, last in spans)
        conv.padding = tuple(p - first for p, (first, _) in zip(conv.padding, spans, strict=True))
        cropped += 1
    return cropped


def uncrop_kernels(model: nn.Module) -> int:
    """Undo `crop_kernels` in place: the nominal kernel shape and padding back, the dropped taps zero
    (they never touch real input at the cropped resolution). Returns how many convs were restored."""
    restored = 0
    for conv in model.modules():
        nominal = getattr(conv, "nominal", None)
        if not isinstance(conv, nn.Conv2d) or nominal is None:
            continue
        kernel, padding, spans = nominal
        weight = conv.weight.detach()
        full = weight.new_zeros((*weight.shape[:2], *kernel))
        full[:, :, spans[0][0] : spans[0][1] + 1, spans[1][0] : spans[1][1] + 1] = weight
        conv.weight = nn.Parameter(full, requires_grad=conv.weight.requires_grad)
        conv.kernel_size, conv.padding = kernel, padding
        del conv.nominal
        restored += 1
    return restored
