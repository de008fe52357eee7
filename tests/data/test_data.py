"""Dataset loaders on tiny generated files in their exact formats, splits, augmentation, bad paths."""

import pickle
import tarfile

import numpy as np
import pytest
import torch

from nasx import data
from nasx.data import DataSpec, batch_crop, batch_flip, normalize


def cifar_batch(n: int, offset: int) -> dict:
    """A CIFAR-10 python batch as the original files hold it (bytes keys, uint8 rows of 3072)."""
    rng = np.random.default_rng(offset)
    return {
        b"batch_label": b"fake",
        b"labels": [(offset + i) % 10 for i in range(n)],
        b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
        b"filenames": [f"img{offset + i}.png".encode() for i in range(n)],
    }


def write_cifar(folder, per_batch=6):
    folder.mkdir(parents=True, exist_ok=True)
    batches = {f"data_batch_{i}": cifar_batch(per_batch, 100 * i) for i in range(1, 6)}
    batches["test_batch"] = cifar_batch(4, 999)
    for name, batch in batches.items():
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
    return batches


def test_digits_split_sizes_and_determinism():
    a = data.load("digits", resolution=16, seed=3)
    assert a.sizes() == {"train": 1258, "val": 180, "test": 359}  # 1797 = 180 + 359 + 1258
    assert a.train_x.shape == (1258, 3, 16, 16) and a.train_x.dtype == torch.uint8
    assert (a.num_classes, a.channels, a.hflip, a.is_synthetic) == (10, 3, False, False)
    b = data.load("digits", resolution=16, seed=3)
    assert torch.equal(a.train_x, b.train_x) and torch.equal(a.test_y, b.test_y)
    c = data.load("digits", resolution=16, seed=4)
    assert not torch.equal(a.val_y, c.val_y)
    one = data.load("digits", resolution=8, channels=1)
    assert one.train_x.shape[1:] == (1, 8, 8) and int(one.train_x.max()) == 255


def test_splits_are_disjoint_and_cover_the_pool():
    d = data.load("synthetic", num_samples=100, resolution=4, seed=1)
    assert d.sizes() == {"train": 70, "val": 10, "test": 20}
    assert d.is_synthetic and "synthetic" in d.label and "synthetic" in d.describe()
    rows = torch.cat([d.train_x, d.val_x, d.test_x]).flatten(1)
    assert len({tuple(r.tolist()) for r in rows}) == 100


def test_dataset_is_picklable():
    d = data.load("synthetic", num_samples=50, resolution=8)
    e = pickle.loads(pickle.dumps(d))
    assert torch.equal(d.train_x, e.train_x) and e.name == "synthetic" and e.mean == d.mean


def test_fake_cifar_directory(tmp_path):
    batches = write_cifar(tmp_path / "cifar-10-batches-py")
    for root in (tmp_path, tmp_path / "cifar-10-batches-py"):
        d = data.load("cifar10", str(root), resolution=32, val_fraction=0.2, seed=0)
        assert d.sizes() == {"train": 24, "val": 6, "test": 4}
        assert (d.num_classes, d.hflip) == (10, True)
        # the official test batch is the test split, pixel for pixel, in CHW order
        expected = torch.from_numpy(batches["test_batch"][b"data"].reshape(4, 3, 32, 32))
        assert torch.equal(d.test_x, expected)
        assert d.test_y.tolist() == [9, 0, 1, 2]


def test_fake_cifar_archive(tmp_path):
    write_cifar(tmp_path / "src" / "cifar-10-batches-py")
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "src" / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    from_dir = data.load("cifar10", str(tmp_path / "src"), resolution=16)
    for root in (archive, tmp_path):
        d = data.load("cifar10", str(root), resolution=16)
        assert d.train_x.shape == (27, 3, 16, 16)
        assert torch.equal(d.train_x, from_dir.train_x) and torch.equal(d.test_x, from_dir.test_x)


def test_cifar_bad_paths(tmp_path):
    with pytest.raises(ValueError, match=r"cifar10: .*nowhere: does not exist; expected .*data_batch_1"):
        data.load("cifar10", str(tmp_path / "nowhere"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"empty: missing data_batch_1.*test_batch"):
        data.load("cifar10", str(tmp_path / "empty"))
    write_cifar(tmp_path / "broken")
    (tmp_path / "broken" / "data_batch_3").write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match=r"data_batch_3: not a CIFAR-10 batch"):
        data.load("cifar10", str(tmp_path / "broken"))
    (tmp_path / "bad.tar.gz").write_bytes(b"garbage")
    with pytest.raises(ValueError, match=r"bad.tar.gz: unreadable archive"):
        data.load("cifar10", str(tmp_path / "bad.tar.gz"))
    with pytest.raises(ValueError, match="no path given"):
        data.load("cifar10")


def test_npz_pool_and_given_test_split(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (40, 12, 12, 3), dtype=np.uint8)  # NHWC
    y = np.arange(40) % 4
    np.savez(tmp_path / "pool.npz", x=x, y=y)
    d = data.load("npz", str(tmp_path / "pool.npz"), resolution=12)
    assert d.sizes() == {"train": 28, "val": 4, "test": 8} and d.num_classes == 4 and not d.hflip
    pooled = torch.cat([d.train_x, d.val_x, d.test_x]).long().sum(0)
    assert torch.equal(pooled, torch.from_numpy(x.transpose(0, 3, 1, 2)).long().sum(0))
    assert sorted(torch.cat([d.train_y, d.val_y, d.test_y]).tolist()) == sorted(y.tolist())
    np.savez(tmp_path / "split.npz", x=x[:30], y=y[:30], x_test=x[30:], y_test=y[30:])
    e = data.load("npz", str(tmp_path / "split.npz"), resolution=12, val_fraction=0.1)
    assert e.sizes() == {"train": 27, "val": 3, "test": 10}
    assert torch.equal(e.test_x, torch.from_numpy(x[30:].transpose(0, 3, 1, 2).copy()))
    grey = rng.random((10, 8, 8)).astype(np.float32)  # floats in [0, 1], no channel axis
    np.savez(tmp_path / "grey.npz", x=grey, y=np.arange(10) % 2)
    g = data.load("npz", str(tmp_path / "grey.npz"), resolution=8, channels=1, val_fraction=0.2)
    assert g.train_x.shape[1:] == (1, 8, 8)


