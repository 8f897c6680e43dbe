"""Model metrics from the engine's outputs, merged into `model.json` `metrics`.

    PYTHONPATH=models /usr/bin/python3 -m training.evaluate --model-dir models/fashion28-vp \\
        --samples samples.npy [--sample-report report.json] [--baselines]

`models/evaluate-model.sh` drives it: it writes the task inputs (`--write-tasks`), runs the Node
CLI and benches on them, and hands their outputs back here to be scored.

The data set is the model's own: `training.config` of its model.json names the training config,
whose dataset and size give the test images. Features are the penultimate layer of the clean
classifier `<model-dir>/eval_classifier.pt` (written by `training.export_classifier --eval-run`),
which may have been trained on another data set: CelebA has no labels, so its features come from
the CIFAR-10 classifier, as Inception features serve every data set; the `fd` entry names both.
Samples are float32 [N,C,H,W] in [-1, 1], as the Node CLI writes them.

Where a sample file's figures are filed:
- `fd` (unconditional samples): Frechet distance of sample features to test-set features, next
  to the same distance for N real training images (`fd_train_vs_test`), which gives its scale;
- `class_conditional.guidance_<G>` (`--labels` or `--class-samples`, with `--guidance`): the
  same FD and the share of samples the clean classifier labels as asked;
- `samplers.<NAME>` (`--sampler-name`, with `--sample-report`): the FD of one sampler with its
  NFE, seconds and the settings the CLI resolved (`steps`, or the ODE's `rtol` and `atol`);
  class-conditional samples go under `samplers.<NAME>.class_conditional`, with their accuracy.
Tasks on held-out images, scored against simple baselines on the same images:
- `inpaint.<kind>`: PSNR over the filled pixels of the harmonic fill (`--baselines`) and of the
  model's mean of samples (`--inpainted`, box or stroke masks), with the model's mean per-image
  gain over harmonic fill and its paired t (`vs_harmonic`); `posterior_mean` has the same figures
  for the posterior mean that the mean of samples estimates, from the bench's `--variance` of it
  (posterior_mean_psnr), and they decide whether the model is offered for the task (weak_tasks);
- `colorize` (RGB models): PSNR of the gray input replicated to 3 channels (`--baselines`) and of
  the model's mean of colorizations (`--colorized`), with `vs_gray` and `posterior_mean` as above;
- `bits_per_dim` (`--likelihood-report`) and `encode_decode` (`--decoded`) of the first test
  images, from the CLI's `likelihood`, `encode` and `decode` reports.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

from training.classifier_net import ClassifierNet
from training.configs import get_config
from training.data import load_split, to_model_range
from training.frechet import feature_stats, frechet_distance
from training.harmonic_fill import harmonic_fill
from training.manifest_update import update_model_json
from training.masks import make_masks
from training.train_classifier import load_classifier

EVAL_CLASSIFIER_FILE = "eval_classifier.pt"
TASK_IMAGES = 500
ODE_IMAGES = 32
MASK_SEEDS = {"box": 1000, "stroke": 2000}
FD_TRAIN_SEED = 0
DEQUANTIZE_SEED = 0
TEST_ORDER_SEED = 0


class Data(NamedTuple):
    """A training.data data set at the model's size (the size only matters for CelebA)."""
    name: str
    size: int


def model_data(model_dir: Path) -> Data:
    """The data set the model was trained on, from its manifest's `training.config`."""
    path = model_dir / "model.json"
    config = json.loads(path.read_text()).get("training", {}).get("config")
    if not config:
        raise ValueError(f"{path}: no training.config, so the model's data set is unknown")
    try:
        cfg = get_config(config)
    except KeyError as err:
        raise ValueError(f"{path}: {err.args[0]}") from None
    return Data(cfg.dataset, cfg.size)


def split_images(data: Data, split: str) -> np.ndarray:
    return load_split(data.name, split, size=data.size)[0]


def test_split(data: Data) -> np.ndarray:
    """The test split's uint8 images in one fixed, seeded random order. The task and ODE figures use
    its first K images, and the CIFAR-10 archive lists its test split class by class: in file order
    those K would all be airplanes."""
    images = split_images(data, "test")
    return images[np.random.default_rng(TEST_ORDER_SEED).permutation(len(images))]


