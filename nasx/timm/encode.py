"""ArchSpec -> timm's arch_def and builder arguments, where timm's block strings can express the spec."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from nasx.arch.blocks import Block, ConvBNAct, FusedMBConv, MBConv
from nasx.arch.head import Head
from nasx.arch.spec import ArchSpec
from nasx.timm.decode import decode_arch_def
from nasx.timm.tokens import BlockString

TIMM_ACT_LAYERS = {"relu": "relu", "relu6": "relu6", "swish": "swish", "hswish": "hard_swish"}
TIMM_GATES = {"sigmoid": "sigmoid", "hsigmoid": "hard_sigmoid"}


def encode_arch_def(spec: ArchSpec) -> tuple[list[list[str]], dict[str, Any]]:
    """(arch_def, kwargs) with decode_arch_def(arch_def, **kwargs) == spec: one timm stage per nasx stage,
    channels as they are (channel_divisor=1 unless every width is a multiple of 8), the stem fixed.
    A head 1x1 conv followed by a hidden layer (MobileNetV3) is written as timm does, a `cn` stage.
    Raises ValueError naming the first stem layer, stage or head that timm's strings cannot express."""
    spec = _head_conv_as_stage(spec)
    stem = _stem_conv(spec)
    act = stem.act
    kwargs: dict[str, Any] = {**_head_kwargs(spec, act), **_se_kwargs(spec)}
    kwargs.update(
        stem_size=stem.c,
        stem_kernel_size=stem.k,
        fix_stem=True,
        act_layer=TIMM_ACT_LAYERS[act],
        drop_rate=spec.head.dropout,
        drop_path_rate=spec.drop_path,
        num_classes=spec.num_classes,
        in_chans=spec.in_channels,
        resolution=spec.resolution,
    )
    if any(b.c % 8 for _, b in spec.layers() if hasattr(b, "c")):
        kwargs["channel_divisor"] = 1
    from_exp = kwargs.get("se_from_exp", False)
    arch_def: list[list[str]] = []
    c_in = stem.c
    for i, block in enumerate(spec.stages):
        arch_def.append([_token(block, c_in, act, from_exp, f"stages[{i}]").text()])
        c_in = block.out_channels(c_in)
    decoded = decode_arch_def(arch_def, **kwargs)
    for (where, got), (_, want) in zip(decoded.layers(), spec.layers()):
        if got != want:
            raise ValueError(
                f"{where} {want.TYPE!r}: not expressible in timm's block strings "
                f"(the nearest timm block differs in its widths or options)"
            )
    if decoded != spec:
        raise ValueError("head: not expressible in timm's builder arguments")
    return arch_def, kwargs


def _head_conv_as_stage(spec: ArchSpec) -> ArchSpec:
    head = spec.head
    if not (head.c and head.hidden and not head.norm and not head.conv_cls and head.pool == 1):
        return spec
    conv = ConvBNAct(k=1, s=1, c=head.c, act=head.act)
    return replace(spec, stages=(*spec.stages, conv), head=replace(head, c=0, act=Head().act))


def _stem_conv(spec: ArchSpec) -> ConvBNAct:
    """The stem's one conv, which gives timm's stem size, kernel and the network's activation."""
    stem = spec.stem
    if (
        len(stem) != 1
        or not isinstance(stem[0], ConvBNAct)
        or stem[0].s != 2
        or stem[0].r != 1
        or stem[0].g != 1
        or stem[0].p is not None
        or not stem[0].bn
        or stem[0].act not in TIMM_ACT_LAYERS
    ):
        raise ValueError(
            "stem: not expressible in timm (one k x k stride-2 conv-BN-act with relu, relu6, swish or hswish)"
        )
    return stem[0]


def _head_kwargs(spec: ArchSpec, act: str) -> dict[str, Any]:
    head = spec.head
    if head.norm or head.conv_cls or head.pool != 1 or len(head.hidden) > 1:
        raise ValueError("head: not expressible in timm (a 1x1 conv head or one pooled hidden layer)")
    if head.hidden:
        if head.c or head.hidden_act != act:
            raise ValueError("head: not expressible in timm (its hidden layer takes the network's activation)")
        return {"net": "mobilenetv3", "num_features": head.hidden[0], "head_bias": head.hidden_bias}
    if head.c and head.act != act:
        raise ValueError("head: not expressible in timm (its conv takes the network's activation)")
    return {"net": "efficientnet", "num_features": head.c}


def _se_kwargs(spec: ArchSpec) -> dict[str, Any]:
    """timm's SE style is one per network: base, rounding and gate from the first block with SE; a forced
    SE activation when every SE block uses one activation and some block's own differs."""
    blocks = [b for b in spec.stages if isinstance(b, MBConv) and b.se > 0]
    if not blocks:
        return {}
    first = blocks[0]
    rule = first.se_round or ("floor" if first.se_base == "in" else "div8")
    out = {
        "se_from_exp": first.se_base == "mid",
        "se_gate": TIMM_GATES[first.se_gate],
        "se_round": "round_channels" if rule == "div8" else "round",
    }
    se_acts = {b.se_act or b.act for b in blocks}
    if len(se_acts) == 1 and any(b.se_act for b in blocks):
        out["se_act"] = TIMM_ACT_LAYERS.get(se_acts.pop(), "identity")
    return out


def _token(block: Block, c_in: int, act: str, from_exp: bool, where: str) -> BlockString:
    own_act = None if getattr(block, "act", act) == act else block.act  # type: ignore[attr-defined]
    if own_act is not None and own_act not in TIMM_ACT_LAYERS:
        raise ValueError(f"{where} {block.TYPE!r}: activation {own_act!r} is not expressible in timm's strings")
    if isinstance(block, ConvBNAct) and block.g == 1 and block.p is None and block.bn:
        return BlockString(type="cn", r=block.r, k=(block.k,), s=block.s, c=block.c, act=own_act)
    if isinstance(block, FusedMBConv):
        if block.single_conv(c_in) and block.e == 1.0 and block.skip:
            return BlockString(type="cn", r=block.r, k=(block.k,), s=block.s, c=block.c, act=own_act, skip=True)
        return BlockString(
            type="er",
            r=block.r,
            k=(block.k,),
            s=block.s,
            e=block.e,
            c=block.c,
            act=own_act,
            skip=None if block.skip else False,
        )
    if isinstance(block, MBConv):
        kernels = tuple(block.kernels())
        groups = (1,) * block.proj_groups
        se = block.se
        if se and (block.se_base == "mid") != from_exp:
            se = se * block.e if block.se_base == "mid" else se / block.e
        if not block.has_expand(c_in):
            kind = "dsa" if block.pw_act else "ds"
            return BlockString(
                type=kind,
                r=block.r,
                k=kernels,
                s=block.s,
                c=block.c,
                se=se,
                p=groups,
                act=own_act,
                skip=None if block.skip or kind == "dsa" else False,
            )
        return BlockString(
            type="ir",
            r=block.r,
            k=kernels,
            s=block.s,
            e=block.e,
            c=block.c,
            se=se,
            a=(1,) * block.exp_groups,
            p=groups,
            act=own_act,
            skip=None if block.skip else False,
        )
    raise ValueError(
        f"{where} {block.TYPE!r}: not expressible in timm's block strings (timm's are ds, dsa, ir, er, cn and uir)"
    )
