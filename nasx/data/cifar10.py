"""CIFAR-10 from a local copy in the python format: a directory or the cifar-10-python.tar.gz archive.

A batch is a pickle, and unpickling runs whatever callables the file names: batches are read by `BatchUnpickler`,
which builds only what a CIFAR-10 batch holds (a dict of bytes or str keys, lists of ints and bytes, uint8 and
integer NumPy arrays) and refuses any other name before anything is called.
"""

from __future__ import annotations

import io
import pickle
import tarfile
from pathlib import Path

import numpy as np
import torch

from nasx.data.dataset import Dataset
from nasx.data.images import absent, carve_val, make_dataset

TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST = "test_batch"
ARCHIVE = "cifar-10-python.tar.gz"
LAYOUT = (
    f"a directory holding {', '.join(TRAIN)} and {TEST} (CIFAR-10 python version, optionally inside "
    f"cifar-10-batches-py/), or the {ARCHIVE} archive"
)


def _error(path, why: str) -> ValueError:
    return ValueError(f"cifar10: {path}: {why}; expected {LAYOUT}")


class Refused(pickle.UnpicklingError):
    """A batch names something a CIFAR-10 batch does not hold."""


INTEGER_DTYPES = frozenset(("u1", "i1", "u2", "i2", "u4", "i4", "u8", "i8"))


def _reconstruct(cls, shape, code):
    """numpy's `_reconstruct`, for plain arrays only (the protocol 0-4 pickle of an ndarray)."""
    if cls is not np.ndarray:
        raise Refused(f"it reconstructs {getattr(cls, '__name__', cls)!r}, which a CIFAR-10 batch does not hold")
    return np.ndarray.__new__(np.ndarray, shape, code)


def _dtype(code, align=False, copy=False):
    """numpy's `dtype`, for integer types only (an object dtype would unpickle Python objects); a Python 2
    pickle names the type as bytes."""
    if isinstance(code, bytes):
        code = code.decode("latin1")
    if not isinstance(code, str) or code not in INTEGER_DTYPES:
        raise Refused(f"it holds an array of dtype {code!r}, which a CIFAR-10 batch does not")
    return np.dtype(code, align=bool(align), copy=bool(copy))


def _frombuffer(buffer, dtype, shape, order):
    """numpy's `_frombuffer` (the protocol 5 pickle of an ndarray), for integer dtypes."""
    if not isinstance(dtype, np.dtype) or dtype.str[1:] not in INTEGER_DTYPES:
        raise Refused(f"it holds an array of dtype {dtype!r}, which a CIFAR-10 batch does not")
    return np.frombuffer(bytes(buffer), dtype=dtype).reshape(shape, order=order)