def test_images(data: Data, count: int | None = None) -> np.ndarray:
    """The first `count` test images of test_split, float32 [N,C,H,W] in [-1, 1]."""
    return to_model_range(test_split(data)[:count])


def psnr(a: np.ndarray, b: np.ndarray, value_range: float = 2.0) -> float:
    """Peak signal-to-noise ratio in dB over all pixels, for images spanning `value_range`."""
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return float("inf") if mse == 0 else float(10 * np.log10(value_range ** 2 / mse))


def gray_of(images: np.ndarray) -> np.ndarray:
    """RGB [N,3,H,W] -> [N,1,H,W], the mean of R, G and B: the colorization input.

    It is the value every channel would have in a gray image, which is what the engine's colorize
    takes (its decoupled colour space has channel 0 = sqrt(3) gray), so the model and the gray
    baseline see the same input.
    """
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"expected RGB images [N,3,H,W], got {images.shape}")
    return images.mean(axis=1, keepdims=True, dtype=np.float64).astype(images.dtype)


def gray_baseline(images: np.ndarray) -> np.ndarray:
    """RGB [N,3,H,W] -> the colorization input replicated to 3 channels: colorization's baseline."""
    return np.repeat(gray_of(images), 3, axis=1)


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


def sample_metrics(net: ClassifierNet, data: Data, samples: np.ndarray, labels: np.ndarray | None) -> dict:
    """FD of the samples to the test set, beside the FD of as many real training images (FD is
    biased upwards at small N, so only the pair says how far the samples are); with labels, the
    share of samples classified as asked."""
    test_x = test_images(data)
    train_u8 = split_images(data, "train")
    n = len(samples)
    if test_x.shape[1:] != samples.shape[1:]:
        raise ValueError(f"samples of shape {samples.shape[1:]}, the {data.name} test images are {test_x.shape[1:]}")
    pick = np.random.default_rng(FD_TRAIN_SEED).choice(len(train_u8), size=min(n, len(train_u8)), replace=False)
    test_stats = feature_stats(classify(net, test_x)[0])
    sample_feats, predicted = classify(net, samples)
    train_feats = classify(net, to_model_range(train_u8[np.sort(pick)]))[0]
    out = {
        "samples": n,
        "fd_test": frechet_distance(*feature_stats(sample_feats), *test_stats),
        "fd_train_vs_test": frechet_distance(*feature_stats(train_feats), *test_stats),
    }
    if labels is not None:
        out["accuracy"] = class_accuracy(predicted, labels)
    return out


def inpaint_task(data: Data, kind: str, count: int = TASK_IMAGES) -> tuple[np.ndarray, np.ndarray]:
    """The first `count` test images [N,C,H,W] and their seeded masks [N,H,W] (True = fill)."""
    images = test_images(data, count)
    return images, make_masks(kind, len(images), images.shape[2], images.shape[3], MASK_SEEDS[kind])


def filled(values: np.ndarray, masks: np.ndarray | None) -> np.ndarray:
    """The values [N,C,H,W] at the filled pixels of masks [N,H,W] (all of them without masks)."""
    return values if masks is None else values[np.broadcast_to(masks[:, None], values.shape)]


def masked_psnr(result: np.ndarray, truth: np.ndarray, masks: np.ndarray | None) -> float:
    """PSNR over the filled pixels only (all pixels without masks): known pixels would only dilute
    the error."""
    return psnr(filled(result, masks), filled(truth, masks))


# Per-image errors below the noise of 8-bit quantization (a level of 2/255 in [-1, 1]) are all as
# good as exact: a fill of a flat black background can be exact, and inf - inf has no mean.
QUANTIZATION_MSE = (2 / 255) ** 2 / 12


def per_image_mean(values: np.ndarray, masks: np.ndarray | None) -> np.ndarray:
    """The mean of each image of `values` [N,C,H,W], over its filled pixels where there are masks."""
    values = np.asarray(values, np.float64)
    return np.array([np.mean(filled(values[i:i + 1], None if masks is None else masks[i:i + 1]))
                     for i in range(len(values))])


