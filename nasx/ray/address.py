"""Cluster addresses: what `cluster.address` and RAY_ADDRESS may hold, and whether a cluster answers there."""

from __future__ import annotations

import os
import socket
from pathlib import Path

RAY_ADDRESS_ENV = "RAY_ADDRESS"
CURRENT_CLUSTER = Path("/tmp/ray/ray_current_cluster")  # where `ray start --head` records a machine's cluster


def refuse_client(address: str, where: str) -> None:
    """Ray Client (`ray://`) addresses are refused: a nasx search's driver holds the searcher and writes the
    run directory, so it must run on the cluster itself."""
    if address.startswith("ray://"):
        raise ValueError(
            f"{where}={address}: Ray Client (ray://) addresses are not supported; run nasx on a "
            f"node of the cluster with cluster.address=auto or HOST:PORT (the GCS address)"
        )


def environment_address(address: str | None, *, chosen: bool) -> str | None:
    """The cluster address a run uses: with RAY_ADDRESS set in the environment, `address` null and no
    cluster chosen on the command line means that address, and `auto` means it too (as Ray resolves
    `auto`); otherwise `address` as it is."""
    env = os.environ.get(RAY_ADDRESS_ENV, "").strip()
    if env and (address == "auto" or (address is None and not chosen)):
        refuse_client(env, RAY_ADDRESS_ENV)
        return env
    return address


def check_reachable(address: str) -> None:
    """ValueError (one line) unless a Ray cluster answers at `address` (auto, or HOST:PORT)."""
    if address == "auto":
        if not CURRENT_CLUSTER.is_file():
            raise ValueError(
                "cluster.address=auto: no running Ray cluster on this machine (start one with `ray start --head`)"
            )
        return
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"cluster.address={address!r}: expected auto or HOST:PORT")
    try:
        socket.create_connection((host, int(port)), timeout=2.0).close()
    except OSError:
        raise ValueError(f"cluster.address={address}: nothing answers there (is `ray start --head` running?)") from None
