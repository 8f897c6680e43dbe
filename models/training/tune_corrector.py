"""Chooses, per model and task, how many Langevin corrector steps the editor's Fast preset runs per
predictor step when it inpaints or colorizes, by measurement on tuning images.

The paper's one corrector step is not best for every model: on cifar10-vp a second one lifted
stroke fills from 17.1 to 18.1 dB, on celeba32-vp it lowered them from 19.2 to 18.5. So the count is
a per-model setting, like the Fast sampler, chosen on test images *other* than those the reported
task figures use (test_split's images from TASK_IMAGES on; the figures use its first ones): a
setting picked on the reported images would flatter them.

Each task is run with every tried count on the same images, noise seeds and masks, and a count
replaces the one chosen so far only when it beats it image by image: mean per-image PSNR gain
above zero with a paired t of at least CLEAR_PAIRED_T. The PSNR is the posterior mean's, as the
reported figures' (evaluate.posterior_mean_psnr): more corrector steps can narrow the samples'
spread, which would flatter the mean of a few of them without moving the posterior mean. A larger
count costs a proportional share more time, so a gain within the noise of the tuning images is not
worth it.

Usage (models/evaluate-model.sh runs both):
  python -m training.tune_corrector --model-dir M --write DIR [--count K]   the tuning inputs
  python -m training.tune_corrector --model-dir M --score DIR --tried 1 2   files metrics.tuning and
                                                                        the manifest's fastCorrector
The results it scores are named by result_name(), their variances (the bench's --variance) by
variance_name(); the inputs by the INPUT_* names.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from training.data import to_model_range
from training.evaluate import (CLEAR_PAIRED_T, TASK_IMAGES, Data, gray_of, json_safe, load_variance, model_data,
                               paired_t, posterior_mean_psnr, test_split)
from training.manifest_update import update_model_json
from training.masks import make_masks

TUNE_IMAGES = 20
# Not the reported figures' mask seeds, so the tuning masks are others than theirs too.
TUNE_MASK_SEEDS = {"box": 1001, "stroke": 2001}
TASKS = ("inpaint", "colorize")
INPUT_IMAGES = "tune_images.npy"
INPUT_GRAY = "tune_colorize_gray.npy"


def input_masks(kind: str) -> str:
    return f"tune_masks_{kind}.npy"


def result_name(task: str, kind: str | None, corrector_steps: int) -> str:
    """The file the engine's mean of samples for one task (and mask kind) and count is read from."""
    return f"tune-{task}{f'-{kind}' if kind else ''}-k{corrector_steps}.npy"


def variance_name(task: str, kind: str | None, corrector_steps: int) -> str:
    """The file of the estimated variance of that mean, pixel by pixel."""
    return result_name(task, kind, corrector_steps).replace(".npy", "-variance.npy")


def tuning_images(data: Data, count: int) -> np.ndarray:
    """test_split's images from TASK_IMAGES on, float32 [N,C,H,W] in [-1, 1]."""
    images = test_split(data)[TASK_IMAGES:TASK_IMAGES + count]
    if len(images) < count:
        raise ValueError(f"the {data.name} test split has {TASK_IMAGES + len(images)} images: "
                         f"fewer than {count} left after the {TASK_IMAGES} task images")
    return to_model_range(images)


def tuning_masks(kind: str, count: int, height: int, width: int) -> np.ndarray:
    return make_masks(kind, count, height, width, TUNE_MASK_SEEDS[kind])


def write_inputs(data: Data, out: Path, count: int) -> None:
    """The images (and masks; for RGB models the gray input) the tried counts are run on."""
    out.mkdir(parents=True, exist_ok=True)
    images = tuning_images(data, count)
    np.save(out / INPUT_IMAGES, images)
    for kind in TUNE_MASK_SEEDS:
        masks = tuning_masks(kind, count, images.shape[2], images.shape[3])
        np.save(out / input_masks(kind), masks.astype(np.float32)[:, None])
    if images.shape[1] == 3:
        np.save(out / INPUT_GRAY, gray_of(images))


def choose(per_image: dict[int, np.ndarray]) -> tuple[int, dict]:
    """The count to use from each tried count's per-image PSNR (the same images in each): the
    smallest, replaced by a larger one only on a paired gain with t >= CLEAR_PAIRED_T. Returns it
    with each count's figures against the count chosen before it was considered."""
    counts = sorted(per_image)
    chosen, figures = counts[0], {}
    for k in counts:
        entry = {"mean_image_psnr": float(np.mean(per_image[k]))}
        if k != chosen:
            gain = per_image[k] - per_image[chosen]
            entry.update(vs=chosen, mean_gain=float(np.mean(gain)), paired_t=paired_t(gain))
            if entry["mean_gain"] > 0 and entry["paired_t"] >= CLEAR_PAIRED_T:
                chosen = k
        figures[str(k)] = entry
    return chosen, figures


