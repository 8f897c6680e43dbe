"""Model metrics from sample files, merged into `model.json` `metrics`.

    cd models && /usr/bin/python3 -m training.evaluate --model-dir fashion28-vp \\
        --samples samples.npy [--labels labels.npy] [--baselines]

Features are the penultimate layer of the clean classifier `<model-dir>/eval_classifier.pt`
(written by `training.export_classifier --eval-run`). Samples are float32 [N,C,H,W] in
[-1, 1], as the Node CLI writes them; labels are int64 [N] class indices.

- `fd`: Frechet distance of sample features to test-set features, next to the same
  distance for N real training images (`fd_train_vs_test`), which gives its scale.
- `class_accuracy`: share of class-conditional samples the clean classifier labels as asked.
- `inpaint` / `colorize` (`--baselines`): PSNR of the harmonic fill and of the gray image
  on held-out images with seeded masks; `--write-inpaint-task DIR` writes the same images
  and masks as .npy so that the model's result (`--inpainted`) is scored on identical input.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import torch

from training.classifier_net import ClassifierNet
from training.data import load_split, to_model_range
from training.frechet import feature_stats, frechet_distance
from training.harmonic_fill import harmonic_fill
from training.manifest_update import update_model_json
from training.masks import make_masks
from training.train_classifier import load_classifier

EVAL_CLASSIFIER_FILE = "eval_classifier.pt"
INPAINT_IMAGES = 500
MASK_SEEDS = {"box": 1000, "stroke": 2000}
FD_TRAIN_SEED = 0


def psnr(a: np.ndarray, b: np.ndarray, value_range: float = 2.0) -> float:
    """Peak signal-to-noise ratio in dB over all pixels, for images spanning `value_range`."""
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return float("inf") if mse == 0 else float(10 * np.log10(value_range ** 2 / mse))


def gray_baseline(images: np.ndarray) -> np.ndarray:
    """RGB [N,3,H,W] -> luminance (ITU-R BT.601) replicated to 3 channels: colorization's baseline."""
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"expected RGB images [N,3,H,W], got {images.shape}")
    weights = np.array([0.299, 0.587, 0.114], dtype=images.dtype)
    luma = np.tensordot(weights, images, axes=([0], [1]))
    return np.repeat(luma[:, None], 3, axis=1)


