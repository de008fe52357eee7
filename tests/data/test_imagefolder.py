"""Image folders are read safely: regular files only, a pixel budget per image, a memory estimate per folder,
each a one-line error naming the file or folder, checked before anything is decoded."""

import os
import struct
import threading
import zlib

import pytest
from PIL import Image

from nasx import data
from nasx.data import imagefolder, images


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares `width` x `height` RGB pixels and holds none: what Pillow reads at open."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits, RGB, deflate, no filter, no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def folder(root, extra=None):
    for cls in ("a", "b"):
        (root / cls).mkdir(parents=True)
        Image.new("RGB", (8, 8), (10, 20, 30)).save(root / cls / "0.png")
    if extra:
        extra(root / "b")
    return root


def _load(root, **kw):
    return data.load("imagefolder", str(root), resolution=16, val_fraction=0.0, test_fraction=0.5, **kw)


def test_a_fifo_among_the_images_is_named_and_not_waited_on(tmp_path):
    root = folder(tmp_path / "img", lambda b: os.mkfifo(b / "1.png"))
    raised = []

    def load():
        with pytest.raises(ValueError) as info:
            _load(root)
        raised.append(str(info.value))

    reader = threading.Thread(target=load, daemon=True)
    reader.start()
    reader.join(timeout=60)
    assert raised, "the loader blocked on the FIFO"
    assert raised[0].startswith(f"imagefolder: {root / 'b' / '1.png'}: a FIFO, not a regular file; expected ")


def test_a_socket_is_named(tmp_path):
    import socket

    root = folder(tmp_path / "img")
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(root / "b" / "1.png"))
        with pytest.raises(ValueError, match=r"b/1\.png: a socket, not a regular file"):
            _load(root)


@pytest.mark.parametrize(
    "width, height, pixels",
    [
        (30000, 30000, "900,000,000"),  # over twice Pillow's limit: its DecompressionBombError
        (9500, 9500, "90,250,000"),  # over Pillow's 89,478,485: its DecompressionBombWarning
        (8000, 8000, "64,000,000"),  # under Pillow's limit, over nasx's 50,000,000
    ],
)
def test_an_image_over_the_pixel_budget_is_refused_from_its_header(tmp_path, width, height, pixels):
    root = folder(tmp_path / "img", lambda b: (b / "big.png").write_bytes(png_header(width, height)))
    with pytest.raises(ValueError) as info:
        _load(root)
    assert str(info.value).startswith(
        f"imagefolder: {root / 'b' / 'big.png'}: an image of {pixels} pixels; nasx decodes at most 50,000,000 "
        "pixels per image; expected "
    )


def test_the_folder_memory_estimate_is_checked_before_decoding(tmp_path, monkeypatch):
    root = folder(tmp_path / "img")
    # 2 images at 16x16 with 3 channels, twice: 2 * 2 * 3 * 256 = 3072; the largest 8x8 image, 8 bytes a
    # pixel: 512; 3584 bytes in all
    monkeypatch.setattr(images, "memory_limit_bytes", lambda: 3583)
    decoded = []
    monkeypatch.setattr(Image.Image, "convert", lambda *a, **k: decoded.append(1))
    with pytest.raises(
        ValueError,
        match=rf"^imagefolder: {root}: 2 images at 16x16 need about 3.58KB of memory, over the limit of 3.58KB ",
    ):
        _load(root)
    assert not decoded  # refused from the headers alone


def test_the_limits_let_ordinary_folders_through(tmp_path, monkeypatch):
    monkeypatch.setattr(images, "memory_limit_bytes", lambda: 3584)
    d = _load(folder(tmp_path / "img"))
    assert len(d.train_y) + len(d.test_y) == 2 and d.train_x.shape[1:] == (3, 16, 16)
    assert imagefolder.MAX_PIXELS == 50_000_000
