"""Class-per-folder images (e.g. an ImageNet subset), decoded once with Pillow at the proxy resolution."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from nasx.data.dataset import Dataset
from nasx.data.images import absent, carve_val, make_dataset, three_way

EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".ppm", ".tif", ".tiff")
LAYOUT = (
    "ROOT/CLASS_NAME/IMAGE files (one folder per class), or ROOT/train/CLASS_NAME/... with "
    "ROOT/test/CLASS_NAME/... (and optionally ROOT/val/CLASS_NAME/...)"
)


def _error(path, why: str) -> ValueError:
    return ValueError(f"imagefolder: {path}: {why}; expected {LAYOUT}")


def _classes(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def _read(folder: Path, classes: list[str], resolution: int, channels: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Every image under folder/CLASS/, resized (shorter side) and centre-cropped to resolution."""
    from PIL import Image, UnidentifiedImageError

    images, labels = [], []
    for label, name in enumerate(classes):
        if not (folder / name).is_dir():
            continue
        files = [f for f in sorted((folder / name).iterdir()) if f.suffix.lower() in EXTENSIONS]
        if not files:
            raise _error(folder / name, f"class folder holds no images ({', '.join(EXTENSIONS)})")
        for file in files:
            try:
                with Image.open(file) as opened:
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
