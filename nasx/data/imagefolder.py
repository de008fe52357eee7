"""Class-per-folder images (e.g. an ImageNet subset), decoded once with Pillow at the proxy resolution.

Before a folder is decoded, every image's header is read: an image is a regular file (a FIFO, socket or device is
named and refused, never waited on) of at most `MAX_PIXELS` pixels, and the memory the folder needs decoded is
checked against half of the machine's (`images.check_memory`).
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nasx.data.dataset import Dataset
from nasx.data.images import absent, carve_val, check_memory, make_dataset, open_regular, three_way

MAX_PIXELS = 50_000_000  # per image (a 50-megapixel photograph); Pillow's own bomb limit is 89,478,485
EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".ppm", ".tif", ".tiff")
LAYOUT = (
    "ROOT/CLASS_NAME/IMAGE files (one folder per class), or ROOT/train/CLASS_NAME/... with "
    "ROOT/test/CLASS_NAME/... (and optionally ROOT/val/CLASS_NAME/...)"
)


def _error(path, why: str) -> ValueError:
    return ValueError(f"imagefolder: {path}: {why}; expected {LAYOUT}")


def _classes(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


@contextlib.contextmanager
def _open(file: Path) -> Iterator[Any]:
    """The Pillow image of `file`, its header read and nothing decoded; a one-line ValueError for a file that is
    not a regular one, not an image, or over `MAX_PIXELS` (Pillow's DecompressionBombWarning and Error included)."""
    try:
        f = open_regular(file)
    except OSError as exc:
        raise _error(file, f"unreadable image ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise _error(file, str(exc).removeprefix(f"{file}: ")) from None
    with f, _header(file, f) as im:
        yield im


def _header(file: Path, f) -> Any:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(f)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        found = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{int(found.group(1)):,} pixels" if found else "too many pixels"
        raise _error(file, f"an image of {size}; nasx decodes at most {MAX_PIXELS:,} pixels per image") from None
    except (OSError, UnidentifiedImageError) as exc:
        raise _error(file, f"unreadable image ({exc})") from None
    if im.width * im.height > MAX_PIXELS:
        im.close()
        raise _error(
            file, f"an image of {im.width * im.height:,} pixels; nasx decodes at most {MAX_PIXELS:,} pixels per image"
        )
    return im


def _files(folder: Path, classes: list[str]) -> list[tuple[int, Path]]:
    """(label, image file) of every image under folder/CLASS/."""
    out = []
    for label, name in enumerate(classes):
        if not (folder / name).is_dir():
            continue
        files = [f for f in sorted((folder / name).iterdir()) if f.suffix.lower() in EXTENSIONS]
        if not files:
            raise _error(folder / name, f"class folder holds no images ({', '.join(EXTENSIONS)})")
        out += [(label, f) for f in files]
    return out


def _check_memory(folder: Path, files: list[tuple[int, Path]], resolution: int, channels: int) -> None:
    """From the headers, before anything is decoded: the folder's images at `resolution` twice (as decoded, then
    stacked) and the largest image decoded and converted (4 bytes a pixel, twice)."""
    largest = 0
    for _, file in files:
        with _open(file) as im:
            largest = max(largest, im.width * im.height)
    need = 2 * len(files) * channels * resolution**2 + 8 * largest
    check_memory(f"imagefolder: {folder}", need, f"{len(files):,} images at {resolution}x{resolution}")


def _read(folder: Path, classes: list[str], resolution: int, channels: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Every image under folder/CLASS/, resized (shorter side) and centre-cropped to resolution."""
    from PIL import Image, UnidentifiedImageError

    files = _files(folder, classes)
    _check_memory(folder, files, resolution, channels)
    images, labels = [], []
    for label, file in files:
        try:
            with _open(file) as opened:
                im = opened.convert("RGB" if channels == 3 else "L")
                scale = resolution / min(im.size)
                w, h = max(resolution, round(im.width * scale)), max(resolution, round(im.height * scale))
                im = im.resize((w, h), Image.Resampling.BILINEAR, reducing_gap=None)
                left, top = (w - resolution) // 2, (h - resolution) // 2
                im = im.crop((left, top, left + resolution, top + resolution))
                a = np.asarray(im, dtype=np.uint8)
        except (OSError, UnidentifiedImageError) as exc:
            raise _error(file, f"unreadable image ({exc})") from None
        images.append(a.reshape(resolution, resolution, channels).transpose(2, 0, 1))
        labels.append(label)
    if not images:
        raise _error(folder, "no images found")
    return torch.from_numpy(np.stack(images)), torch.tensor(labels, dtype=torch.int64)


def load_imagefolder(
    root=None,
    *,
    resolution: int = 32,
    channels: int = 3,
    seed: int = 0,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
    hflip: bool = True,
) -> Dataset:
    """Classes are the sorted folder names. With train/ and test/ (and val/) sub-folders those are
    the splits; otherwise one pool split by `seed`. Held in memory as uint8 at `resolution`."""
    if root is None:
        raise ValueError(f"imagefolder: no path given (data.root); expected {LAYOUT}")
    path = Path(root).expanduser()
    if not path.is_dir():
        raise _error(path, absent(path) if not path.exists() else "is not a directory")
    if channels not in (1, 3):
        raise ValueError(f"channels={channels}: must be 1 or 3")
    if (path / "train").is_dir() and (path / "test").is_dir():
        classes = _classes(path / "train")
        if not classes:
            raise _error(path / "train", "no class folders")
        train = _read(path / "train", classes, resolution, channels)
        test = _read(path / "test", classes, resolution, channels)
        if (path / "val").is_dir():
            splits = {"train": train, "val": _read(path / "val", classes, resolution, channels), "test": test}
        else:
            splits = {**carve_val(*train, seed, val_fraction), "test": test}
    else:
        classes = _classes(path)
        if not classes:
            raise _error(path, "no class folders")
        splits = three_way(*_read(path, classes, resolution, channels), seed, val_fraction, test_fraction)
    return make_dataset(
        "imagefolder",
        splits,
        num_classes=len(classes),
        resolution=resolution,
        channels=channels,
        hflip=hflip,
        source=str(path),
    )
