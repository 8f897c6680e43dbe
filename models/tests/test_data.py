import io
import tarfile

import numpy as np
import pytest
from PIL import Image

from training import data


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "CACHE_DIR", tmp_path / "cache")
    return tmp_path


def _jpeg(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="JPEG", quality=95)
    return buf.getvalue()


def _write_tar(path, files: dict[str, bytes]) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name, payload in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))


def test_fashion_mnist_splits_have_documented_shapes_and_labels(isolated_cache):
    for split, count in (("train", 60000), ("test", 10000)):
        images, labels = data.load_split("fashion-mnist", split)
        assert images.shape == (count, 28, 28, 1) and images.dtype == np.uint8
        assert labels.shape == (count,) and labels.dtype == np.int64
        assert set(np.unique(labels)) == set(range(10))
        assert images.max() == 255 and images.min() == 0
    assert (isolated_cache / "cache" / "fashion-mnist-test.npz").exists()
    cached, _ = data.load_split("fashion-mnist", "test")
    assert np.array_equal(cached, images)


def test_to_model_range_maps_uint8_to_nchw_minus_one_to_one():
    u8 = np.array([0, 127, 255, 64], dtype=np.uint8).reshape(1, 2, 2, 1).repeat(3, axis=3)
    x = data.to_model_range(u8)
    assert x.shape == (1, 3, 2, 2) and x.dtype == np.float32
    assert x[0, 0, 0, 0] == -1.0 and x[0, 2, 1, 0] == 1.0
    assert abs(x[0, 1, 0, 1] - (127 / 127.5 - 1)) < 1e-7
    with pytest.raises(ValueError):
        data.to_model_range(u8.astype(np.float32))


def test_labels_for_each_dataset():
    assert data.labels_for("fashion-mnist")[0] == "T-shirt/top"
    assert data.labels_for("fashion-mnist")[9] == "Ankle boot"
    assert len(data.labels_for("cifar10")) == 10 and data.labels_for("cifar10")[9] == "truck"
    assert data.labels_for("celeba") == []
    with pytest.raises(ValueError):
        data.labels_for("mnist")


def test_unknown_dataset_or_split_is_rejected():
    with pytest.raises(ValueError):
        data.load_split("imagenet", "train")
    with pytest.raises(ValueError):
        data.load_split("fashion-mnist", "valid")


def test_celeba_crops_rows_10_to_99_resizes_and_holds_out_the_last_images(isolated_cache, monkeypatch):
    root = isolated_cache / "shared"
    (root / "celeba-9k").mkdir(parents=True)
    files = {}
    for i in range(1, 6):
        image = np.zeros((109, 89, 3), dtype=np.uint8)
        image[10:99] = 40 * i       # the face square
        image[:10] = 255            # rows that the crop must drop
        image[99:] = 255
        files[f"{i:06d}.jpg"] = _jpeg(image)
    _write_tar(root / "celeba-9k" / "celeba-aligned-9000.tar.gz", files)
    monkeypatch.setattr(data, "SHARED_DATASETS", root)
    monkeypatch.setattr(data, "CELEBA_TEST_COUNT", 2)

    train, train_labels = data.load_split("celeba", "train", size=16)
    # Both splits are cached by the first call; the archive is not needed any more.
    (root / "celeba-9k" / "celeba-aligned-9000.tar.gz").unlink()
    test, _ = data.load_split("celeba", "test", size=16)
    assert train.shape == (3, 16, 16, 3) and test.shape == (2, 16, 16, 3)
    assert train.dtype == np.uint8 and np.all(train_labels == 0)
    # No white border rows survive the crop, and order follows file names.
    assert np.abs(train[0].astype(int) - 40).max() <= 4
    assert np.abs(test[-1].astype(int) - 200).max() <= 4
    assert (isolated_cache / "cache" / "celeba-test-16.npz").exists()


def test_cifar10_reads_split_folders_and_class_names(isolated_cache, monkeypatch):
    root = isolated_cache / "shared"
    (root / "cifar10").mkdir(parents=True)
    pixel = lambda v: _jpeg(np.full((32, 32, 3), v, dtype=np.uint8))  # noqa: E731
    _write_tar(root / "cifar10" / "cifar10-jpeg.tar.gz", {
        "train/truck/0000.jpg": pixel(200),
        "train/airplane/0000.jpg": pixel(10),
        "test/cat/0000.jpg": pixel(100),
    })
    monkeypatch.setattr(data, "SHARED_DATASETS", root)
    train, labels = data.load_split("cifar10", "train")
    assert train.shape == (2, 32, 32, 3)
    assert labels.tolist() == [0, 9]
    _, test_labels = data.load_split("cifar10", "test")
    assert test_labels.tolist() == [3]
