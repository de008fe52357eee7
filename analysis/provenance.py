"""Where a run's results came from: its resolved config, git commit, library versions, dataset, seeds."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

CONFIG = "config.yaml"


def _values(series: pd.Series) -> str:
    values = sorted({str(v) for v in series.dropna() if str(v) != ""})
    return ", ".join(values) if values else "-"


def provenance(run_dir: str | Path, frame: pd.DataFrame) -> dict:
    """Provenance of one run: directory, trial counts by status, commit, versions, dataset, resolution,
    seeds, config hashes, searchers, and the text of config.yaml when the run directory holds one."""
    run_dir = Path(run_dir)
    config = run_dir / CONFIG
    counts = frame["status"].value_counts()
    return {
        "run": str(run_dir),
        "trials": len(frame),
        "ok": int(counts.get("ok", 0)),
        "failed": int(counts.get("failed", 0)),
        "pruned": int(counts.get("pruned", 0)),
        "git_commit": _values(frame["git_commit"]),
        "versions": _values(frame["versions"]),
        "dataset": _values(frame["dataset"]),
        "resolution": _values(frame["resolution"]),
        "seeds": _values(frame["seed"]),
        "searchers": _values(frame["searcher"]),
        "config_hash": _values(frame["config_hash"]),
        "config": config.read_text(encoding="utf-8", errors="replace") if config.is_file() else "",
    }
