"""Batch norm folded into the convolution before it, for evaluation.

In eval mode a BatchNorm2d is a per-channel affine map of its input; when that input is a Conv2d's output and
nothing else reads it, the pair is one convolution: w' = w * gamma / sqrt(var + eps), b' = beta + (b - mean) *
gamma / sqrt(var + eps) (torch's `fuse_conv_bn_weights`). The pairs are found on an FX trace of the network
(a split conv kept whole), so a BN before its conv (pre-activation blocks, DenseNet) or after a conv whose output
also goes elsewhere stays as it is. `folded_for_eval` folds a copy; `folded` folds the network itself for the
length of a `with` block and puts back exactly what it replaced (no copy: the trainer evaluates through it)."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_weights

from nasx.build.layers import SplitConv


class _Tracer(torch.fx.Tracer):
    """FX's tracer, a split conv kept whole (its parts are folded with their channels of the BN after it)."""

    def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
        return isinstance(m, SplitConv) or super().is_leaf_module(m, module_qualified_name)


def foldable_pairs(model: nn.Module) -> list[tuple[str, str]]:
    """(conv, BN) module names of every BatchNorm2d with running statistics whose only input is the output of a
    Conv2d (or a split conv) that nothing else reads, each module called once, as an FX trace of `model` in eval
    mode finds them; none for a network that does not trace (it is evaluated unfolded)."""
    training = model.training
    try:
        model.eval()
        graph = _Tracer().trace(model)
    except Exception:  # what FX cannot trace (data-dependent control flow): nothing is folded
        return []
    finally:
        model.train(training)
    modules = dict(model.named_modules())
    calls: dict[str, int] = {}
    for node in graph.nodes:
        if node.op == "call_module":
            calls[str(node.target)] = calls.get(str(node.target), 0) + 1
    pairs = []
    for node in graph.nodes:
        bn = modules.get(str(node.target)) if node.op == "call_module" else None
        if not isinstance(bn, nn.BatchNorm2d) or bn.running_mean is None or len(node.args) != 1 or node.kwargs:
            continue
        source = node.args[0]
        if not isinstance(source, torch.fx.Node) or source.op != "call_module" or len(source.users) != 1:
            continue
        once = calls[str(source.target)] == calls[str(node.target)] == 1
        if type(modules.get(str(source.target))) in (nn.Conv2d, SplitConv) and once:
            pairs.append((str(source.target), str(node.target)))
    return pairs


Undo = list[tuple[list[nn.Conv2d], list[tuple[torch.Tensor, torch.Tensor | None]], str, nn.BatchNorm2d]]


def _fold_in_place(model: nn.Module, pairs: list[tuple[str, str]], undo: Undo) -> None:
    """Fold each (conv, BN) of `pairs` in `model` itself, recording in `undo` what it replaces."""
    with torch.no_grad():
        for conv_name, bn_name in pairs:
            conv, bn = model.get_submodule(conv_name), model.get_submodule(bn_name)
            assert isinstance(bn, nn.BatchNorm2d)  # as foldable_pairs found it
            parts = [p for p in (conv if isinstance(conv, SplitConv) else [conv]) if isinstance(p, nn.Conv2d)]
            undo.append((parts, [(p.weight, p.bias) for p in parts], bn_name, bn))
            start = 0
            for part in parts:  # a split conv's parts normalised by consecutive channels of the BN
                _fold(part, bn, slice(start, start + part.out_channels))
                start += part.out_channels
            parent, _, name = bn_name.rpartition(".")
            setattr(model.get_submodule(parent), name, nn.Identity())


def folded_for_eval(model: nn.Module, pairs: list[tuple[str, str]] | None = None) -> nn.Module:
    """An eval-mode copy of `model` in which each (conv, BN) of `pairs` (default: `foldable_pairs(model)`) is one
    Conv2d with the folded weight and bias, the BN an Identity. Weights keep their memory format and (cropped)
    kernel shape; `model` is left as it was."""
    pairs = foldable_pairs(model) if pairs is None else pairs
    copied = copy.deepcopy(model).eval()
    _fold_in_place(copied, pairs, [])
    return copied


@contextlib.contextmanager
def folded(model: nn.Module, pairs: list[tuple[str, str]] | None = None) -> Iterator[nn.Module]:
    """`model` itself in eval mode with `pairs` folded (as `folded_for_eval` folds them, without the copy) while the
    block runs; on leaving it, however it is left, the very Parameters and BN modules it had are back in place (an
    optimizer holding them sees no change) and the mode it was in."""
    pairs = foldable_pairs(model) if pairs is None else pairs
    training = model.training
    undo: Undo = []
    try:
        model.eval()
        _fold_in_place(model, pairs, undo)
        yield model
    finally:
        for parts, params, bn_name, bn in reversed(undo):
            for part, (weight, bias) in zip(parts, params, strict=True):
                part.weight, part.bias = weight, bias
            parent, _, name = bn_name.rpartition(".")
            setattr(model.get_submodule(parent), name, bn)
        model.train(training)


def _fold(conv: nn.Conv2d, bn: nn.BatchNorm2d, channels: slice) -> None:
    """Fold `channels` of `bn` into `conv` (whose outputs they normalise), in place."""
    assert bn.running_mean is not None and bn.running_var is not None  # foldable_pairs asked for running statistics
    gamma = None if bn.weight is None else bn.weight[channels]
    beta = None if bn.bias is None else bn.bias[channels]
    conv.weight, conv.bias = fuse_conv_bn_weights(
        conv.weight, conv.bias, bn.running_mean[channels], bn.running_var[channels], bn.eps, gamma, beta
    )
