"""An .npz file is checked from its zip directory and .npy headers before anything is inflated."""

import io
import zipfile

import numpy as np
import pytest

from nasx import data
from nasx.data import images

X = np.zeros((20, 8, 8), np.uint8)
Y = np.arange(20) % 2


def npy_member(shape, dtype=np.uint8, body=b"") -> bytes:
    """A .npy header declaring `shape` of `dtype`, followed by `body` (not the bytes it declares)."""
    out = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        out, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False, "shape": shape}
    )
    return out.getvalue() + body


def write_npz(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, raw in members.items():
            z.writestr(f"{name}.npy", raw)
    return path


def _arrays(**arrays) -> dict[str, bytes]:
    out = {}
    for name, a in arrays.items():
        buffer = io.BytesIO()
        np.save(buffer, a)
        out[name] = buffer.getvalue()
    return out


def test_a_member_declaring_more_than_it_holds_is_refused_unread(tmp_path, monkeypatch):
    members = {**_arrays(y=Y), "x": npy_member((10**6, 10**6), body=b"\0" * 64)}  # declares 10**12 bytes
    path = write_npz(tmp_path / "x.npz", members)
    monkeypatch.setattr(np, "load", lambda *a, **k: pytest.fail("np.load was reached"))
    with pytest.raises(
        ValueError,
        match=r"^npz: .*x\.npz: x declares a \(1000000, 1000000\) uint8 array \(1000.00GB\) but its member holds 192B",
    ):
        data.load("npz", str(path))
    # 192 = the 128-byte header (version 1.0 pads it to 64-byte alignment) + the 64 bytes of body


def test_a_zip_bomb_is_refused_from_the_zip_directory(tmp_path, monkeypatch):
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, x=np.zeros((64, 256, 256), np.uint8), y=np.zeros(64, np.int64))
    assert path.stat().st_size < 40_000  # 4 MiB of zeros: inflating it is a hundredfold
    monkeypatch.setattr(images, "memory_limit_bytes", lambda: 2**20)
    monkeypatch.setattr(np, "load", lambda *a, **k: pytest.fail("np.load was reached"))
    # x: 64 * 256 * 256 = 4,194,304 bytes + a 128-byte header; y: 512 + 128 bytes; 4,195,072 in all
    with pytest.raises(
        ValueError, match=r"^npz: .*bomb\.npz: its arrays need about 4.20MB of memory, over the limit of 1.05MB "
    ):
        data.load("npz", str(path))


def test_an_object_array_is_refused(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, x=X, y=np.array([object()] * 20, dtype=object))
    with pytest.raises(ValueError, match=r"^npz: .*x\.npz: y is an array of Python objects \(a pickle\), which nasx"):
        data.load("npz", str(path))


def test_a_member_that_is_no_npy_is_named(tmp_path):
    path = write_npz(tmp_path / "x.npz", {**_arrays(x=X, y=Y), "z": b"not an array"})
    with pytest.raises(ValueError, match=r"^npz: .*x\.npz: z is not a readable \.npy array"):
        data.load("npz", str(path))


def test_an_ordinary_file_loads(tmp_path):
    path = write_npz(tmp_path / "x.npz", _arrays(x=X, y=Y))
    d = data.load("npz", str(path), resolution=8, val_fraction=0.1, test_fraction=0.2)
    assert len(d.train_y) + len(d.val_y) + len(d.test_y) == 20
