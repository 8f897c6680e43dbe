"""Put trained classifiers into a model folder.

    cd models && /usr/bin/python3 -m training.export_classifier --model-dir fashion28-vp \\
        --run .runs/classifier-fashion-mnist-noisy [--eval-run .runs/classifier-fashion-mnist-clean]

The time-dependent classifier becomes `classifier.onnx` (inputs x, t, y; outputs logits and
grad = grad_x log softmax(logits)[y], the backward pass written into the graph) and the
manifest's `classifier` entry. The clean classifier is only used by `training.evaluate`;
it is copied as `eval_classifier.pt` next to the manifest so that the evaluation features
of a bundled model can be recomputed from the folder alone.
"""
from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import warnings
from pathlib import Path

import onnx
import torch

from training.classifier_net import ClassifierNet, ClassifierWithGrad
from training.manifest_update import update_model_json
from training.train_classifier import load_classifier

OPSET = 17
DATASET_IMAGE = {"fashion-mnist": (1, 28, 28), "cifar10": (3, 32, 32)}
EVAL_CLASSIFIER_FILE = "eval_classifier.pt"


def export_onnx(net: ClassifierNet, path: str | Path, image_shape: tuple[int, int, int]) -> None:
    wrapper = ClassifierWithGrad(net).eval()
    x = torch.zeros(2, *image_shape)
    t = torch.full((2,), 0.5)
    y = torch.zeros(2, dtype=torch.int64)
    batch = {0: "batch"}
    # Spatial sizes are fixed per model, so the tracer's warnings about them are expected.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        torch.onnx.export(
            wrapper, (x, t, y), str(path),
            input_names=["x", "t", "y"], output_names=["logits", "grad"],
            dynamic_axes={"x": batch, "t": batch, "y": batch, "logits": batch, "grad": batch},
            opset_version=OPSET, do_constant_folding=True,
        )
    onnx.checker.check_model(onnx.load(str(path)))


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model-dir", required=True)
    p.add_argument("--run", help="noisy classifier run folder (uses final.pt, else checkpoint.pt)")
    p.add_argument("--eval-run", help="clean classifier run folder (uses final.pt)")
    args = p.parse_args(argv)
    if not args.run and not args.eval_run:
        p.error("nothing to export: pass --run and/or --eval-run")
    model_dir = Path(args.model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)

    if args.run:
        run = Path(args.run)
        source = run / "final.pt" if (run / "final.pt").exists() else run / "checkpoint.pt"
        net, ckpt = load_classifier(source)
        channels, height, width = DATASET_IMAGE[ckpt["dataset"]]
        export_onnx(net, model_dir / "classifier.onnx", (channels, height, width))

        def minimal() -> dict:
            # The score export normally writes the manifest first; this keeps the folder valid
            # enough to be completed later by a read-modify-write of the score exporter.
            return {"format": 1, "id": model_dir.name, "name": model_dir.name,
                    "image": {"channels": channels, "height": height, "width": width, "range": [-1, 1]},
                    "sde": ckpt["sde"]}

        def add_classifier(manifest: dict) -> None:
            # A recommended guidance comes from measurements (evaluate-model.sh), not from the
            # checkpoint: a re-export keeps it.
            old = manifest.get("classifier", {})
            manifest["classifier"] = {"file": "classifier.onnx", "labels": ckpt["labels"],
                                      **({"guidance": old["guidance"]} if "guidance" in old else {})}
            # Under "metrics", not "training": the score exporter rewrites "training" whole.
            manifest.setdefault("metrics", {})["classifier"] = {
                "steps": ckpt["step"], "config": ckpt["config"], **ckpt.get("metrics", {})}

        created = update_model_json(model_dir, add_classifier, minimal)
        print(f"wrote {model_dir / 'classifier.onnx'} from {source} (step {ckpt['step']})"
              + ("; created a minimal model.json" if created else ""))

    if args.eval_run:
        source = Path(args.eval_run) / "final.pt"
        _, ckpt = load_classifier(source)
        if ckpt["kind"] != "clean":
            sys.exit(f"{source} is not a clean classifier")
        target = model_dir / EVAL_CLASSIFIER_FILE
        shutil.copyfile(source, target)
        print(f"copied {source} to {target} (sha256 {sha256_of(target)[:12]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
