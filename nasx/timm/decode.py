"""timm's arch_def (lists of block strings) plus its builder arguments -> ArchSpec, counted as timm builds it."""

from __future__ import annotations

from typing import Any

from nasx.arch.blocks import Block, ConvBNAct, FusedMBConv, MBConv
from nasx.arch.head import Head
from nasx.arch.rounding import make_divisible, round_se, scale_stage_repeats
from nasx.arch.spec import ArchSpec
from nasx.timm.tokens import BlockString, parse_block

NETS = {
    "efficientnet": {"stem_size": 32, "se_from_exp": False},  # timm's EfficientNet class
    "mobilenetv3": {"stem_size": 16, "se_from_exp": True},
}  # timm's MobileNetV3 class (pooled 1x1 head)
ACT_LAYERS = {
    "relu": "relu",
    "relu6": "relu6",
    "swish": "swish",
    "silu": "swish",
    "hard_swish": "hswish",
    "hswish": "hswish",
}
GATES = {"sigmoid": "sigmoid", "hard_sigmoid": "hsigmoid"}
SE_ROUND_FNS = {"round": "round", "round_channels": "div8"}
TIMM_MID_DIVISOR = 8  # timm: mid = make_divisible(c_in * e) in ir, er and uir


def decode_arch_def(
    arch_def,
    *,
    net: str = "efficientnet",
    stem_size: int | None = None,
    stem_kernel_size: int = 3,
    fix_stem: bool = False,
    num_features: int = 1280,
    head_bias: bool = True,
    act_layer: str = "relu",
    channel_multiplier: float = 1.0,
    channel_divisor: int = 8,
    channel_min: int | None = None,
    round_limit: float = 0.9,
    depth_multiplier: float | tuple | list = 1.0,
    depth_trunc: str = "ceil",
    fix_first_last: bool = False,
    se_from_exp: bool | None = None,
    se_gate: str = "sigmoid",
    se_act: str | None = None,
    se_round: str = "round",
    se_round_limit: float = 0.9,
    drop_rate: float = 0.0,
    drop_path_rate: float = 0.0,
    num_classes: int = 1000,
    in_chans: int = 3,
    resolution: int = 224,
    group_size: int | None = None,
) -> ArchSpec:
    """The ArchSpec of the network timm builds from `arch_def` and these arguments (timm's own names).

    net: "efficientnet" (stem -> blocks -> 1x1 conv head + BN + act -> pool -> linear) or "mobilenetv3"
      (stem -> blocks -> pool -> 1x1 conv `num_features` with bias `head_bias` -> act -> linear).
    Channels are round_channels(c, channel_multiplier, channel_divisor, channel_min, round_limit) (stem
    too unless fix_stem); `num_features` is taken as given, as timm's model classes do. Depths per stage
    by timm's _scale_stage_depth (`depth_trunc` "ceil" or "round", `fix_first_last`). SE: the ratio is
    divided by the expansion unless `se_from_exp` (default: False for efficientnet, True for mobilenetv3),
    squeeze rounded by `se_round` ("round" or "round_channels", the latter with `se_round_limit`; nasx's
    div8 rule has 0.9, so another limit decodes only where it gives the same widths: FBNetV3-B and D's 0.95),
    `se_gate` ("sigmoid", "hard_sigmoid"),
    `se_act` (timm's force_act_layer). Raises ValueError naming the block or argument nasx cannot express.
    """
    if net not in NETS:
        raise ValueError(f"net={net!r}: must be one of {', '.join(NETS)}")
    for name, value, table in (
        ("act_layer", act_layer, ACT_LAYERS),
        ("se_gate", se_gate, GATES),
        ("se_round", se_round, SE_ROUND_FNS),
    ):
        if value not in table:
            raise ValueError(f"{name}={value!r}: must be one of {', '.join(table)}")
    if se_act is not None and se_act not in ACT_LAYERS:
        raise ValueError(f"se_act={se_act!r}: must be one of {', '.join(ACT_LAYERS)}")
    if group_size is not None:
        raise ValueError(f"group_size={group_size!r}: grouped depthwise convs are not expressible in nasx")
    if (
        not isinstance(arch_def, (list, tuple))
        or not arch_def
        or not all(isinstance(stage, (list, tuple)) and stage for stage in arch_def)
    ):
        raise ValueError("timm arch_def: expected a non-empty list of non-empty lists of block strings")
    mults = (
        tuple(depth_multiplier) if isinstance(depth_multiplier, (tuple, list)) else (depth_multiplier,) * len(arch_def)
    )
    if len(mults) != len(arch_def):
        raise ValueError(f"depth_multiplier: {len(mults)} values for {len(arch_def)} stages")
    act = ACT_LAYERS[act_layer]
    from_exp = NETS[net]["se_from_exp"] if se_from_exp is None else se_from_exp
    se_style = (
        from_exp,
        SE_ROUND_FNS[se_round],
        GATES[se_gate],
        ACT_LAYERS[se_act] if se_act else None,
        se_round_limit,
    )

    def channels(c: int) -> int:
        return make_divisible(c * channel_multiplier, channel_divisor, channel_min, round_limit)

    stem_c = stem_size if stem_size is not None else NETS[net]["stem_size"]
    stem_c = stem_c if fix_stem else channels(stem_c)
    stem = ConvBNAct(k=stem_kernel_size, s=2, c=stem_c, act=act)
    stages: list[Block] = []
    c_in = stem_c
    for i, (strings, mult) in enumerate(zip(arch_def, mults)):
        blocks = [parse_block(text, f"stage {i} block {j}") for j, text in enumerate(strings)]
        fixed = fix_first_last and i in (0, len(arch_def) - 1)
        repeats = scale_stage_repeats([b.r for b in blocks], 1.0 if fixed else mult, depth_trunc)
        for j, (b, r) in enumerate(zip(blocks, repeats)):
            where = f"timm arch_def stage {i} block {j} {strings[j]!r}"
            forced = channels(b.fc) if b.fc else 0
            try:
                block = to_block(b, r, c_in, channels(b.c), b.act or act, se_style, where, forced)
            except ValueError as exc:
                raise ValueError(str(exc) if str(exc).startswith(where) else f"{where}: {exc}") from None
            stages.append(block)
            c_in = block.out_channels(c_in)
    if net == "efficientnet":
        head = Head(c=num_features, act=act, dropout=drop_rate)
    else:
        head = Head(hidden=(num_features,), hidden_act=act, hidden_bias=head_bias, dropout=drop_rate)
    return ArchSpec(
        stem=(stem,),
        stages=tuple(stages),
        head=head,
        resolution=resolution,
        num_classes=num_classes,
        in_channels=in_chans,
        drop_path=drop_path_rate,
    )


