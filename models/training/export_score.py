"""Export a trained score model into an editor model folder.

  python -m training.export_score --config fashion28-vp --out fashion28-vp

writes `<out>/score.onnx` (EMA weights; inputs `x` [B,C,H,W], `t` [B]; output `score`;
dynamic batch; opset 17), updates `<out>/model.json` and writes `<out>/MODEL_CARD.md`.
model.json is read-modify-write: keys owned by other tools ("classifier", "metrics",
anything unknown) are kept as they are.
"""
from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from pathlib import Path

import onnx
import torch

from .configs import TrainConfig, get_config
from .data import labels_for
from .losses import predicts_noise
from .manifest_update import update_model_json
from .train import RUNS_DIR, Trainer
from .unet import count_parameters

OPSET = 17

# (data, its terms, the weights' license): weights learned from non-commercial data inherit
# that restriction, so the license is per dataset, not one for the project.
DATA_TERMS = {
    "fashion-mnist": ("Fashion-MNIST (Xiao, Rasul & Vollgraf 2017), 60,000 training images, 28x28 grayscale",
                      "Fashion-MNIST is released under the MIT license.",
                      "MIT, as the rest of this project"),
    "cifar10": ("CIFAR-10 (Krizhevsky 2009), 50,000 training images, 32x32 RGB, re-encoded as JPEG q75",
                "CIFAR-10 terms: cite Krizhevsky, Learning Multiple Layers of Features from Tiny Images, 2009.",
                "MIT, as the rest of this project"),
    "celeba": ("CelebA aligned faces (Liu et al. 2015), first 8,000 of a 9,000-image subset, square crop",
               "CelebA is available for non-commercial research purposes only; so is this model.",
               "non-commercial research use only, as CelebA itself"),
}


def export_onnx(model: torch.nn.Module, cfg: TrainConfig, path: Path) -> None:
    model = model.eval()
    x = torch.zeros(2, cfg.unet.channels, cfg.size, cfg.size)
    t = torch.full((2,), 0.5)
    tmp = path.with_suffix(".tmp.onnx")
    with warnings.catch_warnings():
        # torch 1.13 warns about shape inference of constants it folds; the parity test covers it.
        warnings.filterwarnings("ignore", message="The shape inference of prim::Constant")
        torch.onnx.export(
            model, (x, t), str(tmp), opset_version=OPSET,
            input_names=["x", "t"], output_names=["score"],
            dynamic_axes={"x": {0: "batch"}, "t": {0: "batch"}, "score": {0: "batch"}},
            do_constant_folding=True,
        )
    onnx.checker.check_model(onnx.load(str(tmp)))
    os.replace(tmp, path)


# Metrics of the classifier file (export_classifier writes them), not of the score weights.
CLASSIFIER_METRICS = ("classifier",)
# Manifest keys derived from the score model's metrics (evaluate.py --recommend, tune_corrector).
DERIVED_FROM_METRICS = ("fastSampler", "notRecommendedFor", "fastCorrector")


def update_manifest(out_dir: Path, cfg: TrainConfig, training: dict) -> dict:
    data, terms, weights = DATA_TERMS[cfg.dataset]
    sde = cfg.make_sde()
    ours = {
        "format": 1,
        "id": out_dir.name,
        "name": cfg.title,
        "image": {"channels": cfg.unet.channels, "height": cfg.size, "width": cfg.size, "range": [-1, 1]},
        "sde": sde.manifest(),
        "score": {"file": "score.onnx", "predicts": "noise" if predicts_noise(sde) else "score"},
        "license": f"Model weights: {weights}. Training data: {terms}",
        "data": data,
        "training": training,
    }

    def change(manifest: dict) -> None:
        # New weights: what was measured of the old ones, and what was recommended from it, no
        # longer holds. The classifier's own figures stay with its file.
        kept = {k: v for k, v in manifest.get("metrics", {}).items() if k in CLASSIFIER_METRICS}
        for stale in ("metrics", *DERIVED_FROM_METRICS):
            manifest.pop(stale, None)
        if kept:
            manifest["metrics"] = kept
        merged = {**manifest, **ours}
        # The conventional key order first so the file reads well; unknown keys keep their place after.
        order = ["format", "id", "name", "image", "sde", "score", "classifier", "license", "data", "training", "metrics"]
        manifest.clear()
        manifest.update({k: merged[k] for k in order if k in merged})
        manifest.update({k: v for k, v in merged.items() if k not in order})

    update_model_json(out_dir, change, create=dict)
    return json.loads((out_dir / "model.json").read_text())