def mse_psnr(mse: np.ndarray) -> np.ndarray:
    """PSNR (value range 2) of squared errors, floored at QUANTIZATION_MSE; the floor also takes in a
    posterior-mean estimate below zero, which the noise of a few samples can make."""
    return 10 * np.log10(4 / np.maximum(np.asarray(mse, np.float64), QUANTIZATION_MSE))


def per_image_psnr(result: np.ndarray, truth: np.ndarray, masks: np.ndarray | None) -> np.ndarray:
    """PSNR of each image (value range 2), over its filled pixels where there are masks, its error
    floored at QUANTIZATION_MSE."""
    return mse_psnr(per_image_mean((np.asarray(result, np.float64) - truth) ** 2, masks))


def posterior_mean_psnr(result: np.ndarray, variance: np.ndarray, truth: np.ndarray,
                        masks: np.ndarray | None) -> tuple[float, np.ndarray]:
    """Pooled and per-image PSNR of the posterior mean E[x | known part], estimated from the mean of
    n samples and the unbiased estimate of that mean's variance (the bench's `--variance`).

    The mean of n samples errs by ||mu - x||^2 + tr(Sigma) / n on average: even a perfect sampler's
    mean of 8 loses about half a dB to the posterior mean it estimates, and loses it most where the
    posterior is wide. Subtracting the variance term removes that share of the error without bias,
    so the figure is the model's and not the sample count's.
    """
    err = (np.asarray(result, np.float64) - truth) ** 2 - variance
    return float(mse_psnr(np.mean(filled(err, masks)))), mse_psnr(per_image_mean(err, masks))


def paired_t(gain: np.ndarray) -> float:
    """t statistic of the mean of per-image gains (+-inf when every image gained the same, 0 when
    none gained anything)."""
    mean = float(np.mean(gain))
    sd = float(np.std(gain, ddof=1)) if len(gain) > 1 else 0.0
    if sd > 0:
        return mean / (sd / np.sqrt(len(gain)))
    return 0.0 if mean == 0 else float(np.copysign(np.inf, mean))


# A per-image gain counts as clear of the noise of the images measured from this paired t on (about
# 95% one-sided at the few dozen images the task figures use).
CLEAR_PAIRED_T = 2.0


def paired_gain(model: np.ndarray, baseline: np.ndarray) -> dict:
    """How the model beats the baseline image by image, from both per-image PSNRs: the mean gain
    and its paired t. With a few dozen images a pooled PSNR difference of a tenth of a dB may be
    noise; the t says whether it is."""
    gain = model - baseline
    return {"mean_gain_db": float(np.mean(gain)), "paired_t": paired_t(gain)}


def dequantized(images_u8: np.ndarray) -> np.ndarray:
    """Uniform dequantization as in score_sde: level k becomes (k + U[0,1)) / 256, then [-1, 1]."""
    u = (images_u8.astype(np.float64) + np.random.default_rng(DEQUANTIZE_SEED).random(images_u8.shape)) / 256
    return (2 * u - 1).transpose(0, 3, 1, 2).astype(np.float32)


def write_tasks(data: Data, out: Path, ode_images: int) -> None:
    """The inputs the engine is run on, so that its results are scored on identical input:
    images_<kind>.npy and masks_<kind>.npy (inpainting), colorize_gray.npy (RGB only: the gray
    input [N,1,H,W]), test.npy and test_dequantized.npy (the first `ode_images` test images, for
    encode-decode and bits/dim)."""
    out.mkdir(parents=True, exist_ok=True)
    for kind in MASK_SEEDS:
        images, masks = inpaint_task(data, kind)
        np.save(out / f"images_{kind}.npy", images)
        np.save(out / f"masks_{kind}.npy", masks.astype(np.float32)[:, None])
    images = test_images(data, TASK_IMAGES)
    if images.shape[1] == 3:
        np.save(out / "colorize_gray.npy", gray_of(images))
    u8 = test_split(data)[:ode_images]
    np.save(out / "test.npy", to_model_range(u8))
    np.save(out / "test_dequantized.npy", dequantized(u8))


