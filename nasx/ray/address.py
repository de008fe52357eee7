"""Cluster addresses: what `cluster.address` and RAY_ADDRESS may hold, and whether a cluster answers there
and admits this process (Ray's token authentication: RAY_AUTH_MODE, RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

RAY_ADDRESS_ENV = "RAY_ADDRESS"
TOKEN_FILE = "~/.ray/auth_token"  # Ray's token when neither RAY_AUTH_TOKEN nor RAY_AUTH_TOKEN_PATH is set
AUTH_HINT = (
    "set RAY_AUTH_MODE=token and the cluster's token (RAY_AUTH_TOKEN, or the file ~/.ray/auth_token or the one "
    "RAY_AUTH_TOKEN_PATH names) where nasx runs, as on every node of the cluster"
)
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
    check_admitted(address)


def check_admitted(address: str) -> None:
    """ValueError (one line) when the cluster's GCS at HOST:PORT refuses this process's authentication."""
    mode = os.environ.get("RAY_AUTH_MODE", "").strip().lower()
    if mode == "token" and not os.environ.get("RAY_AUTH_TOKEN", "").strip():  # Ray would abort the process
        path = os.environ.get("RAY_AUTH_TOKEN_PATH")
        where = f"RAY_AUTH_TOKEN_PATH={path}" if path else f"RAY_AUTH_MODE=token: {TOKEN_FILE}"
        try:
            found = bool(Path(path or TOKEN_FILE).expanduser().read_text().strip())
        except OSError:
            found = False
        if not found:
            raise ValueError(f"{where}: no token there; {AUTH_HINT}")
    from ray._raylet import GcsClient  # type: ignore[attr-defined]
    from ray.exceptions import AuthenticationError

    from nasx.ray import output

    with output.into(Path(os.devnull)):  # the client's own warning line
        try:
            GcsClient(address=address)
        except AuthenticationError:
            raise ValueError(
                f"cluster.address={address}: the cluster refuses this process's Ray token "
                f"(RAY_AUTH_MODE={mode or 'unset'}); {AUTH_HINT}"
            ) from None
        except Exception:  # anything else is for ray.init to report
            return
