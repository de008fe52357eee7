"""The classifier head shared by all families."""

from __future__ import annotations

from dataclasses import dataclass

from nasx.arch import cost
from nasx.arch.cost import Tally
from nasx.arch.fields import ACTIVATIONS, POSITIVE, Spec, fld


@dataclass(frozen=True, kw_only=True)
class Head(Spec):
    """[BN + ReLU] -> [1x1 conv c + BN + act] -> average pool to pool x pool -> [Linear h + act + dropout]*
    -> [dropout] -> Linear.

    norm: BN + ReLU on the incoming features (pre-activation nets: DenseNet, PreAct ResNet).
    conv_cls: the classifier is a 1x1 conv (bias) + ReLU before a global pool (SqueezeNet);
       it takes no hidden layers and pool must be 1.
    c: head conv channels, 0 = no head conv (ResNet, RegNet).
    pool: output side of the adaptive average pool, 1 = global (7 for VGG).
    hidden: widths of the hidden linear layers (MobileNetV3: 1280; VGG: 4096x4096); `hidden_bias`: with
       their bias (timm's MobileNetV3-rw and FBNetV3 have none).
    dropout: probability before the classifier and after each hidden activation.
    """

    c: int = fld("c", 0, check=(lambda v: v >= 0, "must be >= 0 (0 = no head conv)"))
    act: str = fld("n", "relu", codes=ACTIVATIONS)
    pool: int = fld("p", 1, check=POSITIVE)
    hidden: tuple[int, ...] = fld("h", ())
    hidden_act: str = fld("hn", "relu", codes=ACTIVATIONS)
    dropout: float = fld("d", 0.0, check=(lambda v: 0.0 <= v < 1.0, "dropout must be in [0, 1)"))
    norm: bool = fld("bn", False)
    conv_cls: bool = fld("cc", False)
    hidden_bias: bool = fld("hb", True, omit_default=True)

    def _check(self) -> None:
        if self.conv_cls and (self.hidden or self.pool != 1):
            raise ValueError(
                f"head.conv_cls=True: a conv classifier takes no hidden layers and pool=1, "
                f"got hidden={self.hidden}, pool={self.pool}"
            )

    def features(self, c_in: int) -> int:
        """Width entering the first linear layer."""
        return (self.c or c_in) * self.pool * self.pool

    def cost(self, c_in: int, size: int, num_classes: int) -> Tally:
        t = Tally()
        if self.norm:
            cost.bn(t, c_in)
        if self.c:
            cost.conv(t, c_in, self.c, 1, 1, size)
            cost.bn(t, self.c)
        if self.conv_cls:
            cost.conv(t, self.c or c_in, num_classes, 1, 1, size, bias=True)
            return t
        width = self.features(c_in)
        for h in self.hidden:
            cost.linear(t, width, h, bias=self.hidden_bias)
            width = h
        cost.linear(t, width, num_classes)
        return t
