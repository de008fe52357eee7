"""Post-training static INT8 quantization of a built network: PyTorch's FX graph mode for the x86 backend (CPU).

`quantize_int8(model, calibration_images)` traces a copy of the network, observes activation ranges on the
calibration images (the x86 default: histogram observers on activations, per-channel weights), and converts
it to quantized kernels; conv-BN-ReLU units fuse. Residual adds, concatenations, SE's sigmoid or hard-sigmoid
multiply, hard-swish, ReLU6, tanh, pooling and linear layers run in INT8; swish (SiLU) and `nn.Flatten` have no
INT8 kernel and run in float between a dequantize and a quantize (`float_ops` lists them). Stochastic depth is
the identity in eval mode and traces away. A network that does not trace, calibrate, convert or run raises
`QuantizeError` naming the block (`stages[2] (ir_r2_k3_s1_e6_c24)`) that fails on its own.

torch marks `torch.ao.quantization` as deprecated in favour of torchao's PT2E flow but still ships it (torch
2.13); its deprecation warnings are silenced here.
"""

from __future__ import annotations

import contextlib
import copy
import operator
import warnings
from collections import Counter
from collections.abc import Iterator

import torch
from torch import nn

from nasx.arch.codec import encode_block
from nasx.arch.spec import ArchSpec

BACKEND = "x86"
_TORCH_WARNINGS = (
    r"torch\.ao\.quantization is deprecated",
    r"Please use quant_min and quant_max",
    r"torch\.quantize_per_tensor, torch\.quantize_per_channel",
    r"All inputs of this cat operator must share",
)


class QuantizeError(ValueError):
    """A network that does not quantize: the message names the block that fails and why."""


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """torch's deprecation and observer warnings of torch.ao.quantization, silenced."""
    with warnings.catch_warnings():
        for message in _TORCH_WARNINGS:
            warnings.filterwarnings("ignore", message=message)
        yield


def _engine() -> None:
    """Select torch's x86 quantized engine (its kernels run the converted network)."""
    if BACKEND not in torch.backends.quantized.supported_engines:
        raise QuantizeError(
            f"INT8 quantization needs torch's {BACKEND} quantized engine; this torch has "
            f"{', '.join(torch.backends.quantized.supported_engines)}"
        )
    if torch.backends.quantized.engine != BACKEND:
        torch.backends.quantized.engine = BACKEND


def _convert(model: nn.Module, x: torch.Tensor, batch_size: int) -> nn.Module:
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    with quiet(), torch.no_grad():
        prepared = prepare_fx(model, get_default_qconfig_mapping(BACKEND), example_inputs=(x[:1],))
        for start in range(0, len(x), batch_size):
            prepared(x[start : start + batch_size])
        quantized = convert_fx(prepared)
        quantized(x[:2])  # a kernel that refuses the converted network fails here, not in the caller's hands
    return quantized


def quantize_int8(model: nn.Module, calibration_images: torch.Tensor, batch_size: int = 64) -> nn.Module:
    """An INT8 copy of `model` (left unchanged), on the CPU in eval mode, its activation scales calibrated on
    `calibration_images`: network inputs as the network sees them (normalised float, N x C x H x W), run in
    batches of `batch_size`. The copy takes fp32 inputs and returns fp32 logits. Raises QuantizeError naming
    the block that does not quantize."""
    if calibration_images.dim() != 4 or len(calibration_images) == 0:
        raise ValueError(
            f"calibration_images: expected a non-empty N x C x H x W batch, got shape {tuple(calibration_images.shape)}"
        )
    if batch_size < 1:
        raise ValueError(f"batch_size={batch_size}: must be an integer >= 1")
    _engine()
    float_model = copy.deepcopy(model).cpu().eval().to(memory_format=torch.contiguous_format)  # type: ignore[call-overload]
    x = calibration_images.detach().float().cpu().contiguous()
    try:
        return _convert(float_model, x, batch_size)
    except QuantizeError:
        raise
    except Exception as exc:  # what the block does that FX tracing or a quantized kernel refuses
        raise QuantizeError(_blame(float_model, x, batch_size, exc)) from exc


def _reason(exc: BaseException) -> str:
    first = " ".join(str(exc).split(". ")[0].split()) or "no message"
    return f"{type(exc).__name__}: {first[:200]}"


def units(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The parts a failure is blamed on, in the order they run: a built network's stem layers and stages named
    by their place and arch string (`stages[2] (ir_r2_k3_s1_e6_c24)`) and its head; else the module's children."""
    spec = getattr(model, "spec", None)
    if isinstance(spec, ArchSpec) and all(hasattr(model, n) for n in ("stem", "stages", "head")):
        modules = [*model.stem, *model.stages]  # type: ignore[misc]
        named = [(f"{where} ({encode_block(block)})", m) for (where, block), m in zip(spec.layers(), modules)]
        return [*named, ("head", model.head)]  # type: ignore[list-item]
    return list(model.named_children())


def _blame(model: nn.Module, x: torch.Tensor, batch_size: int, exc: Exception) -> str:
    """`NAME does not quantize: REASON` for the first part that fails on its own (its own input recorded from a
    float run); `the network does not quantize: REASON` when none does alone."""
    parts = units(model)
    inputs: dict[int, torch.Tensor] = {}
    hooks = [
        m.register_forward_pre_hook(lambda _, args, i=i: inputs.setdefault(i, args[0].detach()))
        for i, (_, m) in enumerate(parts)
    ]
    try:
        with torch.no_grad():
            model(x[: min(len(x), batch_size)])
    except Exception:
        pass  # parts before the failure have their inputs
    finally:
        for h in hooks:
            h.remove()
    for i, (name, module) in enumerate(parts):
        if i not in inputs or not isinstance(inputs[i], torch.Tensor):
            continue
        try:
            _convert(copy.deepcopy(module), inputs[i], batch_size)
        except Exception as part_exc:
            return f"{name} does not quantize: {_reason(part_exc)}"
    return f"the network does not quantize: {_reason(exc)}"


def float_ops(quantized: nn.Module, example: torch.Tensor) -> Counter[str]:
    """Operations of a converted network that run in float on `example` (none of their tensor inputs is
    quantized), counted by name: the module's class (`SiLU`, `Flatten`) or the function's (`split`)."""
    from torch.utils._pytree import tree_leaves

    if not isinstance(quantized, torch.fx.GraphModule):
        raise ValueError(f"float_ops: expected a converted (FX) network, got {type(quantized).__name__}")
    modules = dict(quantized.named_modules())
    skip = {"dequantize", torch.quantize_per_tensor, operator.getitem}
    found: Counter[str] = Counter()

    class Spy(torch.fx.Interpreter):
        def run_node(self, n: torch.fx.Node):
            if n.op in ("call_module", "call_function", "call_method") and n.target not in skip:
                args, kwargs = self.fetch_args_kwargs_from_env(n)
                tensors = [a for a in tree_leaves((args, kwargs)) if isinstance(a, torch.Tensor)]
                if tensors and not any(t.is_quantized for t in tensors):
                    if n.op == "call_module":
                        found[type(modules[str(n.target)]).__name__] += 1
                    else:
                        found[str(getattr(n.target, "__name__", n.target))] += 1
            return super().run_node(n)

    with quiet(), torch.no_grad():
        Spy(quantized).run(example)
    return found
