"""`mnasnet`: MnasNet's factorized hierarchical space (Tan et al., 2019), source of MnasNet-A1 and B0.

A fixed skeleton of 7 blocks (MobileNetV2's filters and layers, EfficientNet-B0's strides, which
are MobileNetV2's). Per block i (parameter prefix `b{i}_`):
  op      conv (regular k x k conv-BN-act), sep (depthwise-separable: k x k depthwise-BN-act then
          1x1-BN-act, MobileNetV1's layer), mb1 / mb3 / mb6 (MBConv with expansion 1, 3, 6; mb1 is
          the linear-bottleneck "SepConv" that opens MnasNet-A1 and EfficientNet-B0)
  k       kernel 3 or 5
  se      squeeze-and-excite ratio 0 or 0.25 of the block input (MBConv ops only)
  skip    identity residual where shapes allow, or none (MBConv ops only)
  filters output channels, round(skeleton * {0.75, 1.0, 1.25})
  layers  skeleton layers + {-1, 0, +1}, at least 1; only the first layer has the block's stride
plus one network-wide activation `act` (relu: MnasNet, relu6: MobileNetV2, swish: EfficientNet).
Stem 3x3 s2 32 channels, head 1x1 conv to 1280, pool, dropout 0.2, linear.

No skeleton with three width multipliers contains EfficientNet-B0, MnasNet-A1 and MobileNetV2:
block 6 needs 160 and 192 (ratio 1.2) and block 5 needs 96 and 112 (ratio 1.17), between the
multipliers' steps 1.25 and 1.33. With `reference_widths=True` (default) the widths of those two
networks are added to the choices (112 in block 5, 192 in block 6); `False` gives the paper's
space, of which MobileNetV2 is a point.

Points among timm's families (`timm:NAME`): efficientnet_b0, efficientnet_lite0 (B0 with ReLU6, no SE),
mnasnet_100 (= mnasnet1_0), semnasnet_100 (= mnasnet_a1) and mobilenetv2_100 (= mobilenet_v2; with
reference_widths=False the only one). Not points: the scaled Lite1-4, B1-B7, MobileNetV2-050/140/110d/120d
and TinyNets (depths or widths beyond the choices), MixNet (mixed kernels, split 1x1s), FBNet-C and
SPNASNet (several expansions in one block, FBNet-C's e=1 keeps its expansion conv), MnasNet-small (an
8-channel stem), MobileNetV3 and LCNet (SE on the expanded width, other heads), EfficientNetV2-rw and
EfficientNet-ES (Fused-MBConv).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any, TypedDict

from nasx.arch.blocks import Block, ConvBNAct, MBConv
from nasx.arch.head import Head
from nasx.arch.rounding import round_half_up
from nasx.arch.spec import ArchSpec
from nasx.search_spaces import register
from nasx.search_spaces.base import Size, Space
from nasx.search_spaces.params import Choice, Param

FILTERS = (16, 24, 32, 64, 96, 160, 320)
LAYERS = (1, 2, 3, 4, 3, 3, 1)
STRIDES = (1, 2, 2, 2, 1, 2, 1)
REFERENCE_WIDTHS = {4: (112,), 5: (192,)}  # block index -> widths of EfficientNet-B0 / MnasNet-A1
OPS = ("conv", "sep", "mb1", "mb3", "mb6")
MB_EXPANSION = {"mb1": 1.0, "mb3": 3.0, "mb6": 6.0}
OP_OF_EXPANSION = {e: op for op, e in MB_EXPANSION.items()}
ACTS = ("relu", "relu6", "swish")
STEM_C, HEAD_C, DROPOUT = 32, 1280, 0.2

TINY = {
    "act": "relu",
    **{f"b{i}_{k}": v for i in range(1, 8) for k, v in (("op", "mb1"), ("k", 3), ("se", 0.0), ("skip", True))},
    **{f"b{i}_filters": round_half_up(f * 0.75) for i, f in enumerate(FILTERS, 1)},
    **{f"b{i}_layers": max(1, n - 1) for i, n in enumerate(LAYERS, 1)},
}


class BlockChoices(TypedDict):
    """The choices of one block, the keyword arguments of `block_stages` that a spec determines."""

    op: str
    k: int
    se: float
    skip: bool
    filters: int
    layers: int


def block_stages(
    op: str, k: int, se: float, skip: bool, filters: int, layers: int, stride: int, c_in: int, act: str
) -> tuple[Block, ...]:
    """The stages of one block."""
    if op == "conv":
        return (ConvBNAct(r=layers, k=k, s=stride, c=filters, act=act),)
    if op == "sep":
        out: list[Block] = []
        c = c_in
        for i in range(layers):
            out += [ConvBNAct(k=k, s=stride if i == 0 else 1, c=c, g=c, act=act), ConvBNAct(k=1, c=filters, act=act)]
            c = filters
        return tuple(out)
    return (MBConv(r=layers, k=k, s=stride, e=MB_EXPANSION[op], c=filters, se=se, act=act, skip=skip),)


@register("mnasnet")
class MnasNetSpace(Space):
    name = "mnasnet"

    def __init__(self, *, reference_widths: bool = True, acts: tuple[str, ...] = ACTS, **options: Any) -> None:
        super().__init__(**options)
        self.reference_widths = reference_widths
        self.acts = tuple(acts)
        self._params = self._build_params()

    def filter_choices(self, i: int) -> tuple[int, ...]:
        widths = {round_half_up(FILTERS[i] * m) for m in (0.75, 1.0, 1.25)}
        if self.reference_widths:
            widths |= set(REFERENCE_WIDTHS.get(i, ()))
        return tuple(sorted(widths))

    def layer_choices(self, i: int) -> tuple[int, ...]:
        return tuple(sorted({max(1, LAYERS[i] + d) for d in (-1, 0, 1)}))

    def _build_params(self) -> tuple[Param, ...]:
        params: list[Param] = [Choice("act", self.acts)]
        for i in range(7):
            b = f"b{i + 1}_"
            params += [
                Choice(b + "op", OPS),
                Choice(b + "k", (3, 5)),
                Choice(b + "se", (0.0, 0.25)),
                Choice(b + "skip", (True, False)),
                Choice(b + "filters", self.filter_choices(i)),
                Choice(b + "layers", self.layer_choices(i)),
            ]
        return tuple(params)

    def parameters(self) -> tuple[Param, ...]:
        return self._params

    def _stem(self, act: str) -> tuple[Block, ...]:
        return (ConvBNAct(k=3, s=2, c=STEM_C, act=act),)

    def _head(self, act: str) -> Head:
        return Head(c=HEAD_C, act=act, dropout=DROPOUT)

    def _generate(self, values: dict[str, Any]) -> ArchSpec:
        act, c = values["act"], STEM_C
        stages: list[Block] = []
        for i in range(7):
            v = {k: values[f"b{i + 1}_{k}"] for k in ("op", "k", "se", "skip", "filters", "layers")}
            stages += block_stages(**v, stride=STRIDES[i], c_in=c, act=act)
            c = v["filters"]
        return ArchSpec(
            stem=self._stem(act),
            stages=tuple(stages),
            head=self._head(act),
            resolution=self.resolution,
            num_classes=self.num_classes,
        )

    def params_of(self, spec: ArchSpec) -> dict[str, Any]:
        spec = self.normalize(spec)
        act = getattr(spec.stem[0], "act", None) if len(spec.stem) == 1 else None
        if act in self.acts and spec.stem == self._stem(act) and spec.head == replace(self._head(act), dropout=0.0):
            for blocks in _segment(spec.stages, STEM_C):
                values: dict[str, object] = {"act": act}
                for i, block in enumerate(blocks):
                    values.update({f"b{i + 1}_{k}": v for k, v in block.items()})
                if self.is_point(spec, values):
                    return self.values_from(values)
        raise ValueError(f"not a point of space {self.name}")

    def size(self) -> Size:
        """Distinct canonical assignments, counted block by block over the input width."""
        counts = {STEM_C: 1}
        for i in range(7):
            nxt: dict[int, int] = {}
            for c_in, n in counts.items():
                for f in self.filter_choices(i):
                    for layers in self.layer_choices(i):
                        residual = layers > 1 or (STRIDES[i] == 1 and c_in == f)
                        per = 2 * 2 + len(MB_EXPANSION) * 2 * 2 * (2 if residual else 1)
                        nxt[f] = nxt.get(f, 0) + n * per
            counts = nxt
        total = sum(counts.values()) * len(self.acts)
        return Size(total, exact=False, note="upper bound: adjacent depthwise-separable blocks can coincide")

    def weight_sharing_blocker(self) -> None:
        return None

    def stage_slots(self, values: dict[str, Any], spec: ArchSpec) -> tuple[str, ...]:
        """Per block b: op conv -> `b{b}.conv`; sep -> `b{b}.sep.{l}.dw`, `b{b}.sep.{l}.pw` per layer l;
        mb1 / mb3 / mb6 -> `b{b}.mb`, one MBConv family whose expansion takes the first channels."""
        slots: list[str] = []
        for b in range(1, 8):
            op = values[f"b{b}_op"]
            if op == "sep":
                slots += [f"b{b}.sep.{i}.{part}" for i in range(values[f"b{b}_layers"]) for part in ("dw", "pw")]
            else:
                slots.append(f"b{b}.conv" if op == "conv" else f"b{b}.mb")
        return tuple(slots)

    def largest_points(self) -> list[tuple[dict[str, Any], ArchSpec]]:
        """One point per op family (conv, sep, mb6): kernel 5, SE 0.25, the most filters and layers everywhere."""
        points = []
        for op in ("conv", "sep", "mb6"):
            values: dict[str, Any] = {"act": self.acts[0]}
            for i in range(7):
                values.update(
                    {
                        f"b{i + 1}_op": op,
                        f"b{i + 1}_k": 5,
                        f"b{i + 1}_se": 0.25,
                        f"b{i + 1}_skip": True,
                        f"b{i + 1}_filters": max(self.filter_choices(i)),
                        f"b{i + 1}_layers": max(self.layer_choices(i)),
                    }
                )
            points.append((values, self.generate(values)))
        return points

    def smallest_point(self) -> tuple[dict[str, Any], ArchSpec]:
        """Op mb1, kernel 3, no SE, the fewest filters and layers in every block, relu (no point has fewer
        MACs; skip holds no weights and is kept); the default sample's smallest when the budget refuses it."""
        values: dict[str, Any] = {"act": "relu" if "relu" in self.acts else self.acts[0]}
        for i in range(7):
            values.update(
                {
                    f"b{i + 1}_op": "mb1",
                    f"b{i + 1}_k": 3,
                    f"b{i + 1}_se": 0.0,
                    f"b{i + 1}_skip": True,
                    f"b{i + 1}_filters": min(self.filter_choices(i)),
                    f"b{i + 1}_layers": min(self.layer_choices(i)),
                }
            )
        spec = self.generate(values)
        return (values, spec) if self.budget.admits(spec) else super().smallest_point()

    def kernel_and_depth(self) -> tuple[str, ...]:
        """Every block's `k` and `layers`."""
        return tuple(f"b{i}_{name}" for i in range(1, 8) for name in ("k", "layers"))