def _latin1(text, encoding="latin1"):
    """`_codecs.encode` as a protocol-2 pickle uses it for bytes: latin-1 only."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise Refused(f"it encodes text as {encoding!r}, which a CIFAR-10 batch does not")
    return text.encode("latin1")


# the only globals a CIFAR-10 batch names, in the format of the original files (Python 2 NumPy) and as a
# batch re-saved by NumPy 1 or 2 with protocols 2 to 5
ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy.core.numeric", "_frombuffer"): _frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _frombuffer,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): _dtype,
    ("_codecs", "encode"): _latin1,
}


class BatchUnpickler(pickle.Unpickler):
    """An unpickler that builds a CIFAR-10 batch and nothing else: any global outside `ALLOWED` (`os.system`,
    `builtins.eval`, ...) is refused before it is looked up, so a hostile file runs no code."""

    def find_class(self, module: str, name: str):
        allowed = ALLOWED.get((module, name))
        if allowed is None:
            raise Refused(f"it names {module}.{name}, which a CIFAR-10 batch does not hold; nothing was run")
        return allowed

    def persistent_load(self, pid):
        raise Refused("it holds a persistent id, which a CIFAR-10 batch does not")


def unpickle_batch(raw: bytes):
    """The object a CIFAR-10 batch file holds, built by `BatchUnpickler` (byte-string keys stay bytes)."""
    return BatchUnpickler(io.BytesIO(raw), encoding="bytes").load()


def _batch(raw: bytes, where) -> tuple[np.ndarray, np.ndarray]:
    try:
        entry = unpickle_batch(raw)
    except Refused as exc:
        raise _error(where, f"not a CIFAR-10 batch ({exc})") from None
    except Exception as exc:  # any other unpickling problem: a malformed file
        raise _error(where, f"not a CIFAR-10 batch ({type(exc).__name__}: {exc})") from None
    if not isinstance(entry, dict):
        raise _error(where, f"not a CIFAR-10 batch (a pickled {type(entry).__name__}, not a dict)")
    try:
        entry = {(k.decode() if isinstance(k, bytes) else k): v for k, v in entry.items()}
        data = np.asarray(entry["data"], dtype=np.uint8)
        labels = np.asarray(entry["labels"], dtype=np.int64)
        images = data.reshape(len(data), 3, 32, 32)
    except Exception as exc:  # any unpickling or shape problem is a malformed file
        raise _error(where, f"not a CIFAR-10 batch ({type(exc).__name__}: {exc})") from None
    if len(labels) != len(images) or (len(labels) and not 0 <= labels.min() <= labels.max() <= 9):
        raise _error(where, "labels do not match the images or are outside 0..9")
    return images, labels


def _read_dir(folder: Path) -> dict[str, bytes]:
    missing = [name for name in (*TRAIN, TEST) if not (folder / name).is_file()]
    if missing:
        raise _error(folder, f"missing {', '.join(missing)}")
    return {name: (folder / name).read_bytes() for name in (*TRAIN, TEST)}


def _read_archive(path: Path) -> dict[str, bytes]:
    try:
        with tarfile.open(path, "r:gz") as tar:
            members = {Path(m.name).name: m for m in tar.getmembers() if m.isfile()}
            missing = [name for name in (*TRAIN, TEST) if name not in members]
            if missing:
                raise _error(path, f"archive lacks {', '.join(missing)}")
            return {name: _extract(tar, members[name]) for name in (*TRAIN, TEST)}
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise _error(path, f"unreadable archive ({exc})") from None


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    """The bytes of a regular file in `tar` (extractfile has none for other members)."""
    f = tar.extractfile(member)
    if f is None:
        raise OSError(f"{member.name}: not a regular file")
    return f.read()


def read_raw(root) -> dict[str, bytes]:
    """The six batch files' bytes from `root` (directory, directory/cifar-10-batches-py, or archive)."""
    if root is None:
        raise ValueError(f"cifar10: no path given (data.root); expected {LAYOUT}")
    path = Path(root).expanduser()
    if not path.exists():
        raise _error(path, absent(path))
    if path.is_file():
        return _read_archive(path)
    for folder in (path, path / "cifar-10-batches-py"):
        if (folder / TEST).is_file():
            return _read_dir(folder)
    if (path / ARCHIVE).is_file():
        return _read_archive(path / ARCHIVE)
    return _read_dir(path)


def load_cifar10(
    root=None,
    *,
    resolution: int = 32,
    channels: int = 3,
    seed: int = 0,
    val_fraction: float = 0.1,
    test_fraction: float = 0.0,
) -> Dataset:
    """The official test batch is the test split; validation is carved from the 50,000 training images."""
    if test_fraction:
        raise ValueError(f"cifar10: test_fraction={test_fraction}: the official test batch is the test split")
    raw = read_raw(root)
    parts = [_batch(raw[name], Path(root) / name) for name in TRAIN]
    x = torch.from_numpy(np.concatenate([p[0] for p in parts]))
    y = torch.from_numpy(np.concatenate([p[1] for p in parts]))
    test_x, test_y = _batch(raw[TEST], Path(root) / TEST)
    splits = carve_val(x, y, seed, val_fraction)
    splits["test"] = (torch.from_numpy(test_x), torch.from_numpy(test_y))
    return make_dataset(
        "cifar10", splits, num_classes=10, resolution=resolution, channels=channels, hflip=True, source=str(root)
    )
