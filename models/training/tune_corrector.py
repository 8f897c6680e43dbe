"""Chooses, per model and task, the corrections the editor's Fast preset (PC, 100 steps) inpaints and
colorizes with, by measurement on tuning images: how many Langevin corrector steps follow each
predictor step, and how many conjugate-gradient steps of the posterior correction of the score
(main/engine/samplers/observed-score.ts) each score gets. A setting is named kC (C corrector steps,
no posterior correction: the paper's method is k1) or kC-pP (and P CG steps).

The paper's one corrector step is not best for every model: on cifar10-vp a second one lifted
stroke fills from 17.1 to 18.1 dB, on celeba32-vp it lowered them from 19.2 to 18.5. So the count is
a per-model setting, like the Fast sampler, chosen on test images *other* than those the reported
task figures use (test_split's images from TASK_IMAGES on; the figures use its first ones): a
setting picked on the reported images would flatter them.

Each task is run with every tried setting on the same images, noise seeds and masks. Taken from
the cheapest (network evaluations per PC step) up, a setting replaces the one chosen so far only
when it beats it image by image: mean per-image PSNR gain above zero with a paired t of at least
CLEAR_PAIRED_T. The PSNR is the posterior mean's, as the reported figures' (evaluate.
posterior_mean_psnr): more corrector steps can narrow the samples' spread, which would flatter the
mean of a few of them without moving the posterior mean. A costlier setting takes a proportional
share more time, so a gain within the noise of the tuning images is not worth it.

Usage (models/evaluate-model.sh runs both):
  python -m training.tune_corrector --model-dir M --write DIR [--count K]   the tuning inputs
  python -m training.tune_corrector --model-dir M --score DIR --tried k1 k2 k1-p1
                                                  files metrics.tuning and the manifest's fastCorrector
The results it scores are named by result_name(), their variances (the bench's --variance) by
variance_name(); the inputs by the INPUT_* names.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
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


@dataclass(frozen=True, order=True)
class Setting:
    """Langevin corrector steps per predictor step and CG steps of the posterior correction."""
    corrector: int = 1
    posterior: int = 0

    @staticmethod
    def parse(name: str) -> "Setting":
        match = re.fullmatch(r"k([1-9][0-9]?)(?:-p([0-9]{1,2}))?", name)
        if not match:
            raise ValueError(f"a tried setting is kC or kC-pP (C corrector steps, P posterior CG steps), "
                             f"got {name!r}")
        return Setting(int(match[1]), int(match[2] or 0))

    @property
    def name(self) -> str:
        return f"k{self.corrector}" + (f"-p{self.posterior}" if self.posterior else "")

    @property
    def cost(self) -> int:
        """Network evaluations per predictor step: each score costs 1 + P, and C + 1 scores are taken."""
        return (self.corrector + 1) * (self.posterior + 1)

    def describe(self) -> str:
        steps = f"{self.corrector} corrector step{'s' if self.corrector > 1 else ''}"
        if not self.posterior:
            return steps
        return f"{steps} and {self.posterior} posterior CG step{'s' if self.posterior > 1 else ''}"


PAPER = Setting()


def input_masks(kind: str) -> str:
    return f"tune_masks_{kind}.npy"


def result_name(task: str, kind: str | None, setting: Setting) -> str:
    """The file the engine's mean of samples for one task (and mask kind) and setting is read from."""
    return f"tune-{task}{f'-{kind}' if kind else ''}-{setting.name}.npy"


def variance_name(task: str, kind: str | None, setting: Setting) -> str:
    """The file of the estimated variance of that mean, pixel by pixel."""
    return result_name(task, kind, setting).replace(".npy", "-variance.npy")


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
    """The images (and masks; for RGB models the gray input) the tried settings are run on."""
    out.mkdir(parents=True, exist_ok=True)
    images = tuning_images(data, count)
    np.save(out / INPUT_IMAGES, images)
    for kind in TUNE_MASK_SEEDS:
        masks = tuning_masks(kind, count, images.shape[2], images.shape[3])
        np.save(out / input_masks(kind), masks.astype(np.float32)[:, None])
    if images.shape[1] == 3:
        np.save(out / INPUT_GRAY, gray_of(images))