def model_card(cfg: TrainConfig, manifest: dict) -> str:
    training = manifest["training"]
    data, terms, weights = DATA_TERMS[cfg.dataset]
    u = cfg.unet
    labels = labels_for(cfg.dataset)
    lines = [
        f"# {cfg.title}",
        "",
        f"A score-based generative model (Song et al., ICLR 2021) for {cfg.size}x{cfg.size} "
        f"{'grayscale' if u.channels == 1 else 'RGB'} images, used by the editor for sampling, "
        "inpainting, colorization, encoding and likelihoods.",
        "",
        "## Data and terms",
        f"- Data: {data}.",
        f"- {terms}",
        *([f"- Classes: {', '.join(labels)}."] if labels else []),
        f"- Model weights: {weights}.",
        "",
        "## Model",
        f"- SDE: `{json.dumps(manifest['sde'])}`.",
        f"- Network: DDPM++-style U-Net, {training['parameters']:,} parameters; base {u.base} channels, "
        f"multipliers {list(u.mult)}, {u.res_blocks} residual block(s) per level, attention at "
        f"{list(u.attn_resolutions)} px, dropout {u.dropout}.",
        f"- Output: `{manifest['score']['predicts']}`"
        + (" (score = -output / std(t))." if manifest["score"]["predicts"] == "noise" else " (the score itself)."),
        "- Objective: continuous denoising score matching, lambda(t) = std(t)^2, t ~ U(eps, 1).",
        "",
        "## Training",
        f"- Config `{cfg.name}`: batch {cfg.batch}, Adam lr {cfg.lr} (warmup {cfg.warmup} steps), "
        f"grad clip {cfg.grad_clip}, EMA {cfg.ema} (warmed up as (1+n)/(10+n)), horizontal flips {'on' if cfg.hflip else 'off'}.",
        f"- Steps: {training['steps']:,}; training wall time {training['seconds'] / 3600:.2f} h on CPU.",
        f"- Exported {training['exported']} from the EMA weights.",
        f"- Reproduce: `cd models && python3 -m training.train --config {cfg.name} --steps {training['steps']}` "
        f"then `python3 -m training.export_score --config {cfg.name} --out {manifest['id']}`.",
    ]
    lines += editor_choices(manifest)
    metrics = manifest.get("metrics")
    if metrics:
        lines += ["", "## Metrics", "", "```json", json.dumps(metrics, indent=2), "```"]
    return "\n".join(lines) + "\n"


TASK_NAMES = {"inpaint": "inpainting", "colorize": "colorization"}


def editor_choices(manifest: dict) -> list[str]:
    """The card's account of what the measurements made the editor do with the model (the keys
    DERIVED_FROM_METRICS), each with its reason; nothing when they chose the defaults."""
    lines = []
    fast = manifest.get("fastSampler")
    if fast:
        steps = f" at {fast['steps']} steps" if "steps" in fast else ""
        why = f" ({fast['why']})" if "why" in fast else ""
        lines.append(f"- Generation (Fast preset): {fast['sampler']}{steps}{why}.")
    for task, choice in manifest.get("fastCorrector", {}).items():
        why = f" ({choice['why']})" if "why" in choice else ""
        steps, posterior = choice["steps"], choice.get("posteriorSteps", 0)
        what = [f"{steps} corrector step{'s' if steps > 1 else ''} per predictor step"]
        if posterior:
            what.append(f"the posterior correction of the score, {posterior} CG step{'s' if posterior > 1 else ''}")
        lines.append(f"- {TASK_NAMES[task].capitalize()} (Fast preset): {', with '.join(what)}{why}.")
    for task, why in manifest.get("notRecommendedFor", {}).items():
        lines.append(f"- Not offered for {TASK_NAMES[task]}: {why}.")
    return ["", "## In the editor", *lines] if lines else []


def export(cfg: TrainConfig, ckpt_run_dir: Path, out_dir: Path) -> dict:
    trainer = Trainer(cfg, ckpt_run_dir)
    if not trainer.load_if_present():
        raise FileNotFoundError(f"no checkpoint at {trainer.ckpt_path}")
    out_dir.mkdir(parents=True, exist_ok=True)
    export_onnx(trainer.ema.model, cfg, out_dir / "score.onnx")
    training = {
        "config": cfg.name, "steps": trainer.step, "seconds": round(trainer.seconds, 1),
        "parameters": count_parameters(trainer.model), "batch": cfg.batch, "ema": cfg.ema,
        "exported": time.strftime("%Y-%m-%d"),
    }
    manifest = update_manifest(out_dir, cfg, training)
    (out_dir / "MODEL_CARD.md").write_text(model_card(cfg, manifest))
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Export a score model checkpoint to an editor model folder.")
    parser.add_argument("--config", required=True)
    parser.add_argument("--out", type=Path, required=True, help="model folder; its name is the model id")
    parser.add_argument("--run-dir", type=Path, help="default: models/.runs/<config>")
    parser.add_argument("--card-only", action="store_true",
                        help="only rewrite MODEL_CARD.md from the folder's model.json (after new metrics)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    cfg = get_config(args.config)
    if args.card_only:
        manifest = json.loads((args.out / "model.json").read_text())
        (args.out / "MODEL_CARD.md").write_text(model_card(cfg, manifest))
        print(json.dumps({"out": str(args.out / "MODEL_CARD.md")}))
        return 0
    manifest = export(cfg, args.run_dir or RUNS_DIR / cfg.name, args.out)
    print(json.dumps({"out": str(args.out), "steps": manifest["training"]["steps"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