def baseline_metrics(data: Data) -> dict:
    out: dict = {"inpaint": {}}
    for kind in MASK_SEEDS:
        images, masks = inpaint_task(data, kind)
        filled = np.stack([harmonic_fill(x, m) for x, m in zip(images, masks)])
        out["inpaint"][kind] = {"images": len(images), "harmonic_psnr": masked_psnr(filled, images, masks)}
    images = test_images(data, TASK_IMAGES)
    if images.shape[1] == 3:
        out["colorize"] = {"images": len(images), "gray_psnr": psnr(gray_baseline(images), images)}
    return out


def task_result(path: str, truth_shape: tuple, what: str) -> np.ndarray:
    """The model's result on the first K task images, K <= the task's size."""
    result = _load_npy(path, np.float32, 4, f"{what} images [N,C,H,W]")
    if result.shape[1:] != truth_shape[1:] or not 0 < len(result) <= truth_shape[0]:
        raise ValueError(f"{path}: expected at most {truth_shape[0]} images of shape {truth_shape[1:]}, "
                         f"got {result.shape}")
    return result


POSTERIOR_MEAN_ESTIMATE = ("squared error of the mean of samples minus that mean's unbiased variance "
                           "(the samples' variance / n)")


def task_figures(result: np.ndarray, variance: np.ndarray, baseline: np.ndarray, truth: np.ndarray,
                 masks: np.ndarray | None, name: str) -> dict:
    """The model's result against the baseline on the same images: pooled PSNRs and the per-image
    comparison `vs_<name>`, of the mean of samples and of the posterior mean it estimates."""
    base = per_image_psnr(baseline, truth, masks)
    out = {"model_images": len(truth), "model_psnr": masked_psnr(result, truth, masks),
           f"{name}_psnr_same_images": masked_psnr(baseline, truth, masks),
           f"vs_{name}": paired_gain(per_image_psnr(result, truth, masks), base)}
    post, per_image = posterior_mean_psnr(result, variance, truth, masks)
    out["posterior_mean"] = {"psnr": post, f"vs_{name}": paired_gain(per_image, base),
                             "estimate": POSTERIOR_MEAN_ESTIMATE}
    return out


def inpainted_metrics(data: Data, path: str, kind: str, variance_path: str) -> dict:
    images, masks = inpaint_task(data, kind)
    result = task_result(path, images.shape, "inpainted")
    # Sampling is costly on a CPU, so the model may fill only the first K task images;
    # the baseline is then scored on the same K, or the comparison would not be fair.
    images, masks = images[:len(result)], masks[:len(result)]
    harmonic = np.stack([harmonic_fill(x, m) for x, m in zip(images, masks)])
    return task_figures(result, load_variance(variance_path, result), harmonic, images, masks, "harmonic")


def colorized_metrics(data: Data, path: str, variance_path: str) -> dict:
    images = test_images(data, TASK_IMAGES)
    if images.shape[1] != 3:
        raise ValueError(f"--colorized: the {data.name} images have {images.shape[1]} channel(s), not RGB")
    result = task_result(path, images.shape, "colorized")
    images = images[:len(result)]
    return task_figures(result, load_variance(variance_path, result), gray_baseline(images), images, None, "gray")


def load_variance(path: str | Path, result: np.ndarray) -> np.ndarray:
    """The bench's `--variance` file of a result: the estimated variance of each of its pixels."""
    variance = _load_npy(str(path), np.float64, 4, "the variance of the mean [N,C,H,W]")
    if variance.shape != result.shape:
        raise ValueError(f"{path}: expected the result's shape {result.shape}, got {variance.shape}")
    if (variance < 0).any():
        raise ValueError(f"{path}: a variance below zero")
    return variance


def likelihood_metrics(report: dict) -> dict:
    return {"images": len(report["bpdPerImage"]), "bpd": report["bpd"], "divergence": report["divergence"],
            "dequantized": "uniform, score_sde", "rtol": report["rtol"], "atol": report["atol"],
            "nfe": report["nfe"], "seconds": report["seconds"]}


