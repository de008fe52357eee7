"""A trained supernet on disk: RUN_DIR/supernet.pt, written atomically, and the supernet rebuilt from it.

The checkpoint holds the supernet's tensors and everything that decides which networks they serve: the
space (name, options, budget), the data's name, resolution, classes and channels, and the proxy scaling
(`for_task`'s multipliers), plus the training state a resumed run continues from (epoch, optimizer,
random states, per-epoch history).
"""

from __future__ import annotations

import hashlib
import os
import warnings
from functools import partial
from pathlib import Path
from typing import Any

import torch

from nasx.arch.spec import ArchSpec
from nasx.generators.proxy import for_task

CHECKPOINT = "supernet.pt"
FORMAT = 1
SERVES = ("space", "data", "shape", "proxy", "kernel_transform")  # what decides the networks it holds


def plain(value: Any) -> Any:
    """`value` with tuples as lists, all the way down: a checkpoint's entries compare equal to a config's."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def serves(space: Any, data: Any, proxy: Any, shape: dict[str, int], *, kernel_transform: bool) -> dict[str, Any]:
    """The checkpoint entries that decide which networks a supernet holds (`SERVES`), as plain values: the
    search's SpaceSpec, DataSpec and ProxySpec, the loaded data's resolution, classes and channels."""
    from dataclasses import asdict

    return plain(
        {
            "space": asdict(space),
            "data": asdict(data),
            "proxy": asdict(proxy),
            "shape": dict(shape),
            "kernel_transform": kernel_transform,
        }
    )


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
        with warnings.catch_warnings():  # torch warns about foreign pickles before failing on them
            warnings.simplefilter("ignore")
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


def training_seconds(state: dict[str, Any]) -> float:
    """The seconds a checkpoint's training took: its last epoch's wall_s (counted across resumes), 0 before any."""
    history = state.get("history") or []
    return float(history[-1]["wall_s"]) if history else 0.0


def shrink_of(state: dict[str, Any], space) -> Any:
    """The shrink the supernet was trained for: a point of `space` -> the network trained on the task."""
    shape, proxy = state["shape"], state["proxy"]
    return partial(
        for_task,
        resolution=shape["resolution"],
        num_classes=shape["num_classes"],
        channels=shape["channels"],
        width_mult=proxy["width_mult"],
        depth_mult=proxy["depth_mult"],
        stem_stride=proxy["stem_stride"],
        base_resolution=space.resolution,
    )


def load(run_dir: str | Path):
    """(Supernet with the trained weights, the checkpoint) of a supernet run."""
    from nasx import search_spaces
    from nasx.supernet.net import Supernet

    state = read(run_dir)
    space_spec = state["space"]
    space = search_spaces.get(
        space_spec["name"],
        **space_spec.get("options", {}),
        macs=space_spec.get("macs"),
        params=space_spec.get("params"),
    )
    net = Supernet(space, shrink_of(state, space), kernel_transform=bool(state["kernel_transform"]))
    try:
        net.load_state_dict(state["state_dict"], strict=True)
    except (RuntimeError, KeyError) as exc:
        raise ValueError(
            f"{Path(run_dir) / CHECKPOINT}: its tensors are not this space's supernet "
            f"({' '.join(str(exc).split())[:200]})"
        ) from None
    return net, state


def initial(run_dir: str | Path, setup: Any, *, seed: int = 0, kernel_transform: bool = False) -> Path:
    """RUN_DIR/supernet.pt holding the supernet of `setup`'s search (its space, data and proxy scaling) at
    initialisation, seeded: what training starts from, and what measures the cost of scoring."""
    from nasx.supernet.net import Supernet

    data = setup.data.load()
    state = serves(
        setup.space,
        setup.data,
        setup.proxy,
        {"resolution": data.resolution, "num_classes": data.num_classes, "channels": data.channels},
        kernel_transform=kernel_transform,
    )
    space = setup.space.make()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = Supernet(space, shrink_of(state, space), kernel_transform=kernel_transform)
    Path(run_dir).mkdir(parents=True, exist_ok=True)
    return save(run_dir, {**state, "state_dict": net.state_dict(), "epoch": 0, "history": [], "seed": seed}).parent


def trained_spec(net, point: dict[str, Any] | ArchSpec) -> ArchSpec:
    """The network the supernet serves for a point (its values or its full-scale spec)."""
    return net.resolve(point)[0]
