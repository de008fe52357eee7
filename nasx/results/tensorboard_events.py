"""Learning curves as TensorBoard event files, `RUN_DIR/tensorboard/<trial_id>/`: the one module where the
results meet TensorBoard (`logging.tensorboard=true`).

The writer is torch's `torch.utils.tensorboard.SummaryWriter` when the `tensorboard` package is installed,
else tensorboardX's (installed with Ray). Each trial's directory holds the scalars `train/loss`, `val/top1`
(the epochs it was measured) and `lr` at step = epoch, with wall times from the trial's start, then
`test/top1` and `reward` at its last epoch, and its arch strings as text. A directory is written under a
temporary name and renamed, so it is there whole or not at all, and a trial that has one is not written again.
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
import shutil
from pathlib import Path

import pandas as pd

DIR = "tensorboard"
SCALARS = ("train/loss", "val/top1", "lr")
FINAL = ("test/top1", "reward")


def package() -> str:
    """The package that will write the event files (found, not imported); ValueError (one line) when
    neither is installed."""
    for name in ("tensorboard", "tensorboardX"):
        if importlib.util.find_spec(name) is not None:
            return name
    raise ValueError(
        "logging.tensorboard=true: neither tensorboard nor tensorboardX is installed (pip install tensorboard)"
    )


def writer_class():
    """The SummaryWriter class of `package()`."""
    if package() == "tensorboard":
        from torch.utils.tensorboard import SummaryWriter
    else:
        from tensorboardX import SummaryWriter
    return SummaryWriter


def trial_dir(root: Path, trial_id: str) -> Path:
    return root / re.sub(r"[^\w.@+=-]", "_", str(trial_id))


def _finite(value) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


class TensorBoard:
    """Event files of finished trials under `root`: `record(row, curve)` writes one trial's once."""

    name = DIR

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.writer = writer_class()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValueError(f"logging.tensorboard=true: cannot write {self.root} ({exc.strerror or exc})") from None

    def record(self, row: dict, curve: list[dict] | None = None) -> bool:
        """Write one trial's event files unless it has them; returns whether it wrote (no curve: nothing)."""
        final = trial_dir(self.root, row["trial_id"])
        if not curve or final.exists():
            return False
        tmp = self.root / f".{final.name}.{os.getpid()}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        end, wall_s = _finite(row.get("finished_at")), _finite(row.get("wall_s"))
        start = end - wall_s if end is not None and wall_s is not None else None
        writer = self.writer(str(tmp))
        try:
            for point in curve:
                when = start + point["wall_s"] if start is not None and _finite(point.get("wall_s")) else None
                for tag in SCALARS:
                    value = _finite(point.get(tag))
                    if value is not None:
                        writer.add_scalar(tag, value, global_step=int(point["epoch"]), walltime=when)
            last = int(curve[-1]["epoch"])
            for tag in FINAL:
                value = _finite(row.get(tag))
                if value is not None:
                    writer.add_scalar(tag, value, global_step=last, walltime=end)
            for key in ("arch", "full_arch"):
                if row.get(key):
                    writer.add_text(key, str(row[key]), global_step=0)
        finally:
            writer.close()
        os.replace(tmp, final)
        return True

    def sync(self, frame: pd.DataFrame, curve_frame: pd.DataFrame) -> int:
        """Write the trials of a results table (with their curves) that have no event files yet."""
        if not len(frame) or not len(curve_frame):
            return 0
        by_trial = {t: g.to_dict("records") for t, g in curve_frame.groupby("trial_id", sort=False)}
        return sum(self.record(r, by_trial.get(r["trial_id"])) for r in frame.to_dict("records"))