@torch.no_grad()
def classify(net: ClassifierNet, images: np.ndarray, batch: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """Penultimate features [N,D] and predicted classes [N] of images [N,C,H,W] in [-1,1]."""
    feats, preds = [], []
    for i in range(0, len(images), batch):
        x = torch.from_numpy(np.ascontiguousarray(images[i:i + batch], dtype=np.float32))
        f = net.features(x)
        feats.append(f.numpy().astype(np.float64))
        preds.append(net.head(f).argmax(1).numpy())
    return np.concatenate(feats), np.concatenate(preds)


def class_accuracy(predicted: np.ndarray, wanted: np.ndarray) -> float:
    if predicted.shape != wanted.shape:
        raise ValueError(f"{len(wanted)} labels for {len(predicted)} samples")
    return float(np.mean(predicted == wanted))


def sample_metrics(net: ClassifierNet, dataset: str, samples: np.ndarray, labels: np.ndarray | None) -> dict:
    test_x = to_model_range(load_split(dataset, "test")[0])
    train_u8 = load_split(dataset, "train")[0]
    n = len(samples)
    pick = np.random.default_rng(FD_TRAIN_SEED).choice(len(train_u8), size=min(n, len(train_u8)), replace=False)
    test_stats = feature_stats(classify(net, test_x)[0])
    sample_feats, predicted = classify(net, samples)
    train_feats = classify(net, to_model_range(train_u8[np.sort(pick)]))[0]
    out = {"fd": {
        "samples": n,
        "fd_test": frechet_distance(*feature_stats(sample_feats), *test_stats),
        "fd_train_vs_test": frechet_distance(*feature_stats(train_feats), *test_stats),
        "features": f"penultimate layer ({sample_feats.shape[1]}-d) of {EVAL_CLASSIFIER_FILE}",
    }}
    if labels is not None:
        out["class_accuracy"] = {"samples": n, "accuracy": class_accuracy(predicted, labels)}
    return out


def inpaint_task(dataset: str, kind: str, count: int = INPAINT_IMAGES) -> tuple[np.ndarray, np.ndarray]:
    """The first `count` test images [N,C,H,W] and their seeded masks [N,H,W] (True = fill)."""
    images = to_model_range(load_split(dataset, "test")[0][:count])
    return images, make_masks(kind, len(images), images.shape[2], images.shape[3], MASK_SEEDS[kind])


def masked_psnr(result: np.ndarray, truth: np.ndarray, masks: np.ndarray) -> float:
    """PSNR over the filled pixels only: known pixels would only dilute the error."""
    m = np.broadcast_to(masks[:, None], truth.shape)
    return psnr(result[m], truth[m])


def baseline_metrics(dataset: str) -> dict:
    out: dict = {"inpaint": {}}
    for kind in MASK_SEEDS:
        images, masks = inpaint_task(dataset, kind)
        filled = np.stack([harmonic_fill(x, m) for x, m in zip(images, masks)])
        out["inpaint"][kind] = {"images": len(images), "harmonic_psnr": masked_psnr(filled, images, masks)}
    images = to_model_range(load_split(dataset, "test")[0][:INPAINT_IMAGES])
    if images.shape[1] == 3:
        out["colorize"] = {"images": len(images), "gray_psnr": psnr(gray_baseline(images), images)}
    return out


def deep_merge(old: dict, new: dict) -> dict:
    """`new` wins on leaves; whatever `new` does not mention is kept."""
    out = dict(old)
    for key, value in new.items():
        out[key] = deep_merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def json_safe(value):
    """JSON has no inf/NaN (a perfect PSNR is inf): they become null."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def merge_metrics(model_dir: Path, new: dict) -> None:
    def change(manifest: dict) -> None:
        manifest["metrics"] = deep_merge(manifest.get("metrics", {}), new)
    update_model_json(model_dir, change)


def _load_npy(path: str, dtype, ndim: int, what: str) -> np.ndarray:
    a = np.load(path)
    if a.ndim != ndim:
        raise ValueError(f"{path}: expected {what} with {ndim} dimensions, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{path}: contains NaN or infinite values")
    return a.astype(dtype)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model-dir", required=True)
    p.add_argument("--samples", help="float32 [N,C,H,W] in [-1,1]")
    p.add_argument("--labels", help="int64 [N]: the class each sample was asked to be")
    p.add_argument("--baselines", action="store_true", help="harmonic-fill and gray baselines")
    p.add_argument("--write-inpaint-task", metavar="DIR", help="write images_<kind>.npy and masks_<kind>.npy")
    p.add_argument("--inpainted", help="float32 [N,C,H,W]: the model's fill of the --mask-kind task")
    p.add_argument("--mask-kind", choices=sorted(MASK_SEEDS), default="box")
    p.add_argument("--sampler-note", help="how --inpainted was sampled, recorded beside its PSNR")
    p.add_argument("--eval-classifier", help=f"default: <model-dir>/{EVAL_CLASSIFIER_FILE}")
    p.add_argument("--dry-run", action="store_true", help="print the metrics, do not touch model.json")
    args = p.parse_args(argv)
    model_dir = Path(args.model_dir)
    clf_path = Path(args.eval_classifier or model_dir / EVAL_CLASSIFIER_FILE)
    try:
        if args.labels and not args.samples:
            raise ValueError("--labels needs --samples")
        net, ckpt = load_classifier(clf_path) if clf_path.exists() else (None, None)
        if net is None:
            raise ValueError(f"{clf_path} not found: export the clean classifier with "
                             "training.export_classifier --eval-run")
        dataset = ckpt["dataset"]
        torch.set_num_threads(1)
        metrics: dict = {}
        if args.samples:
            samples = _load_npy(args.samples, np.float32, 4, "samples [N,C,H,W]")
            labels = _load_npy(args.labels, np.int64, 1, "labels [N]") if args.labels else None
            metrics.update(sample_metrics(net, dataset, samples, labels))
            metrics["fd"]["eval_classifier_sha256"] = hashlib.sha256(clf_path.read_bytes()).hexdigest()
        if args.baselines:
            metrics.update(baseline_metrics(dataset))
        if args.write_inpaint_task:
            out = Path(args.write_inpaint_task)
            out.mkdir(parents=True, exist_ok=True)
            for kind in MASK_SEEDS:
                images, masks = inpaint_task(dataset, kind)
                np.save(out / f"images_{kind}.npy", images)
                np.save(out / f"masks_{kind}.npy", masks.astype(np.float32)[:, None])
        if args.inpainted:
            result = _load_npy(args.inpainted, np.float32, 4, "inpainted images [N,C,H,W]")
            images, masks = inpaint_task(dataset, args.mask_kind, count=len(result))
            if result.shape != images.shape:
                raise ValueError(f"{args.inpainted}: expected shape {images.shape}, got {result.shape}")
            # Sampling is costly on a CPU, so the model may fill only the first K task images;
            # the baseline is then scored on the same K, or the comparison would not be fair.
            harmonic = np.stack([harmonic_fill(x, m) for x, m in zip(images, masks)])
            metrics.setdefault("inpaint", {})[args.mask_kind] = {
                "model_images": len(images),
                "model_psnr": masked_psnr(result, images, masks),
                "harmonic_psnr_same_images": masked_psnr(harmonic, images, masks),
                **({"model_sampler": args.sampler_note} if args.sampler_note else {}),
            }
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    metrics = json_safe(metrics)
    print(json.dumps(metrics, indent=2, allow_nan=False))
    if metrics and not args.dry_run:
        merge_metrics(model_dir, metrics)
    return 0


if __name__ == "__main__":
    sys.exit(main())
