"""A key map: which source state_dict key each nasx key takes, built from renames of module paths."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class KeyMap:
    """`keys`: nasx key -> source key, for every nasx key; `ignored`: source key prefixes nasx has no layer
    for and leaves out on purpose (auxiliary classifiers)."""

    keys: dict[str, str]
    ignored: tuple[str, ...] = field(default=())


def renamed(nasx_keys: list[str], renames: list[tuple[str, str]]) -> dict[str, str]:
    """Each nasx key with its longest renamed module path (whole dotted parts) replaced by the source path;
    a key under no renamed path keeps its name."""
    table = dict(renames)
    out = {}
    for key in nasx_keys:
        parts = key.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            path = ".".join(parts[:cut])
            if path in table:
                out[key] = ".".join(filter(None, [table[path], *parts[cut:]]))
                break
        else:
            out[key] = key
    return out


def numbered(keys: list[str], pattern: str) -> list[str]:
    """The distinct prefixes that `pattern` (a regex whose groups are numbers; what must follow the prefix
    goes in a lookahead) matches at the start of the keys, in numeric order: the source's blocks in the
    order they run."""
    found = {}
    for key in keys:
        m = re.match(pattern, key)
        if m:
            found[tuple(int(g) for g in m.groups())] = m.group(0).rstrip(".")
    return [found[i] for i in sorted(found)]


def zipped(ours: list, theirs: list, what: str) -> list[tuple]:
    """zip(ours, theirs), or a ValueError when the counts differ."""
    if len(ours) != len(theirs):
        raise ValueError(f"the checkpoint has {len(theirs)} {what}, the nasx model {len(ours)}: not the same network")
    return list(zip(ours, theirs))
