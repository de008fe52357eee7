"""CIFAR-10 batches are read by a restricted unpickler: the original format loads, a file that names any
other callable is refused before anything runs."""

import os
import pickle
import struct

import numpy as np
import pytest

from nasx import data
from nasx.data.cifar10 import TEST, TRAIN, Refused, unpickle_batch


def _short(text: bytes) -> bytes:
    """SHORT_BINSTRING (or BINSTRING when long): how Python 2 pickles a str, read back as bytes."""
    if len(text) < 256:
        return b"U" + bytes([len(text)]) + text
    return b"T" + struct.pack("<i", len(text)) + text


def py2_batch(images: np.ndarray, labels: list[int]) -> bytes:
    """A batch byte for byte as Python 2 and NumPy 1 wrote the original cifar-10-batches-py files: protocol 2,
    str keys (bytes once read), `numpy.core.multiarray._reconstruct`, the array's data as a str."""
    rows, cols = images.shape
    array = (
        b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85" + _short(b"b") + b"\x87R"  # empty array
        b"(K\x01" + b"M" + struct.pack("<H", rows) + b"M" + struct.pack("<H", cols) + b"\x86"  # version 1, shape
        b"cnumpy\ndtype\n" + _short(b"u1") + b"K\x00K\x01\x87R"  # dtype('u1', 0, 1)
        b"(K\x03" + _short(b"|") + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"  # the dtype's state
        b"\x89" + _short(images.tobytes()) + b"tb"  # not Fortran order; the data
    )
    label_list = b"]" + b"(" + b"".join(b"K" + bytes([v]) for v in labels) + b"e"
    names = b"]" + b"(" + b"".join(_short(f"img_{i}.png".encode()) for i in range(rows)) + b"e"
    return (
        b"\x80\x02}("
        + _short(b"data")
        + array
        + _short(b"labels")
        + label_list
        + _short(b"batch_label")
        + _short(b"training batch 1 of 5")
        + _short(b"filenames")
        + names
        + b"u."
    )


def _images(n: int, offset: int) -> np.ndarray:
    return ((np.arange(n * 3072) + offset) % 251).astype(np.uint8).reshape(n, 3072)


def write_py2_cifar(folder, per_batch=4):
    folder.mkdir(parents=True)
    for i, name in enumerate((*TRAIN, TEST)):
        (folder / name).write_bytes(py2_batch(_images(per_batch, 100 * i), [(i + j) % 10 for j in range(per_batch)]))


def test_the_original_format_is_read_as_pickle_reads_it():
    images = _images(3, 7)
    raw = py2_batch(images, [1, 2, 3])
    mine, stdlib = unpickle_batch(raw), pickle.loads(raw, encoding="bytes")  # the stdlib builds the same batch
    assert set(mine) == {b"data", b"labels", b"batch_label", b"filenames"}
    assert mine[b"data"].dtype == np.uint8 and (mine[b"data"] == images).all() and (stdlib[b"data"] == images).all()
    assert mine[b"labels"] == stdlib[b"labels"] == [1, 2, 3]
    assert mine[b"filenames"] == [b"img_0.png", b"img_1.png", b"img_2.png"]


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_batches_resaved_by_numpy_load(protocol):
    batch = {b"data": _images(2, 0), b"labels": [3, 4], b"ids": np.arange(2, dtype=np.int64)}
    out = unpickle_batch(pickle.dumps(batch, protocol=protocol))
    assert (out[b"data"] == batch[b"data"]).all() and out[b"labels"] == [3, 4] and out[b"ids"].tolist() == [0, 1]


def test_a_directory_in_the_original_format_loads(tmp_path):
    write_py2_cifar(tmp_path / "cifar-10-batches-py")
    d = data.load("cifar10", str(tmp_path), resolution=32, val_fraction=0.25)
    assert (len(d.train_y), len(d.val_y), len(d.test_y)) == (15, 5, 4)  # 5 batches of 4: 20 * 0.25 = 5 for val
    assert d.test_x.shape == (4, 3, 32, 32) and d.test_y.tolist() == [5, 6, 7, 8]  # test batch: i = 5


class Payload:
    """Unpickling this object runs `call(*args)`."""

    def __init__(self, call, *args):
        self.call, self.args = call, args

    def __reduce__(self):
        return self.call, self.args


def payloads(marker):
    """Ways a pickle can run code: each creates `marker` when unpickled by `pickle.loads`."""
    return {
        "os.system": Payload(os.system, f"touch {marker}"),
        "builtins.exec": Payload(exec, f"open({str(marker)!r}, 'w').close()"),
        "builtins.open": Payload(open, str(marker), "w"),
    }


@pytest.mark.parametrize("kind", ["os.system", "builtins.exec", "builtins.open"])
def test_a_payload_runs_under_pickle_and_not_here(tmp_path, kind):
    marker = tmp_path / "ran"
    raw = pickle.dumps({b"data": _images(1, 0), b"labels": [0], b"x": payloads(marker)[kind]}, protocol=2)
    pickle.loads(raw, encoding="bytes")  # the payload is live: plain pickle runs it
    assert marker.exists()
    marker.unlink()
    with pytest.raises(Refused, match="which a CIFAR-10 batch does not hold; nothing was run"):
        unpickle_batch(raw)
    assert not marker.exists()


@pytest.mark.parametrize(
    "refused",
    [
        pickle.dumps(np.array([object()], dtype=object), protocol=2),  # an object array unpickles objects
        pickle.dumps(np.array([1.5]), protocol=2),  # float64: no CIFAR batch holds one
        pickle.dumps(np.array(["a"]), protocol=2),
    ],
    ids=["object-array", "float-array", "str-array"],
)
def test_arrays_other_than_integer_ones_are_refused(refused):
    with pytest.raises(Refused, match="it holds an array of dtype '(O8|f8|U1)', which a CIFAR-10 batch does not"):
        unpickle_batch(refused)