def _segment(stages: tuple[Block, ...], c_in: int, i: int = 0) -> Iterator[list[BlockChoices]]:
    """Every way of reading `stages` as 7 blocks: yields lists of per-block choice dicts."""
    if i == 7:
        if not stages:
            yield []
        return
    if not stages:
        return
    first = stages[0]
    candidates: list[tuple[BlockChoices, int]] = []  # (choices, stages they take)
    if isinstance(first, MBConv):
        op = OP_OF_EXPANSION.get(first.e)
        if op:
            candidates.append(
                ({"op": op, "k": first.k, "se": first.se, "skip": first.skip, "filters": first.c, "layers": first.r}, 1)
            )
    elif isinstance(first, ConvBNAct) and first.g == 1 and first.k > 1:
        candidates.append(
            ({"op": "conv", "k": first.k, "se": 0.0, "skip": False, "filters": first.c, "layers": first.r}, 1)
        )
    elif isinstance(first, ConvBNAct) and first.g == c_in and first.g > 1:
        n = 0
        while 2 * n + 1 < len(stages):
            depthwise, pointwise = stages[2 * n], stages[2 * n + 1]
            if not (
                isinstance(depthwise, ConvBNAct)
                and depthwise.g > 1
                and isinstance(pointwise, ConvBNAct)
                and pointwise.k == 1
            ):
                break
            n += 1
            candidates.append(
                ({"op": "sep", "k": first.k, "se": 0.0, "skip": False, "filters": pointwise.c, "layers": n}, 2 * n)
            )
    for block, used in candidates:
        for rest in _segment(stages[used:], block["filters"], i + 1):
            yield [block] + rest
