"""What every results row records of where it came from: the code's commit and the library versions."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path


def git_commit() -> str:
    """The commit of the nasx checkout in use; empty when it is not a git checkout (an installed wheel)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def versions() -> str:
    """The `versions` column: nasx, torch and numpy of the process that evaluated a candidate (JSON)."""
    import numpy
    import torch

    from nasx import __version__

    return json.dumps({"nasx": __version__, "torch": torch.__version__, "numpy": numpy.__version__}, sort_keys=True)
