"""Dataset loading for training and evaluation.

Raw archives live outside the repository (Debian's Fashion-MNIST package and
`../shared/datasets`). Decoding JPEG archives is slow, so each split is decoded once
into `models/.cache/<name>-<split>[-<size>].npz` (git-ignored) and loaded from there.
"""
from __future__ import annotations

import gzip
import io
import os
import tarfile
from pathlib import Path

import numpy as np
from PIL import Image

MODELS_DIR = Path(__file__).resolve().parents[1]
CACHE_DIR = Path(os.environ.get("SCORE_DATA_CACHE", MODELS_DIR / ".cache"))
FASHION_DIR = Path(os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"))
SHARED_DATASETS = Path(os.environ.get("SHARED_DATASETS", MODELS_DIR.parents[1] / "shared" / "datasets"))

FASHION_LABELS = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]
CIFAR10_LABELS = [
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
]
DATASETS = ("fashion-mnist", "cifar10", "celeba")
SPLITS = ("train", "test")
CELEBA_TEST_COUNT = 1000
# The aligned CelebA crops are 89 wide x 109 tall; rows 10..99 hold a square face.
CELEBA_CROP_ROWS = (10, 99)


def labels_for(name: str) -> list[str]:
    if name == "fashion-mnist":
        return list(FASHION_LABELS)
    if name == "cifar10":
        return list(CIFAR10_LABELS)
    if name == "celeba":
        return []
    raise ValueError(f"unknown dataset {name!r}; expected one of {DATASETS}")


def to_model_range(images_u8: np.ndarray) -> np.ndarray:
    """uint8 [N,H,W,C] -> float32 [N,C,H,W] in [-1, 1] (the manifest's `range`)."""
    if images_u8.dtype != np.uint8 or images_u8.ndim != 4:
        raise ValueError(f"expected uint8 [N,H,W,C], got {images_u8.dtype} {images_u8.shape}")
    x = images_u8.astype(np.float32) / 127.5 - 1.0
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def load_split(name: str, split: str, size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Images uint8 [N,H,W,C] and labels int64 [N] for one split of a dataset.

    `size` only applies to CelebA (square side after crop+resize); Fashion-MNIST is
    28x28x1 and CIFAR-10 32x32x3 at their native sizes.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; expected one of {DATASETS}")
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    suffix = f"-{size}" if name == "celeba" else ""
    cache = CACHE_DIR / f"{name}-{split}{suffix}.npz"
    if cache.exists():
        with np.load(cache) as z:
            return z["images"], z["labels"]
    # One archive holds both splits, so both are decoded and cached in one pass.
    if name == "fashion-mnist":
        splits = {s: _decode_fashion(s) for s in SPLITS}
    elif name == "cifar10":
        splits = _decode_cifar10()
    else:
        splits = _decode_celeba(size)
    for other, (images, labels) in splits.items():
        _write_cache_atomically(CACHE_DIR / f"{name}-{other}{suffix}.npz", images, labels)
    return splits[split]


def _write_cache_atomically(path: Path, images: np.ndarray, labels: np.ndarray) -> None:
    # Several processes (trainer, classifier, tests) may decode the same split at once;
    # a rename makes the cache appear complete or not at all.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
    np.savez(tmp, images=images, labels=labels)
    os.replace(tmp, path)


def _read_idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _decode_fashion(split: str) -> tuple[np.ndarray, np.ndarray]:
    prefix = "train" if split == "train" else "t10k"
    images = _read_idx(FASHION_DIR / f"{prefix}-images-idx3-ubyte.gz")
    labels = _read_idx(FASHION_DIR / f"{prefix}-labels-idx1-ubyte.gz")
    return np.ascontiguousarray(images[..., None]), labels.astype(np.int64)


def _decode_cifar10() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    archive = SHARED_DATASETS / "cifar10" / "cifar10-jpeg.tar.gz"
    index = {label: i for i, label in enumerate(CIFAR10_LABELS)}
    items: dict[str, list[tuple[str, np.ndarray, int]]] = {split: [] for split in SPLITS}
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            parts = member.name.split("/")
            if not member.isfile() or len(parts) != 3 or parts[0] not in items:
                continue
            pixels = _decode_jpeg(tar.extractfile(member).read())
            items[parts[0]].append((member.name, pixels, index[parts[1]]))
    splits = {}
    for split, rows in items.items():
        # Archive order is not guaranteed; sort so each split is reproducible.
        rows.sort(key=lambda item: item[0])
        images = np.stack([pixels for _, pixels, _ in rows])
        labels = np.array([label for _, _, label in rows], dtype=np.int64)
        splits[split] = (images, labels)
    return splits


def _decode_celeba(size: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    archive = SHARED_DATASETS / "celeba-9k" / "celeba-aligned-9000.tar.gz"
    items: list[tuple[str, np.ndarray]] = []
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if not member.isfile() or not member.name.endswith(".jpg"):
                continue
            image = Image.open(io.BytesIO(tar.extractfile(member).read())).convert("RGB")
            top, bottom = CELEBA_CROP_ROWS
            square = image.crop((0, top, image.width, bottom))
            square = square.resize((size, size), Image.LANCZOS)
            items.append((member.name, np.asarray(square, dtype=np.uint8)))
    items.sort(key=lambda item: item[0])
    images = np.stack([pixels for _, pixels in items])
    # Fixed split: the last images (by file name) are held out for evaluation.
    parts = {"train": images[:-CELEBA_TEST_COUNT], "test": images[-CELEBA_TEST_COUNT:]}
    return {split: (np.ascontiguousarray(part), np.zeros(len(part), dtype=np.int64)) for split, part in parts.items()}


def _decode_jpeg(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.uint8)
