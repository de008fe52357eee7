"""Documented bounds on architecture fields, checked when a spec is built or an arch string decoded.

They are far above every published family (EfficientNet-B7: 600 px, 2,560 channels, 56 stages in
nasx's count of blocks) and keep a typo such as `r999999999` from reaching the cost count or torch.
"""

MAX_ARCH_CHARS = 8192  # length of an arch string
MAX_LAYERS = 64  # stem layers + stages of one network
MAX_REPEATS = 1024  # `r`: blocks in one stage
MAX_KERNEL = 31  # `k`, `ck`: kernel side
MAX_WIDTH = 65536  # every other integer field: channels, groups, growth, hidden widths, padding
MAX_MULTIPLIER = 64.0  # float fields: expansion, bottleneck and width multipliers (ratios are <= 1)
MAX_HIDDEN_LAYERS = 16  # entries of a tuple field (the head's hidden widths)
MAX_RESOLUTION = 4096  # input side in pixels
MAX_CLASSES = 100_000
MAX_IN_CHANNELS = 64


def int_limit(key: str) -> int:
    """The largest value of the integer field whose arch-string key is `key`."""
    return {"r": MAX_REPEATS, "k": MAX_KERNEL, "ck": MAX_KERNEL}.get(key, MAX_WIDTH)
