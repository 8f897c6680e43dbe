"""Train the time-dependent (noisy) or the clean classifier of a dataset.

    cd models && /usr/bin/python3 -m training.train_classifier --dataset fashion-mnist --kind noisy --sde vp

The noisy classifier learns p_t(y | x_t) with x_t ~ p_0t(x_t | x_0), t ~ U(eps, 1), under
the same SDE as the score model it guides. Runs resume from
`.runs/classifier-<dataset>-<kind>/checkpoint.pt`; SIGTERM saves a checkpoint and stops.
When done, `final.pt` (config + weights) and `metrics.json` hold the result.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from training.classifier_net import ClassifierConfig, ClassifierNet, count_parameters
from training.data import labels_for, load_split, to_model_range
from training.sde import SDE, make_sde

NOISY_EVAL_TIMES = (0.1, 0.5, 0.9)
CHECKPOINT_EVERY_S = 120.0


def run_dir(dataset: str, kind: str) -> Path:
    return Path(".runs") / f"classifier-{dataset}-{kind}"


def perturb(sde: SDE, x0: torch.Tensor, t: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    mean, std = sde.marginal_prob(x0, t)
    noise = torch.randn(x0.shape, generator=generator)
    return mean + std.reshape(-1, 1, 1, 1) * noise


@torch.no_grad()
def accuracy(net: ClassifierNet, x: torch.Tensor, y: torch.Tensor, sde: SDE | None = None,
             t_value: float | None = None, batch: int = 500, seed: int = 0) -> float:
    """Top-1 accuracy; with `sde` and `t_value`, on images perturbed to that time (seeded noise)."""
    net.eval()
    generator = torch.Generator().manual_seed(seed)
    correct = 0
    for i in range(0, len(x), batch):
        xb = x[i:i + batch]
        t = None
        if sde is not None:
            t = torch.full((len(xb),), float(t_value))
            xb = perturb(sde, xb, t, generator)
        correct += int((net(xb, t).argmax(1) == y[i:i + batch]).sum())
    net.train()
    return correct / len(x)


def evaluate(net: ClassifierNet, kind: str, sde: SDE | None, x_test: torch.Tensor, y_test: torch.Tensor) -> dict:
    if kind == "clean":
        return {"test_accuracy": accuracy(net, x_test, y_test)}
    return {f"test_accuracy_t{t:g}": accuracy(net, x_test, y_test, sde, t) for t in NOISY_EVAL_TIMES}


def lr_at(step: int, steps: int, base: float, warmup: int = 200) -> float:
    if step < warmup:
        return base * (step + 1) / warmup
    return 0.5 * base * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))


def save_atomically(obj, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def load_classifier(path: str | Path) -> tuple[ClassifierNet, dict]:
    """A classifier saved by this script (`final.pt` or `checkpoint.pt`), in eval mode."""
    ckpt = torch.load(path, map_location="cpu")
    net = ClassifierNet(ClassifierConfig.from_dict(ckpt["config"]))
    net.load_state_dict(ckpt["model"])
    net.eval()
    return net, ckpt


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dataset", default="fashion-mnist", choices=["fashion-mnist", "cifar10"])
    p.add_argument("--kind", required=True, choices=["noisy", "clean"])
    p.add_argument("--sde", default="vp", choices=["ve", "vp", "subvp"], help="perturbation kernel (noisy only)")
    p.add_argument("--steps", type=int, default=None, help="default: 3000 clean, 6000 noisy")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--channels", default="32,64,64")
    p.add_argument("--run-dir", default=None, help="default: .runs/classifier-<dataset>-<kind>")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    steps = args.steps or (3000 if args.kind == "clean" else 6000)
    out = Path(args.run_dir) if args.run_dir else run_dir(args.dataset, args.kind)
    out.mkdir(parents=True, exist_ok=True)

    images, labels = load_split(args.dataset, "train")
    test_images, test_labels = load_split(args.dataset, "test")
    x_train, y_train = torch.from_numpy(to_model_range(images)), torch.from_numpy(labels)
    x_test, y_test = torch.from_numpy(to_model_range(test_images)), torch.from_numpy(test_labels)
    sde = make_sde(args.sde) if args.kind == "noisy" else None

    config = ClassifierConfig(
        in_channels=x_train.shape[1],
        num_classes=len(labels_for(args.dataset)),
        channels=tuple(int(c) for c in args.channels.split(",")),
        time_embed_dim=64 if args.kind == "noisy" else 0,
    )
    torch.manual_seed(args.seed)
    net = ClassifierNet(config)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    rng = np.random.default_rng(args.seed)
    step, seconds = 0, 0.0
    ckpt_path = out / "checkpoint.pt"
    if ckpt_path.exists():
        ckpt = torch.load(ckpt_path, map_location="cpu")
        if ckpt["config"] != config.to_dict():
            sys.exit(f"{ckpt_path} was trained with another config; move it away to start over")
        net.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["opt"])
        step, seconds = ckpt["step"], ckpt["seconds"]
        rng = np.random.default_rng([args.seed, step])
        torch.manual_seed(args.seed + step)
        print(f"resumed from {ckpt_path} at step {step}", flush=True)

    meta = {"dataset": args.dataset, "kind": args.kind, "labels": labels_for(args.dataset),
            "sde": sde.manifest() if sde else None, "config": config.to_dict()}

    def checkpoint() -> None:
        save_atomically({**meta, "model": net.state_dict(), "opt": opt.state_dict(),
                         "step": step, "seconds": seconds}, ckpt_path)

    stop = {"requested": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(requested=True))
    print(f"{args.kind} classifier, {count_parameters(net)} parameters, {steps} steps, batch {args.batch}", flush=True)

    last_ckpt = time.time()
    t_start = time.time() - seconds
    while step < steps and not stop["requested"]:
        for group in opt.param_groups:
            group["lr"] = lr_at(step, steps, args.lr)
        idx = torch.from_numpy(rng.integers(0, len(x_train), args.batch))
        xb, yb = x_train[idx], y_train[idx]
        t = None
        if sde is not None:
            t = torch.from_numpy(rng.uniform(sde.eps, 1.0, args.batch).astype(np.float32))
            xb = perturb(sde, xb, t)
        loss = F.cross_entropy(net(xb, t), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        seconds = time.time() - t_start
        if step % 100 == 0:
            print(json.dumps({"step": step, "loss": round(loss.item(), 4), "seconds": round(seconds)}), flush=True)
        if step % 1000 == 0:
            print(json.dumps({"step": step, **evaluate(net, args.kind, sde, x_test[:2000], y_test[:2000])}), flush=True)
        if time.time() - last_ckpt > CHECKPOINT_EVERY_S:
            checkpoint()
            last_ckpt = time.time()
    checkpoint()
    if step < steps:
        print(f"stopped at step {step}; run the same command to resume", flush=True)
        return 0

    metrics = {**evaluate(net, args.kind, sde, x_test, y_test), "steps": step,
               "seconds": round(seconds), "parameters": count_parameters(net)}
    save_atomically({**meta, "model": net.state_dict(), "step": step, "metrics": metrics}, out / "final.pt")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(json.dumps({"final": metrics}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