def encode_decode_metrics(data: Data, path: str, encode: dict, decode: dict) -> dict:
    decoded = _load_npy(path, np.float64, 4, "decoded images [N,C,H,W]")
    truth = test_images(data, len(decoded))
    if decoded.shape != truth.shape:
        raise ValueError(f"{path}: expected the first test images, shape {truth.shape}, got {decoded.shape}")
    err = np.abs(decoded - truth)
    return {"images": len(decoded), "max_abs_error": float(err.max()), "mean_abs_error": float(err.mean()),
            "rtol": encode["rtol"], "atol": encode["atol"], "nfe_encode": encode["nfe"],
            "nfe_decode": decode["nfe"], "seconds_encode": encode["seconds"], "seconds_decode": decode["seconds"]}


def read_report(path: str, *fields: str) -> dict:
    """The last JSON line a CLI command or bench printed (`--json`), with the fields needed."""
    lines = [line for line in Path(path).read_text().splitlines() if line.strip()]
    try:
        report = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not a JSON report ({err})") from None
    missing = [f for f in fields if not isinstance(report, dict) or f not in report]
    if missing:
        raise ValueError(f"{path}: the report has no {', '.join(missing)}")
    return report


def read_reports(paths: list[str], *fields: str) -> dict:
    """One report for the runs of several files (one CLI run per class): their seconds add up;
    everything else (the NFE of one batch, the settings) must be the same in each."""
    reports = [read_report(path, *fields) for path in paths]
    for path, report in zip(paths[1:], reports[1:]):
        differs = [f for f in fields if f != "seconds" and report[f] != reports[0][f]]
        if differs:
            raise ValueError(f"{path}: {', '.join(differs)} differ from {paths[0]}'s: not runs of one setting")
    return {**reports[0], "seconds": sum(r["seconds"] for r in reports)}


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


# PC replaces DPM-Solver++ as the Fast sampler only when its FD is below this share of the
# solver's: with the few samples of the sampler table, FD alone moves by up to ~2x between two
# good samplers (fashion28-vp: dpm++3m 1.50, pc 2.65), so only a wider gap decides.
FAST_PC_FD_RATIO = 0.5
# ... or, for a model with a classifier, when PC's class accuracy at the recommended guidance is
# higher by this much (and its FD no worse). With 300 samples an accuracy near 50% has a standard
# error of ~3 points, ~4 for a difference, so 10 points is a difference sampling noise rarely makes.
FAST_PC_ACCURACY_GAIN = 0.10


def recommend_fast_sampler(samplers: dict) -> dict | None:
    """The manifest's `fastSampler` from the sampler table, or None to keep DPM-Solver++.

    An under-trained model can have a worse probability-flow ODE than reverse SDE; then the
    stochastic PC sampler, at the step count the table measured, is the better Fast preset: for
    its samples' FD, or for how often class-conditional samples are of the class asked.
    """
    fast, pc = samplers.get("dpm++3m", {}), samplers.get("pc", {})
    if "fd_test" not in fast or "fd_test" not in pc or "steps" not in pc:
        return None
    fds = (f"FD of {pc['samples']} samples: pc at {int(pc['steps'])} steps {pc['fd_test']:.2f}, "
           f"dpm++3m at {fast.get('steps', 20)} steps {fast['fd_test']:.2f}")
    choice = {"sampler": "pc", "steps": int(pc["steps"])}
    if pc["fd_test"] < FAST_PC_FD_RATIO * fast["fd_test"]:
        return {**choice, "why": fds}
    fast_cc, pc_cc = fast.get("class_conditional", {}), pc.get("class_conditional", {})
    if ("accuracy" in fast_cc and "accuracy" in pc_cc and fast_cc["guidance"] == pc_cc["guidance"]
            and pc_cc["accuracy"] - fast_cc["accuracy"] >= FAST_PC_ACCURACY_GAIN
            and pc["fd_test"] <= fast["fd_test"]):
        return {**choice, "why": f"class accuracy of {pc_cc['samples']} samples at guidance "
                                 f"{pc_cc['guidance']:g}: pc {pc_cc['accuracy']:.0%}, dpm++3m "
                                 f"{fast_cc['accuracy']:.0%}; {fds}"}
    return None