def choose(per_image: dict[Setting, np.ndarray]) -> tuple[Setting, dict]:
    """The setting to use from each tried one's per-image PSNR (the same images in each): the
    cheapest, replaced by a costlier one only on a paired gain with t >= CLEAR_PAIRED_T. Returns it
    with each setting's figures (by name) against the one chosen before it was considered."""
    settings = sorted(per_image, key=lambda s: (s.cost, s))
    chosen, figures = settings[0], {}
    for s in settings:
        entry = {"mean_image_psnr": float(np.mean(per_image[s]))}
        if s != chosen:
            gain = per_image[s] - per_image[chosen]
            entry.update(vs=chosen.name, mean_gain=float(np.mean(gain)), paired_t=paired_t(gain))
            if entry["mean_gain"] > 0 and entry["paired_t"] >= CLEAR_PAIRED_T:
                chosen = s
        figures[s.name] = entry
    return chosen, figures


def score_task(data: Data, work: Path, task: str, tried: list[Setting]) -> dict | None:
    """metrics.tuning.<task> from the results in `work`, or None for colorize on a gray model."""
    images = np.load(work / INPUT_IMAGES)
    kinds: list[str | None] = list(TUNE_MASK_SEEDS) if task == "inpaint" else [None]
    if task == "colorize" and images.shape[1] != 3:
        return None
    per_image: dict[Setting, list[np.ndarray]] = {k: [] for k in tried}
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
        raise ValueError(f"{task}: the tried settings were run on different numbers of images")
    chosen, figures = choose(joined)
    masked = {"mask_kinds": kinds} if task == "inpaint" else {}
    return {"images": sizes.pop(), "first_test_image": TASK_IMAGES, **masked, "scored": "posterior mean",
            "settings": figures, "chosen": chosen.name}


def recommend(tuning: dict) -> dict:
    """The manifest's `fastCorrector` from metrics.tuning: the tasks whose chosen setting is not the
    paper's, each with the figures that decided."""
    out = {}
    for task, entry in tuning.items():
        chosen = Setting.parse(entry.get("chosen", PAPER.name))
        if chosen == PAPER:
            continue
        fig = entry["settings"][chosen.name]
        vs = Setting.parse(fig["vs"])
        sampler = f" ({entry['sampler']})" if "sampler" in entry else ""
        out[task] = {"steps": chosen.corrector, **({"posteriorSteps": chosen.posterior} if chosen.posterior else {}),
                     "why": (f"{entry['images']} tuning images{sampler}: posterior mean "
                             f"{fig['mean_image_psnr']:.2f} dB with {chosen.describe()}, "
                             f"{entry['settings'][vs.name]['mean_image_psnr']:.2f} with {vs.describe()} "
                             f"(paired t {fig['paired_t']:.1f})")}
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model-dir", required=True)
    p.add_argument("--write", metavar="DIR", help="write the tuning inputs into DIR")
    p.add_argument("--count", type=int, default=TUNE_IMAGES, help=f"tuning images (default {TUNE_IMAGES})")
    p.add_argument("--score", metavar="DIR", help="score the results in DIR and file metrics.tuning")
    p.add_argument("--tried", nargs="+", default=["k1", "k2"],
                   help="the settings run: kC (C corrector steps) or kC-pP (and P posterior CG steps)")
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
        tried = sorted({Setting.parse(name) for name in args.tried})
        tuning = {}
        for task in TASKS:
            entry = score_task(data, Path(args.score), task, tried)
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
    # metrics.tuning is replaced whole: figures of settings not tried this time describe no choice.
    manifest.setdefault("metrics", {})["tuning"] = tuning
    manifest.pop("fastCorrector", None)
    if fast:
        manifest["fastCorrector"] = fast


if __name__ == "__main__":
    sys.exit(main())