def score_task(data: Data, work: Path, task: str, tried: list[int]) -> dict | None:
    """metrics.tuning.<task> from the results in `work`, or None for colorize on a gray model."""
    images = np.load(work / INPUT_IMAGES)
    kinds: list[str | None] = list(TUNE_MASK_SEEDS) if task == "inpaint" else [None]
    if task == "colorize" and images.shape[1] != 3:
        return None
    per_image: dict[int, list[np.ndarray]] = {k: [] for k in tried}
    for kind in kinds:
        masks = np.load(work / input_masks(kind))[:, 0] >= 0.5 if kind else None
        for k in tried:
            path = work / result_name(task, kind, k)
            result = np.load(path)
            if result.shape[1:] != images.shape[1:] or len(result) > len(images):
                raise ValueError(f"{path}: expected at most {len(images)} images of shape {images.shape[1:]}, "
                                 f"got {result.shape}")
            n = len(result)
            variance = load_variance(work / variance_name(task, kind, k), result)
            per_image[k].append(posterior_mean_psnr(result, variance, images[:n],
                                                    masks[:n] if masks is not None else None)[1])
    joined = {k: np.concatenate(v) for k, v in per_image.items()}
    sizes = {len(v) for v in joined.values()}
    if len(sizes) != 1:
        raise ValueError(f"{task}: the tried counts were run on different numbers of images")
    chosen, figures = choose(joined)
    masked = {"mask_kinds": kinds} if task == "inpaint" else {}
    return {"images": sizes.pop(), "first_test_image": TASK_IMAGES, **masked, "scored": "posterior mean",
            "corrector_steps": figures, "chosen": chosen}


def recommend(tuning: dict) -> dict:
    """The manifest's `fastCorrector` from metrics.tuning: the tasks whose chosen count is not the
    paper's one, each with the figures that decided."""
    out = {}
    for task, entry in tuning.items():
        k = entry.get("chosen", 1)
        if k == 1:
            continue
        fig = entry["corrector_steps"][str(k)]
        sampler = f" ({entry['sampler']})" if "sampler" in entry else ""
        out[task] = {"steps": k, "why": (
            f"{entry['images']} tuning images{sampler}: posterior mean {fig['mean_image_psnr']:.2f} dB with {k} "
            f"corrector steps, {entry['corrector_steps'][str(fig['vs'])]['mean_image_psnr']:.2f} with "
            f"{fig['vs']} (paired t {fig['paired_t']:.1f})")}
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model-dir", required=True)
    p.add_argument("--write", metavar="DIR", help="write the tuning inputs into DIR")
    p.add_argument("--count", type=int, default=TUNE_IMAGES, help=f"tuning images (default {TUNE_IMAGES})")
    p.add_argument("--score", metavar="DIR", help="score the results in DIR and file metrics.tuning")
    p.add_argument("--tried", type=int, nargs="+", default=[1, 2], help="the corrector step counts run")
    p.add_argument("--sampler-note", help="how the results were made, recorded beside them")
    p.add_argument("--dry-run", action="store_true", help="print the metrics, do not touch model.json")
    args = p.parse_args(argv)
    if bool(args.write) == bool(args.score):
        p.error("give one of --write or --score")
    model_dir = Path(args.model_dir)
    try:
        data = model_data(model_dir)
        if args.write:
            write_inputs(data, Path(args.write), args.count)
            return 0
        tuning = {}
        for task in TASKS:
            entry = score_task(data, Path(args.score), task, sorted(set(args.tried)))
            if entry:
                tuning[task] = {**entry, **({"sampler": args.sampler_note} if args.sampler_note else {})}
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    # Before JSON's nulls replace an infinite t (every image gained the same), which the reason quotes.
    fast = recommend(tuning)
    tuning = json_safe(tuning)
    print(json.dumps({"tuning": tuning, "fastCorrector": fast or None}, indent=2, allow_nan=False))
    if not args.dry_run:
        update_model_json(model_dir, lambda manifest: file_choice(manifest, tuning, fast))
    return 0


def file_choice(manifest: dict, tuning: dict, fast: dict) -> None:
    # metrics.tuning is replaced whole: figures of counts not tried this time describe no choice.
    manifest.setdefault("metrics", {})["tuning"] = tuning
    manifest.pop("fastCorrector", None)
    if fast:
        manifest["fastCorrector"] = fast


if __name__ == "__main__":
    sys.exit(main())