def weak_tasks(metrics: dict) -> dict:
    """Tasks whose measured result does not beat its simple baseline, with the figures: the
    editor then does not offer the model for them (manifest `notRecommendedFor`). Beating it takes
    a higher PSNR over the images and, where the per-image comparison was filed, a gain image by
    image that is clear of their noise (paired t >= CLEAR_PAIRED_T): a few dozen images move a
    pooled PSNR by tenths of a dB. Where the entry has the posterior mean's figures, they decide:
    they are the model's conditional mean, not the noise of the few samples averaged to find it."""
    weak = {}
    fills = [_short_of(entry, "harmonic", f"{kind} fills", "harmonic fill")
             for kind, entry in metrics.get("inpaint", {}).items()]
    if any(fills):
        weak["inpaint"] = "; ".join(f for f in fills if f)
    short = _short_of(metrics.get("colorize", {}), "gray", "colorizations", "the gray input")
    if short:
        weak["colorize"] = short
    return weak


def _short_of(entry: dict, name: str, what: str, baseline: str) -> str | None:
    """Why a task entry does not beat its baseline (`<name>_psnr_same_images`, `vs_<name>`), or
    None when it does (or was not measured)."""
    if "model_psnr" not in entry:
        return None
    base_psnr = entry[f"{name}_psnr_same_images"]
    if "posterior_mean" in entry:
        figures = entry["posterior_mean"]
        model_psnr, paired = figures["psnr"], figures[f"vs_{name}"]
        subject = f"the posterior mean of the {what} scores"
    else:
        model_psnr, paired = entry["model_psnr"], entry.get(f"vs_{name}")
        subject = f"{what} score"
    model, base = _apart(model_psnr, base_psnr)
    scores = f"{subject} {model} dB, {baseline} {base} dB"
    if model_psnr <= base_psnr:
        return scores
    if not paired:
        return None
    t = paired["paired_t"]
    if t is None:  # JSON's null for an infinite t (every image gained the same): the gain's sign
        t = np.copysign(np.inf, paired["mean_gain_db"])
    if t < CLEAR_PAIRED_T:
        return (f"{scores}, a per-image gain of {paired['mean_gain_db']:.2f} dB within the noise of "
                f"{entry['model_images']} images (paired t {t:.1f})")
    return None


def _apart(a: float, b: float) -> tuple[str, str]:
    """a and b to one decimal, or to two where one would print them equal."""
    one = (f"{a:.1f}", f"{b:.1f}")
    return one if one[0] != one[1] else (f"{a:.2f}", f"{b:.2f}")


def set_recommendations(model_dir: Path) -> dict:
    """Writes (or removes) the manifest's `fastSampler` and `notRecommendedFor` from its metrics."""
    out: dict = {}

    def change(manifest: dict) -> None:
        metrics = manifest.get("metrics", {})
        choice = recommend_fast_sampler(metrics.get("samplers", {}))
        weak = weak_tasks(metrics)
        for key, value in (("fastSampler", choice), ("notRecommendedFor", weak)):
            manifest.pop(key, None)
            if value:
                manifest[key] = value
            out[key] = value or None
    update_model_json(model_dir, change)
    return out


def _load_npy(path: str, dtype, ndim: int, what: str) -> np.ndarray:
    a = np.load(path)
    if a.ndim != ndim:
        raise ValueError(f"{path}: expected {what} with {ndim} dimensions, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{path}: contains NaN or infinite values")
    return a.astype(dtype)


def ode_error(samples: np.ndarray, reference: np.ndarray) -> float:
    """Mean absolute pixel difference from the adaptive RK45 solution of the same prior noise.

    With few samples the FD of two good samplers differs by less than its own noise; the distance
    to the accurate solution of the same probability-flow ODE, image by image, does not.
    """
    if samples.shape != reference.shape:
        raise ValueError(f"--ode-reference: expected shape {samples.shape}, got {reference.shape}")
    return float(np.mean(np.abs(samples.astype(np.float64) - reference)))


def _samples_and_labels(args) -> tuple[np.ndarray, np.ndarray | None]:
    if args.class_samples:
        parts = [_load_npy(p, np.float32, 4, "samples [N,C,H,W]") for p in args.class_samples]
        labels = np.concatenate([np.full(len(p), k, dtype=np.int64) for k, p in enumerate(parts)])
        return np.concatenate(parts), labels
    samples = _load_npy(args.samples, np.float32, 4, "samples [N,C,H,W]")
    return samples, _load_npy(args.labels, np.int64, 1, "labels [N]") if args.labels else None