def to_block(
    b: BlockString, r: int, c_in: int, c: int, act: str, se_style: tuple, where: str, forced_in: int = 0
) -> Block:
    """The nasx stage of one timm block definition, entering with c_in channels (`forced_in`: timm's `fc`,
    the width its er block sizes the mid from)."""
    if b.type == "cn":
        if b.k[1:]:
            raise ValueError(f"{where}: mixed kernels on a cn block are not expressible")
        if b.skip:  # conv-bn-act added to its input: a one-conv Fused-MBConv
            return FusedMBConv(r=r, k=b.k[0], s=b.s, e=1.0, c=c, act=act)
        return ConvBNAct(r=r, k=b.k[0], s=b.s, c=c, act=act)
    inputs = (c_in, c) if r > 1 else (c_in,)
    if b.type == "er":
        if b.k[1:] or b.p != (1,) or b.se:
            raise ValueError(f"{where}: mixed kernels, a grouped projection or SE on an er block are not expressible")
        fields: dict[str, Any] = dict(r=r, k=b.k[0], s=b.s, e=b.e, c=c, act=act, skip=b.skip is not False)
        if not forced_in:
            return _exact_mid(FusedMBConv, fields, inputs)
        mid = make_divisible(forced_in * b.e, TIMM_MID_DIVISOR)
        block = FusedMBConv(**{**fields, "e": mid / c_in}, expand=mid == c_in)  # the same mid from c_in
        if (r > 1 and c != c_in) or block.mid(c_in) != mid:
            raise ValueError(f"{where}: fc{b.fc} is expressible only on one block whose mid is a multiple of its input")
        return block
    if b.type == "uir":
        if b.a != (0,) or b.p != (0,) or b.k == (0,):
            raise ValueError(
                f"{where}: a uir block with depthwise convs before or after the 1x1s, or none "
                "between them, is not expressible"
            )
        b = BlockString(type="ir", r=b.r, k=b.k, s=b.s, c=b.c, e=b.e, se=b.se, act=b.act, skip=b.skip)
    if set(b.a) != {1} or set(b.p) != {1}:
        raise ValueError(f"{where}: expansion / projection kernels other than 1 are not expressible")
    mix = len(b.k)
    if list(b.k) != [b.k[0] + 2 * i for i in range(mix)]:
        raise ValueError(f"{where}: mixed kernels must be consecutive odd sizes such as 3.5.7")
    fields = dict(r=r, k=b.k[0], s=b.s, c=c, act=act, mix=mix, proj_groups=len(b.p))
    if b.type in ("ds", "dsa"):
        fields.update(e=1.0, pw_act=b.type == "dsa", skip=b.type == "ds" and b.skip is not False)
        exp_ratio = 1.0
    else:
        fields.update(e=b.e, exp_groups=len(b.a), skip=b.skip is not False)
        exp_ratio = b.e
        block = _exact_mid(MBConv, fields, inputs)
        fields = {
            **fields,
            "mid_div": block.mid_div,
            "expand": any(block.mid(c) == c for c in inputs),
        }  # timm's ir always has its 1x1 expansion
    if not b.se:
        return MBConv(**fields)
    return _exact_se(fields, b.se, exp_ratio, inputs, se_style, where)


