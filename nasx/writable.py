"""Output paths checked writable before any work: a run directory, `save=`. Nothing is created; a path
that cannot be written is one ValueError line naming the setting and why, so training never ends in a failed save."""

from __future__ import annotations

import tempfile
from pathlib import Path


def _existing(path: Path) -> Path:
    """`path` itself when it exists, else its nearest existing ancestor."""
    probe = path.absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return probe


def _why_not(folder: Path) -> str | None:
    """Why files cannot be made in the existing directory `folder`, or None when they can: tried with an
    unnamed temporary file (O_TMPFILE where Linux has it), so that nothing appears there."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            return None
    except OSError as exc:
        return f"cannot write in {folder} ({exc.strerror or exc})"


def _check_dir(folder: Path, where: str, path: str | Path) -> None:
    probe = _existing(folder)
    if not probe.is_dir():
        raise ValueError(f"{where}={path}: {probe} is not a directory")
    why = _why_not(probe)
    if why:
        raise ValueError(f"{where}={path}: {why}")


def check_writable_dir(path: str | Path, where: str) -> None:
    """`path` is a directory this process can write files in, or one it can create (its nearest existing
    ancestor is a writable directory); else `where=path: why`."""
    _check_dir(Path(path).expanduser(), where, path)
