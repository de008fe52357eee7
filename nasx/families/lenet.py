"""LeNet-5 (LeCun, Bottou, Bengio and Haffner, 1998), in the one reading nasx's blocks express exactly.

32x32 grey input; C1 6@5x5 -> S2 -> C3 16@5x5 -> S4 -> C5 120@5x5 -> F6 84 -> 10 outputs.

- C1, C3 and C5 are unpadded 5x5 convs with bias and no BN, each followed by tanh (the paper's
  squashing function is 1.7159 tanh(2a/3): a fixed rescaling of tanh, left out).
- C3 connects every S2 map to every C3 map (2,416 parameters). The paper's partial connection
  table (1,516) gives each C3 map its own subset of S2 maps; groups cannot express it.
- S2 and S4 are 2x2 average pooling with stride 2 and no parameters: the paper's trainable
  coefficient and bias per map (12 and 32 parameters) and its sigmoid after them are left out.
- C5 stays a 5x5 conv on the 5x5 map (48,120), F6 is a linear layer of 84 with tanh (10,164), and
  the output is a linear layer of 10 (850) in place of the paper's Euclidean RBF units.

That is 61,706 parameters and 416,520 MACs; the paper's own reading has 60,000 trainable parameters.
"""

from __future__ import annotations

from nasx.arch.blocks import ConvBNAct, MaxPool
from nasx.arch.head import Head
from nasx.arch.spec import ArchSpec
from nasx.families.registry import register


@register("lenet5", 32, source="paper")
def lenet5() -> ArchSpec:
    def conv(c: int) -> ConvBNAct:
        return ConvBNAct(k=5, s=1, p=0, c=c, act="tanh", bn=False)

    def subsample() -> MaxPool:
        return MaxPool(k=2, s=2, avg=True)

    stages = (conv(6), subsample(), conv(16), subsample(), conv(120))
    return ArchSpec(
        stages=stages, head=Head(hidden=(84,), hidden_act="tanh"), resolution=32, num_classes=10, in_channels=1
    )
