"""Where a driver's trials run, by name: `ray` (Ray Tune, locally or on a cluster; the default) or
`inprocess` (one at a time in the driver's process)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from nasx.search.evaluators import Evaluator
from nasx.search.ledger import Ledger
from nasx.search.setup import SearchSetup

NAMES = ("ray", "inprocess")


class Executor(Protocol):
    """Runs a ledger's trials: `check` before anything is written, `run` until the ledger is finished,
    calling `evaluator` on each trial's config and handing each end to `ledger.complete`. `session` holds
    what the executor runs on (Ray) across several `run` calls, e.g. a search and its confirmation stage."""

    name: str

    def check(self, setup: SearchSetup) -> None: ...

    def session(self, setup: SearchSetup, run_dir: Path) -> AbstractContextManager[None]: ...

    def run(
        self, setup: SearchSetup, ledger: Ledger, data, run_dir: Path, *, name: str, evaluator: Evaluator
    ) -> None: ...


def get(name: str = "ray") -> Executor:
    if name == "ray":
        from nasx.ray.executor import RayTune

        return RayTune()
    if name == "inprocess":
        from nasx.search.inprocess import InProcess

        return InProcess()
    raise ValueError(f"unknown executor {name!r}; choose one of {', '.join(NAMES)}")
