"""Whether a trial's resource request fits on some node: Ray Tune would keep a trial that no node can place
pending forever, so a request is checked against the nodes before any trial is submitted (a local Ray's before
it starts, a cluster's once connected)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from nasx.search.setup import Resources


def local_node(resources: Resources) -> dict[str, float]:
    """The CPUs and GPUs a local Ray started for a run will have: resources.num_cpus and num_gpus, else what
    this machine has (the CPUs this process may run on; the GPUs torch sees)."""
    cpus = resources.num_cpus
    if cpus is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    gpus = resources.num_gpus
    if gpus is None:
        import torch

        gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    return {"CPU": float(cpus), "GPU": float(gpus)}


def cluster_nodes() -> list[dict[str, float]]:
    """The resources of every live node of the connected Ray."""
    import ray

    return [dict(node.get("Resources") or {}) for node in ray.nodes() if node.get("Alive")]


def check_request(
    resources: Resources, nodes: Sequence[dict[str, float]], where: str, *, waiting: str = "a trial"
) -> None:
    """ValueError (one line) unless one of `nodes` offers resources.cpus_per_trial CPUs and gpus_per_trial GPUs;
    `waiting` names what would wait for them."""
    need = {"CPU": resources.cpus_per_trial, "GPU": resources.gpus_per_trial}
    if any(all(node.get(k, 0.0) >= v for k, v in need.items() if v > 0) for node in nodes):
        return
    cpus = max((node.get("CPU", 0.0) for node in nodes), default=0.0)
    gpus = max((node.get("GPU", 0.0) for node in nodes), default=0.0)
    raise ValueError(
        f"resources.cpus_per_trial={need['CPU']:g}, resources.gpus_per_trial={need['GPU']:g}: no node of {where} "
        f"offers that ({len(nodes)} node{'s' if len(nodes) != 1 else ''}, the most CPUs {cpus:g}, the most GPUs "
        f"{gpus:g}); {waiting} would wait forever"
    )
