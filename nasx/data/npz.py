"""Images and labels from one .npz file: arrays `x` and `y`, optionally `x_test`/`y_test` (and `x_val`/`y_val`).

Before anything is inflated, the zip directory and each member's .npy header are read (`check_members`): a member
must declare no more than it holds, no array may hold Python objects (a pickle), and the whole must fit in memory.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import torch

from nasx.arch.limits import MAX_CLASSES
from nasx.data.dataset import Dataset
from nasx.data.images import absent, carve_val, check_fractions, check_memory, make_dataset, three_way
from nasx.table import human

LAYOUT = (
    "an .npz file with arrays x (N,H,W), (N,H,W,C) or (N,C,H,W) of uint8 (or floats in [0, 1]) "
    "and y (N,) integer labels; optionally x_test/y_test and x_val/y_val"
)


def _error(path, why: str) -> ValueError:
    return ValueError(f"npz: {path}: {why}; expected {LAYOUT}")


def check_members(path: Path) -> None:
    """From the zip directory and the .npy headers alone, a one-line ValueError for a member that declares a larger
    array than its uncompressed size (a zip bomb's lie), an object array, or members that inflate past memory."""
    total = 0
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            key = info.filename.removesuffix(".npy")
            with archive.open(info) as member:
                try:
                    version = np.lib.format.read_magic(member)
                    if version not in ((1, 0), (2, 0)):
                        raise ValueError(f".npy format {version[0]}.{version[1]}, which nasx does not read")
                    read = (
                        np.lib.format.read_array_header_1_0
                        if version == (1, 0)
                        else np.lib.format.read_array_header_2_0
                    )
                    shape, _, dtype = read(member)
                except ValueError as exc:
                    raise _error(path, f"{key} is not a readable .npy array ({exc})") from None
            if dtype.hasobject:
                raise _error(path, f"{key} is an array of Python objects (a pickle), which nasx does not load")
            declared = int(np.prod(shape, dtype=object)) * dtype.itemsize
            if declared > info.file_size:
                raise _error(
                    path,
                    f"{key} declares a {shape} {dtype} array ({human(declared)}B) but its member holds "
                    f"{human(info.file_size)}B",
                )
            total += info.file_size
    check_memory(f"npz: {path}", total, "its arrays")


def _images(a: np.ndarray, path, key: str) -> torch.Tensor:
    if a.ndim == 3:
        a = a[:, None]
    elif a.ndim == 4 and a.shape[-1] in (1, 3) and a.shape[1] not in (1, 3):
        a = a.transpose(0, 3, 1, 2)
    if a.ndim != 4 or a.shape[1] not in (1, 3):
        raise _error(path, f"{key} has shape {a.shape}")
    if a.dtype == np.uint8:
        return torch.from_numpy(np.ascontiguousarray(a))
    if np.issubdtype(a.dtype, np.floating) and a.size and 0.0 <= a.min() and a.max() <= 1.0:
        return torch.from_numpy(np.ascontiguousarray((a * 255.0).round().astype(np.uint8)))
    raise _error(path, f"{key} is {a.dtype} outside uint8 and floats in [0, 1]")


def _labels(a: np.ndarray, n: int, path, key: str) -> torch.Tensor:
    if a.shape != (n,) or not np.issubdtype(a.dtype, np.integer) or (n and a.min() < 0):
        raise _error(path, f"{key} must be {n} non-negative integer labels, got {a.dtype} {a.shape}")
    if n and a.max() >= MAX_CLASSES:
        raise _error(path, f"{key} holds label {int(a.max())}; labels must be below {MAX_CLASSES} classes")
    return torch.from_numpy(a.astype(np.int64))


def load_npz(
    root=None,
    *,
    resolution: int = 32,
    channels: int = 3,
    seed: int = 0,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
    hflip: bool = False,
) -> Dataset:
    """Splits come from the file where it has them, else by `seed` from x/y. `hflip` says whether
    horizontal flips keep the labels (unknown for arbitrary arrays, so off by default)."""
    if root is None:
        raise ValueError(f"npz: no path given (data.root); expected {LAYOUT}")
    path = Path(root).expanduser()
    if not path.is_file():
        raise _error(path, absent(path) if not path.exists() else "is not a file")
    try:
        check_members(path)
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise _error(path, f"unreadable ({exc})") from None
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise _error(path, f"unreadable ({exc})") from None
    check_fractions(val_fraction, test_fraction)
    pools = {}
    for split, suffix in (("pool", ""), ("test", "_test"), ("val", "_val")):
        if f"x{suffix}" in arrays or f"y{suffix}" in arrays:
            if f"x{suffix}" not in arrays or f"y{suffix}" not in arrays:
                raise _error(path, f"x{suffix} and y{suffix} must come together")
            x = _images(arrays[f"x{suffix}"], path, f"x{suffix}")
            pools[split] = (x, _labels(arrays[f"y{suffix}"], len(x), path, f"y{suffix}"))
    if "pool" not in pools:
        raise _error(path, f"no arrays x and y (found {', '.join(sorted(arrays)) or 'none'})")
    x, y = pools["pool"]
    if "test" in pools and "val" in pools:
        splits = {"train": (x, y), "val": pools["val"], "test": pools["test"]}
    elif "test" in pools:
        splits = {**carve_val(x, y, seed, val_fraction), "test": pools["test"]}
    else:
        splits = three_way(x, y, seed, val_fraction, test_fraction)
    num_classes = int(max(int(t[1].max()) if len(t[1]) else 0 for t in splits.values())) + 1
    return make_dataset(
        "npz", splits, num_classes=num_classes, resolution=resolution, channels=channels, hflip=hflip, source=str(path)
    )
