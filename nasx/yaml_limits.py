"""Every YAML file nasx reads, bounded: its size, its nesting depth and the size it expands to through aliases are
checked on PyYAML's event stream (which expands nothing) before any object is built.

An alias bomb ("billion laughs": ten aliases of ten aliases of ... a few bytes) loads into a small graph of shared
lists, which the first copy of the config (OmegaConf, a comparison, a dump) expands into gigabytes; here it is one
line naming the file. Syntax errors stay `yaml.YAMLError`, for the callers' own messages.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

MAX_BYTES = 1 << 20  # 1 MiB: a resolved nasx config is a few kB
MAX_NODES = 50_000  # scalars and collections once every alias is expanded; a resolved config holds a few hundred
MAX_DEPTH = 64  # nested mappings and sequences; a config nests fewer than ten


def check_text(text: str, where: str | Path) -> None:
    """A one-line ValueError naming `where` when `text` is over `MAX_BYTES`, nests deeper than `MAX_DEPTH` or
    expands (aliases counted at the size of what they name) to more than `MAX_NODES` nodes."""
    import yaml

    if len(text) > MAX_BYTES:
        raise ValueError(f"{where}: {len(text):,} characters of YAML; nasx reads at most {MAX_BYTES:,}")
    try:
        _walk(text, where)
    except yaml.MarkedYAMLError as exc:  # a syntax error: named by the file, not "<unicode string>"
        for mark in (exc.problem_mark, exc.context_mark):
            if mark is not None:
                mark.name = str(where)
        raise


def _walk(text: str, where: str | Path) -> None:
    """`check_text`'s depth and expansion checks, over the events of `text`."""
    import yaml

    sizes: dict[str, int] = {}  # anchor -> expanded node count of the node it names
    open_nodes: list[list] = []  # [expanded count so far, anchor] of each open collection
    total = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            if len(open_nodes) >= MAX_DEPTH:
                raise ValueError(f"{where}: YAML nested deeper than {MAX_DEPTH} levels")
            open_nodes.append([1, event.anchor])
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            count, anchor = open_nodes.pop()
        elif isinstance(event, yaml.ScalarEvent):
            count, anchor = 1, event.anchor
        elif isinstance(event, yaml.AliasEvent):
            count, anchor = sizes.get(event.anchor, 1), None
        else:  # stream and document events
            continue
        if anchor is not None:
            sizes[anchor] = count
        if open_nodes:
            open_nodes[-1][0] += count
            count = open_nodes[-1][0]
        else:
            total += count
            count = total
        if count > MAX_NODES:
            raise ValueError(
                f"{where}: YAML of more than {MAX_NODES:,} values once its aliases (*name) are expanded; "
                "nasx reads no larger config (an alias bomb?)"
            )


def loads(text: str, where: str | Path) -> Any:
    """`yaml.safe_load(text)` once `check_text` has passed."""
    import yaml

    check_text(text, where)
    return yaml.safe_load(text)


def read_text(path: str | Path) -> str:
    """The text of the YAML file at `path`: a regular file (a FIFO or device is refused, not waited on) of at
    most `MAX_BYTES`."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{path}: not a regular file")
        if info.st_size > MAX_BYTES:
            raise ValueError(f"{path}: {info.st_size:,} bytes of YAML; nasx reads at most {MAX_BYTES:,}")
        raw = f.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ValueError(f"{path}: more than {MAX_BYTES:,} bytes of YAML; nasx reads at most {MAX_BYTES:,}")
    return raw.decode("utf-8", errors="replace")


def read_yaml(path: str | Path) -> Any:
    """The object of the YAML file at `path`, within the limits (`read_text`, `check_text`)."""
    return loads(read_text(path), path)


def check_file(path: str | Path) -> None:
    """`read_yaml`'s checks without building anything: for files another loader (Hydra) reads."""
    check_text(read_text(path), path)