def _file_samples(args, data: Data, net: ClassifierNet, ckpt: dict, clf_path: Path) -> dict:
    """Scores the samples and files the figures where the flags say (see the module doc)."""
    samples, labels = _samples_and_labels(args)
    entry = sample_metrics(net, data, samples, labels)
    if args.sample_report:
        report = read_reports(args.sample_report, "nfe", "seconds", *(["settings"] if args.sampler_name else []))
        entry.update(nfe=report["nfe"], seconds=report["seconds"])
        if args.sampler_name:
            entry.update(report["settings"])
    if args.sampler_note:
        entry["sampler"] = args.sampler_note
    if labels is not None:
        entry["guidance"] = args.guidance
        if args.sampler_name:
            return {"samplers": {args.sampler_name: {"class_conditional": entry}}}
        return {"class_conditional": {f"guidance_{args.guidance:g}": entry}}
    if args.sampler_name:
        if args.ode_reference:
            entry["mean_abs_diff_vs_ode"] = ode_error(samples, _load_npy(args.ode_reference, np.float32, 4, "samples"))
        return {"samplers": {args.sampler_name: entry}}
    return {"fd": {
        **entry,
        "dataset": data.name,
        "features": f"penultimate layer ({net.head.in_features}-d) of "
                    f"{EVAL_CLASSIFIER_FILE}, a clean classifier trained on {ckpt['dataset']}",
        "features_dataset": ckpt["dataset"],
        "eval_classifier_sha256": hashlib.sha256(clf_path.read_bytes()).hexdigest(),
    }}


