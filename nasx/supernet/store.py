"""A trained supernet on disk: RUN_DIR/supernet.pt, written atomically, and the supernet rebuilt from it.

The checkpoint holds the supernet's tensors and everything that decides which networks they serve: the
space (name, options, budget), the data's name, resolution, classes and channels, and the proxy scaling
(`for_task`'s multipliers), plus the training state a resumed run continues from (epoch, optimizer,
random states, per-epoch history).
"""
from __future__ import annotations

import hashlib
import os
from functools import partial
from pathlib import Path
from typing import Any

import torch

from nasx.arch.spec import ArchSpec
from nasx.generators.proxy import for_task

CHECKPOINT = "supernet.pt"
FORMAT = 1
SERVES = ("space", "data", "shape", "proxy", "kernel_transform")  # what decides the networks it holds


def save(run_dir: str | Path, state: dict[str, Any]) -> Path:
    """Write RUN_DIR/supernet.pt atomically (a temporary file, fsynced, then renamed)."""
    path = Path(run_dir) / CHECKPOINT
    tmp = path.with_name(f".{CHECKPOINT}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            torch.save({"format": FORMAT, **state}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def read(run_dir: str | Path) -> dict[str, Any]:
    """The checkpoint of a supernet run; ValueError (one line) when it is missing or not one."""
    path = Path(run_dir) / CHECKPOINT
    if not path.is_file():
        raise ValueError(f"supernet.run={run_dir}: no {CHECKPOINT} there (train one with `nasx supernet`)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for a truncated or foreign file
        raise ValueError(f"{path}: not a readable supernet checkpoint ({type(exc).__name__})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT or not all(k in state for k in SERVES):
        raise ValueError(f"{path}: not a supernet checkpoint of this nasx (format {FORMAT})")
    return state


def sha256(run_dir: str | Path) -> str:
    """The checkpoint's sha256: which weights a score came from."""
    digest = hashlib.sha256()
    with open(Path(run_dir) / CHECKPOINT, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def shrink_of(state: dict[str, Any], space) -> Any:
    """The shrink the supernet was trained for: a point of `space` -> the network trained on the task."""
    shape, proxy = state["shape"], state["proxy"]
    return partial(for_task, resolution=shape["resolution"], num_classes=shape["num_classes"],
                   channels=shape["channels"], width_mult=proxy["width_mult"], depth_mult=proxy["depth_mult"],
                   stem_stride=proxy["stem_stride"], base_resolution=space.resolution)


def load(run_dir: str | Path):
    """(Supernet with the trained weights, the checkpoint) of a supernet run."""
    from nasx import search_spaces
    from nasx.supernet.net import Supernet

    state = read(run_dir)
    space_spec = state["space"]
    space = search_spaces.get(space_spec["name"], **space_spec.get("options", {}), macs=space_spec.get("macs"),
                              params=space_spec.get("params"))
    net = Supernet(space, shrink_of(state, space), kernel_transform=bool(state["kernel_transform"]))
    try:
        net.load_state_dict(state["state_dict"], strict=True)
    except (RuntimeError, KeyError) as exc:
        raise ValueError(f"{Path(run_dir) / CHECKPOINT}: its tensors are not this space's supernet "
                         f"({' '.join(str(exc).split())[:200]})") from None
    return net, state


def trained_spec(net, point: dict[str, Any] | ArchSpec) -> ArchSpec:
    """The network the supernet serves for a point (its values or its full-scale spec)."""
    return net.resolve(point)[0]
