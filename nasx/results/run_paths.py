"""The files of a run directory are the run's own: nasx follows no symbolic link inside one.

A link inside a run directory (`writer.lock`, `report.md`, `weights/t1.pt` pointing elsewhere) would make a
write land on, or a copy carry, a file outside the run. `check_no_links` refuses a run directory holding one,
naming it, before a command reads or writes there; files written in place are opened with `O_NOFOLLOW`, so a
link made in between is refused too. The run directory's own path may be a link (`runs/latest`).
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from pathlib import Path

LINK = "is a symbolic link; nasx follows no link inside a run directory (remove it, or copy the file it points to)"


def link_error(path: str | Path) -> ValueError:
    return ValueError(f"{path}: {LINK}")


def check_no_links(run_dir: str | Path) -> None:
    """Raise a one-line ValueError naming the first symbolic link inside `run_dir` (any depth); nothing when
    `run_dir` is not a directory."""
    for folder, dirs, files in os.walk(run_dir):  # os.walk follows no link into a directory
        for name in sorted(dirs + files):
            if os.path.islink(os.path.join(folder, name)):
                raise link_error(os.path.join(folder, name))


def open_fd(path: str | Path, flags: int, mode: int = 0o644) -> int:
    """os.open with O_NOFOLLOW and O_CLOEXEC: a link at `path` is a one-line ValueError naming it (OSError
    otherwise, as os.open)."""
    try:
        return os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise link_error(path) from None
        raise


def read_bytes(path: str | Path) -> bytes:
    """The bytes of the regular file at `path`, never through a link (nor from a FIFO or a device, which could
    block or never end)."""
    fd = open_fd(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError(f"{path}: not a regular file")
        return f.read()


def write_bytes(path: str | Path, data: bytes) -> None:
    """Create or replace the contents of the file at `path` in place, never through a link."""
    with os.fdopen(open_fd(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), "wb") as f:
        f.write(data)


def copy_regular(src: str | Path, dst: str | Path) -> None:
    """Copy the regular file `src` (never a link's target, nor a FIFO or device) to the new file `dst`."""
    fd = open_fd(src, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError(f"{src}: not a regular file")
        with os.fdopen(open_fd(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL), "wb") as out:
            shutil.copyfileobj(f, out)
