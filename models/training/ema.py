"""Exponential moving average of model weights, used for sampling and export."""
from __future__ import annotations

import copy

import torch
from torch import nn


class EMA:
    """EMA with a warmup: decay_n = min(decay, (1 + n) / (10 + n)) after n updates.

    Without the warmup the average keeps decay^n of the initial weights (37% after 1000
    steps at 0.999), and a blend of trained and zero-initialized weights is not a good
    model: short runs then sample garbage from the EMA while the raw weights are fine.
    """

    def __init__(self, model: nn.Module, decay: float):
        self.decay = decay
        self.updates = 0
        self.model = copy.deepcopy(model).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)

    def current_decay(self) -> float:
        return min(self.decay, (1 + self.updates) / (10 + self.updates))

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        self.updates += 1
        decay = self.current_decay()
        for ema_p, p in zip(self.model.parameters(), model.parameters()):
            ema_p.mul_(decay).add_(p.detach(), alpha=1.0 - decay)
        for ema_b, b in zip(self.model.buffers(), model.buffers()):
            ema_b.copy_(b)

    def state_dict(self) -> dict:
        return {"model": self.model.state_dict(), "updates": self.updates}

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.updates = state["updates"]