def test_npz_bad_files(tmp_path):
    with pytest.raises(ValueError, match=r"npz: .*missing.npz: does not exist; expected an .npz file with arrays x"):
        data.load("npz", str(tmp_path / "missing.npz"))
    np.savez(tmp_path / "wrong.npz", images=np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match="no arrays x and y"):
        data.load("npz", str(tmp_path / "wrong.npz"))
    np.savez(tmp_path / "labels.npz", x=np.zeros((3, 4, 4), np.uint8), y=np.zeros(2, np.int64))
    with pytest.raises(ValueError, match="y must be 3 non-negative integer labels"):
        data.load("npz", str(tmp_path / "labels.npz"))
    (tmp_path / "junk.npz").write_bytes(b"junk")
    with pytest.raises(ValueError, match="unreadable"):
        data.load("npz", str(tmp_path / "junk.npz"))


def write_images(folder, classes, per_class, size=(10, 14)):
    from PIL import Image

    for c, name in enumerate(classes):
        (folder / name).mkdir(parents=True)
        for i in range(per_class):
            a = np.full((size[1], size[0], 3), 20 * c + i, dtype=np.uint8)
            Image.fromarray(a).save(folder / name / f"{i}.png")


def test_imagefolder_pool_and_train_test(tmp_path):
    write_images(tmp_path / "pool", ["cat", "dog", "emu"], 10)
    d = data.load("imagefolder", str(tmp_path / "pool"), resolution=8)
    assert d.num_classes == 3 and d.sizes() == {"train": 21, "val": 3, "test": 6}
    assert d.train_x.shape[1:] == (3, 8, 8) and d.hflip
    # a uniform image stays uniform: label c, index i -> value 20c + i
    for x, y in zip(d.train_x, d.train_y):
        assert int(x.min()) == int(x.max()) and (int(x[0, 0, 0]) - int(y) * 20) in range(10)
    write_images(tmp_path / "split" / "train", ["a", "b"], 5)
    write_images(tmp_path / "split" / "test", ["a", "b"], 2)
    e = data.load("imagefolder", str(tmp_path / "split"), resolution=6, val_fraction=0.2)
    assert e.sizes() == {"train": 8, "val": 2, "test": 4}
    assert e.test_y.tolist() == [0, 0, 1, 1]


def test_imagefolder_bad_paths(tmp_path):
    with pytest.raises(ValueError, match=r"imagefolder: .*nope: does not exist; expected ROOT/CLASS_NAME"):
        data.load("imagefolder", str(tmp_path / "nope"))
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "a.png").write_bytes(b"x")
    with pytest.raises(ValueError, match="no class folders"):
        data.load("imagefolder", str(tmp_path / "flat"))
    (tmp_path / "bad" / "cls").mkdir(parents=True)
    (tmp_path / "bad" / "cls" / "x.png").write_bytes(b"not an image")
    with pytest.raises(ValueError, match=r"x.png: unreadable image"):
        data.load("imagefolder", str(tmp_path / "bad"))


def test_unknown_dataset_and_bad_options():
    with pytest.raises(ValueError, match="unknown dataset 'mnist'; choose one of digits, mnist5k, cifar10"):
        data.load("mnist")
    with pytest.raises(ValueError, match="digits: .*take no path"):
        data.load("digits", "/tmp")
    with pytest.raises(ValueError, match="val_fraction"):
        data.load("synthetic", val_fraction=0.7, test_fraction=0.5)
    with pytest.raises(ValueError, match="unexpected keyword argument 'colour'"):
        data.load("synthetic", colour=True)
    with pytest.raises(ValueError, match="resolution=0"):
        DataSpec("digits", resolution=0).load()


def test_crop_shifts_within_padding_and_flip_mirrors():
    g = torch.Generator().manual_seed(0)
    x = torch.arange(2 * 1 * 5 * 5, dtype=torch.uint8).view(2, 1, 5, 5)
    assert torch.equal(batch_crop(x, 0, g), x)
    for _ in range(20):
        y = batch_crop(x, 2, g)
        assert y.shape == x.shape and y.dtype == torch.uint8
        for n in range(2):
            values = set(y[n].flatten().tolist()) - {0}
            assert values <= set(x[n].flatten().tolist())  # only its own pixels, or zero padding
    flipped = [batch_flip(x, g) for _ in range(20)]
    assert all(torch.equal(f[n], x[n]) or torch.equal(f[n], x[n].flip(2)) for f in flipped for n in range(2))
    assert any(torch.equal(f[0], x[0].flip(2)) for f in flipped) and any(torch.equal(f[0], x[0]) for f in flipped)


def test_normalize_uses_train_statistics():
    x = torch.tensor([0, 255], dtype=torch.uint8).view(2, 1, 1, 1)
    out = normalize(x, (0.5,), (0.25,))
    assert out.dtype == torch.float32
    assert out.flatten().tolist() == pytest.approx([-2.0, 2.0])  # (0 - 0.5) / 0.25, (1 - 0.5) / 0.25