def _exact_mid(cls, fields: dict, inputs: tuple):
    """The block with timm's mid width, make_divisible(c_in * e, 8), in nasx's plainest form."""
    for mid_div in (1, TIMM_MID_DIVISOR):
        block = cls(**fields, mid_div=mid_div)
        if all(block.mid(c) == make_divisible(c * block.e, TIMM_MID_DIVISOR) for c in inputs):
            break
    if cls is FusedMBConv and any(block.single_conv(c) for c in inputs):
        block = cls(**fields, mid_div=block.mid_div, expand=True)  # timm's er keeps its 1x1 at e=1
    return block


def _exact_se(fields: dict, se: float, exp_ratio: float, inputs: tuple, se_style: tuple, where: str) -> MBConv:
    """The block whose SE squeeze equals timm's for every input width, in nasx's plainest form."""
    from_exp, rounding, gate, se_act, limit = se_style
    ratio = se if from_exp else se / exp_ratio
    base = MBConv(**fields)

    def timm_squeeze(c: int) -> int:
        width = base.mid(c) * ratio
        return make_divisible(width, 8, round_limit=limit) if rounding == "div8" else round_se(width, rounding)

    candidates = [
        dict(se=se, se_base="in"),
        dict(se=se, se_base="in", se_round=rounding),
        dict(se=ratio, se_base="mid"),
        dict(se=ratio, se_base="mid", se_round=rounding),
    ]
    if from_exp:
        candidates = candidates[2:]
    for options in candidates:
        block = MBConv(**fields, **options, se_gate=gate, se_act=se_act)
        if all(block.squeeze(c) == timm_squeeze(c) for c in inputs):
            return block
    raise ValueError(
        f"{where}: SE width not expressible (no nasx SE rounding gives timm's squeeze widths "
        f"{sorted({timm_squeeze(c) for c in inputs})})"
    )