def _check_flags(p: argparse.ArgumentParser, args) -> None:
    """Flags that only mean something together; argparse alone cannot say so."""
    sampled = bool(args.samples or args.class_samples)
    conditional = bool(args.labels or args.class_samples)
    results = sum(bool(given) for given in (sampled, args.inpainted, args.colorized))
    if args.samples and args.class_samples:
        p.error("give --samples or --class-samples, not both")
    if args.labels and not args.samples:
        p.error("--labels needs --samples")
    if conditional != (args.guidance is not None):
        p.error("--guidance goes with class-conditional samples (--labels or --class-samples), and they with it")
    if args.sampler_name and not (sampled and args.sample_report):
        p.error("--sampler-name files samples (--samples or --class-samples) with the --sample-report "
                "of the run that made them")
    if args.ode_reference and (conditional or not args.sampler_name):
        p.error("--ode-reference needs --sampler-name and unconditional --samples")
    if (args.sample_report or args.sampler_note) and results != 1:
        p.error("--sample-report and --sampler-note describe one result: give one of --samples, "
                "--class-samples, --inpainted or --colorized")
    if bool(args.variance) != bool(args.inpainted or args.colorized):
        # Always both: a result filed without it would leave an older posterior mean beside it.
        p.error("--inpainted and --colorized go with --variance, the bench's variance of that result")
    if bool(args.decoded) != bool(args.encode_report and args.decode_report):
        p.error("--decoded, --encode-report and --decode-report go together")
    if args.ode_images is not None and not args.write_tasks:
        p.error("--ode-images needs --write-tasks")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model-dir", required=True)
    p.add_argument("--samples", help="float32 [N,C,H,W] in [-1,1]")
    p.add_argument("--labels", help="int64 [N]: the class each sample was asked to be")
    p.add_argument("--class-samples", nargs="+", metavar="FILE",
                   help="instead of --samples and --labels: file k holds samples asked to be of class k")
    p.add_argument("--guidance", type=float, help="classifier guidance of the class-conditional samples")
    p.add_argument("--sampler-name",
                   help="file the figures under metrics.samplers.NAME instead of metrics.fd or class_conditional")
    p.add_argument("--ode-reference", metavar="FILE",
                   help="with --sampler-name: the RK45 samples of the same seed; records mean_abs_diff_vs_ode")
    p.add_argument("--sample-report", metavar="FILE", nargs="+",
                   help="the JSON line of the run that made the samples or the task result: nfe, seconds "
                        "(and settings, with --sampler-name); one per file of --class-samples")
    p.add_argument("--sampler-note", help="how the samples or task results were made, recorded beside them")
    p.add_argument("--baselines", action="store_true", help="harmonic-fill and gray baselines")
    p.add_argument("--write-tasks", metavar="DIR", help="write the task inputs (see write_tasks)")
    p.add_argument("--ode-images", type=int, help=f"test images written for encode/likelihood (default {ODE_IMAGES})")
    p.add_argument("--inpainted", help="float32 [K,C,H,W]: the model's fill of the first K --mask-kind task images")
    p.add_argument("--mask-kind", choices=sorted(MASK_SEEDS), default="box")
    p.add_argument("--colorized", help="float32 [K,3,H,W]: the model's colorization of the first K task images")
    p.add_argument("--variance", help="with --inpainted or --colorized: the bench's --variance file of that "
                                      "result, for the posterior mean's figures (which decide --recommend)")
    p.add_argument("--likelihood-report", metavar="FILE", help="the CLI's `likelihood --json` line")
    p.add_argument("--decoded", help="float32 [K,C,H,W]: the first K test images encoded and decoded")
    p.add_argument("--encode-report", metavar="FILE", help="the CLI's `encode --json` line (with --decoded)")
    p.add_argument("--decode-report", metavar="FILE", help="the CLI's `decode --json` line (with --decoded)")
    p.add_argument("--eval-classifier", help=f"default: <model-dir>/{EVAL_CLASSIFIER_FILE}")
    p.add_argument("--recommend", action="store_true",
                   help="set (or clear) the manifest's fastSampler and notRecommendedFor from its metrics")
    p.add_argument("--dry-run", action="store_true", help="print the metrics, do not touch model.json")
    args = p.parse_args(argv)
    if args.recommend:
        print(json.dumps(set_recommendations(Path(args.model_dir))))
        return 0
    _check_flags(p, args)
    model_dir = Path(args.model_dir)
    clf_path = Path(args.eval_classifier or model_dir / EVAL_CLASSIFIER_FILE)
    try:
        data = model_data(model_dir)
        metrics: dict = {}
        if args.samples or args.class_samples:
            if not clf_path.exists():
                raise ValueError(f"{clf_path} not found: export the clean classifier with "
                                 "training.export_classifier --eval-run")
            net, ckpt = load_classifier(clf_path)
            torch.set_num_threads(1)
            metrics = deep_merge(metrics, _file_samples(args, data, net, ckpt, clf_path))
        if args.baselines:
            metrics = deep_merge(metrics, baseline_metrics(data))
        if args.write_tasks:
            write_tasks(data, Path(args.write_tasks), args.ode_images or ODE_IMAGES)
        note = {"model_sampler": args.sampler_note} if args.sampler_note else {}
        cost = {}
        if args.sample_report and not (args.samples or args.class_samples):
            report = read_reports(args.sample_report, "nfe", "seconds")
            cost = {"model_nfe_per_image": report["nfe"], "model_seconds": report["seconds"],
                    # The PC corrector's snr, which the engine sets for inpainting by the steps.
                    **({"model_snr": report["snr"]} if "snr" in report else {})}
        if args.inpainted:
            entry = {**inpainted_metrics(data, args.inpainted, args.mask_kind, args.variance), **note, **cost}
            metrics = deep_merge(metrics, {"inpaint": {args.mask_kind: entry}})
        if args.colorized:
            entry = {**colorized_metrics(data, args.colorized, args.variance), **note, **cost}
            metrics = deep_merge(metrics, {"colorize": entry})
        if args.likelihood_report:
            metrics["bits_per_dim"] = likelihood_metrics(read_report(
                args.likelihood_report, "bpd", "bpdPerImage", "divergence", "rtol", "atol", "nfe", "seconds"))
        if args.decoded:
            metrics["encode_decode"] = encode_decode_metrics(
                data, args.decoded, read_report(args.encode_report, "rtol", "atol", "nfe", "seconds"),
                read_report(args.decode_report, "nfe", "seconds"))
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
