"""Train a score model: `python -m training.train --config fashion28-vp [--steps N] [--threads K]`.

Run from `models/`. Everything goes to `models/.runs/<config>/`:
  ckpt.pt      resumable checkpoint (model, EMA, optimizer, step, wall seconds), written
               atomically every `ckpt_every` steps and on SIGINT/SIGTERM
  log.jsonl    one line per `log_every` steps: step, loss (interval mean), lr, grad norm, s/step
  samples/     preview grids from the EMA weights every `sample_every` steps (latest.png too)
Running the same command again resumes from ckpt.pt; `--steps` is the total step target.
Batches, timesteps and noise are drawn from generators seeded by (seed, step), so a resumed
run sees the same data stream as an uninterrupted one.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .configs import TrainConfig, get_config
from .data import load_split, to_model_range
from .ema import EMA
from .losses import dsm_loss, score_from_output
from .sde import SDE, reverse_sde_sample
from .unet import ScoreUNet, count_parameters

RUNS_DIR = Path(__file__).resolve().parents[1] / ".runs"


class Trainer:
    def __init__(self, cfg: TrainConfig, run_dir: Path, images: np.ndarray | None = None,
                 device: str = "cpu"):
        self.cfg, self.run_dir = cfg, Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.device = torch.device(device)
        torch.manual_seed(cfg.seed)
        self.sde: SDE = cfg.make_sde()
        self.model = ScoreUNet(cfg.unet, self.sde).to(self.device)
        self.ema = EMA(self.model, cfg.ema)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        self.step = 0
        self.seconds = 0.0
        self._images = images
        self._stop_requested = False

    @property
    def ckpt_path(self) -> Path:
        return self.run_dir / "ckpt.pt"

    @property
    def images(self) -> np.ndarray:
        if self._images is None:
            self._images, _ = load_split(self.cfg.dataset, "train", size=self.cfg.size)
        return self._images

    # --- checkpoints -------------------------------------------------------------------
    def save(self) -> None:
        state = {
            "config": self.cfg.name, "step": self.step, "seconds": self.seconds,
            "model": self.model.state_dict(), "ema": self.ema.state_dict(),
            "optimizer": self.optimizer.state_dict(),
        }
        tmp = self.ckpt_path.with_suffix(f".{os.getpid()}.tmp")
        torch.save(state, tmp)
        os.replace(tmp, self.ckpt_path)  # a crash mid-save leaves the previous checkpoint intact

    def load_if_present(self) -> bool:
        if not self.ckpt_path.exists():
            return False
        state = torch.load(self.ckpt_path, map_location="cpu")
        if state["config"] != self.cfg.name:
            raise ValueError(f"{self.ckpt_path} belongs to config {state['config']!r}, not {self.cfg.name!r}")
        self.model.load_state_dict(state["model"])
        self.ema.load_state_dict(state["ema"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.step, self.seconds = state["step"], state["seconds"]
        return True

    # --- one optimization step --------------------------------------------------------
    def batch(self, step: int) -> torch.Tensor:
        rng = np.random.default_rng([self.cfg.seed, step])
        idx = rng.integers(0, len(self.images), self.cfg.batch)
        x = to_model_range(self.images[idx])
        if self.cfg.hflip:
            flip = rng.random(self.cfg.batch) < 0.5
            x[flip] = x[flip, :, :, ::-1]
        return torch.from_numpy(x).to(self.device)

    def lr_at(self, step: int) -> float:
        return self.cfg.lr * min(1.0, (step + 1) / max(1, self.cfg.warmup))

    def train_step(self, x0: torch.Tensor) -> tuple[float, float]:
        """One Adam step on a batch; returns (loss, gradient norm before clipping)."""
        self.model.train()
        for group in self.optimizer.param_groups:
            group["lr"] = self.lr_at(self.step)
        generator = torch.Generator().manual_seed(self.cfg.seed * 1_000_003 + self.step)
        loss = dsm_loss(self.model, self.sde, x0, generator)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.grad_clip)
        self.optimizer.step()
        self.ema.update(self.model)
        self.step += 1
        return float(loss), float(grad_norm)

    # --- previews ------------------------------------------------------------------------
    def sample_grid(self, count: int | None = None, steps: int | None = None) -> Path:
        count = count or self.cfg.sample_count
        model = self.ema.model.eval()
        c, s = self.cfg.unet.channels, self.cfg.size
        generator = torch.Generator().manual_seed(1234)  # same noise every time: grids are comparable
        dev = self.device

        def score(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            return score_from_output(self.sde, model(x.to(dev), t.to(dev)), t.to(dev)).cpu()

        with torch.no_grad():
            x = reverse_sde_sample(score, self.sde, (count, c, s, s), steps or self.cfg.sample_steps, generator)
        out_dir = self.run_dir / "samples"
        out_dir.mkdir(exist_ok=True)
        path = out_dir / f"step{self.step:07d}.png"
        write_grid(x, path)
        write_grid(x, out_dir / "latest.png")
        return path

    # --- the loop ----------------------------------------------------------------------
    def request_stop(self, *_args) -> None:
        self._stop_requested = True

    def run(self, total_steps: int, log=print) -> None:
        cfg = self.cfg
        log_path = self.run_dir / "log.jsonl"
        losses: list[float] = []
        interval_start = time.time()
        while self.step < total_steps and not self._stop_requested:
            step_start = time.time()
            loss, grad_norm = self.train_step(self.batch(self.step))
            self.seconds += time.time() - step_start
            if not np.isfinite(loss):
                raise FloatingPointError(f"loss is {loss} at step {self.step}; last checkpoint kept")
            losses.append(loss)
            if self.step % cfg.log_every == 0:
                elapsed = time.time() - interval_start
                record = {"step": self.step, "loss": float(np.mean(losses)), "lr": self.lr_at(self.step - 1),
                          "grad_norm": grad_norm, "s_per_step": elapsed / len(losses),
                          "seconds": round(self.seconds, 1), "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
                with open(log_path, "a") as f:
                    f.write(json.dumps(record) + "\n")
                log(json.dumps(record))
                losses, interval_start = [], time.time()
            if self.step % cfg.ckpt_every == 0:
                self.save()
            if cfg.sample_every and self.step % cfg.sample_every == 0:
                sample_start = time.time()
                path = self.sample_grid()
                log(f"samples: {path} ({time.time() - sample_start:.1f}s)")
                interval_start += time.time() - sample_start
        self.save()
        log(f"stopped at step {self.step} ({self.seconds:.0f}s of training); checkpoint {self.ckpt_path}")


def write_grid(x: torch.Tensor, path: Path, scale: int = 3) -> None:
    """[N,C,H,W] in [-1,1] -> a square-ish PNG grid, upscaled for viewing."""
    n, c, h, w = x.shape
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    u8 = ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    grid = np.zeros((rows * (h + 2), cols * (w + 2), c), dtype=np.uint8)
    for i in range(n):
        r, col = divmod(i, cols)
        grid[r * (h + 2) + 1: r * (h + 2) + 1 + h, col * (w + 2) + 1: col * (w + 2) + 1 + w] = u8[i]
    image = Image.fromarray(grid[..., 0] if c == 1 else grid)
    image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    tmp = path.with_suffix(".tmp.png")
    image.save(tmp)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--steps", type=int, help="total step target (default: the config's)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu",
                        help="torch device, e.g. cuda or cuda:1 (default: cuda when available, else cpu)")
    parser.add_argument("--run-dir", type=Path, help="default: models/.runs/<config>")
    parser.add_argument("--sample-now", action="store_true", help="write one preview grid from the checkpoint and exit")
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    cfg = get_config(args.config)
    trainer = Trainer(cfg, args.run_dir or RUNS_DIR / cfg.name, device=args.device)
    resumed = trainer.load_if_present()
    print(f"config {cfg.name}: {count_parameters(trainer.model):,} parameters; "
          f"{'resumed at step ' + str(trainer.step) if resumed else 'fresh start'} on {trainer.device}", flush=True)
    if args.sample_now:
        print(trainer.sample_grid())
        return 0
    signal.signal(signal.SIGINT, trainer.request_stop)
    signal.signal(signal.SIGTERM, trainer.request_stop)
    trainer.run(args.steps or cfg.steps, log=lambda line: print(line, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
