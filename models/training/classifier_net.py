"""Image classifiers whose input gradient can be exported to ONNX.

The time-dependent classifier guides class-conditional sampling with
grad_x log p_t(y | x). ONNX has no autograd at run time and PyTorch 1.13's exporter
cannot trace `torch.autograd.grad`, so every layer here returns, besides its output,
what its backward pass needs (`cache`) and has an explicit vector-Jacobian product
(`vjp`) written with exportable ops. The same forward code is used for training (through
autograd) and for export, so the two cannot drift apart.

The clean classifier is the same network without time input; its penultimate layer
gives the features of the Frechet distance.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class ClassifierConfig:
    in_channels: int = 1
    num_classes: int = 10
    channels: tuple[int, ...] = (32, 64, 64)
    blocks_per_stage: int = 1
    groups: int = 8
    # 0 disables time conditioning (the clean evaluation classifier).
    time_embed_dim: int = 64

    def to_dict(self) -> dict:
        d = asdict(self)
        d["channels"] = list(self.channels)
        return d

    @staticmethod
    def from_dict(d: dict) -> "ClassifierConfig":
        return ClassifierConfig(**{**d, "channels": tuple(d["channels"])})


def silu_vjp(x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    s = torch.sigmoid(x)
    return g * s * (1 + x * (1 - s))


class Conv(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1)

    def forward(self, x: torch.Tensor):
        return self.conv(x), (int(x.shape[2]), int(x.shape[3]))

    def vjp(self, in_hw: tuple[int, int], g: torch.Tensor) -> torch.Tensor:
        c = self.conv
        # A strided conv maps several input sizes to the same output size; output_padding
        # picks the one we came from.
        pad = tuple(
            in_hw[i] - ((int(g.shape[2 + i]) - 1) * c.stride[i] - 2 * c.padding[i] + c.kernel_size[i])
            for i in range(2)
        )
        return F.conv_transpose2d(g, c.weight, stride=c.stride, padding=c.padding, output_padding=pad)


class GroupNorm(nn.Module):
    def __init__(self, groups: int, channels: int, eps: float = 1e-5):
        super().__init__()
        self.groups = groups
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor):
        _, c, h, w = x.shape
        xg = x.reshape(-1, self.groups, (c // self.groups) * h * w)
        mu = xg.mean(-1, keepdim=True)
        var = (xg - mu).pow(2).mean(-1, keepdim=True)
        rstd = torch.rsqrt(var + self.eps)
        xhat = ((xg - mu) * rstd).reshape(x.shape)
        y = xhat * self.weight[None, :, None, None] + self.bias[None, :, None, None]
        return y, (xhat, rstd)

    def vjp(self, cache, g: torch.Tensor) -> torch.Tensor:
        xhat, rstd = cache
        n = xhat.shape[1] // self.groups * xhat.shape[2] * xhat.shape[3]
        gx = (g * self.weight[None, :, None, None]).reshape(-1, self.groups, n)
        xh = xhat.reshape(-1, self.groups, n)
        out = rstd * (gx - gx.mean(-1, keepdim=True) - xh * (gx * xh).mean(-1, keepdim=True))
        return out.reshape(g.shape)


class TimeEmbedding(nn.Module):
    """Sinusoidal features of t (scaled to DDPM's 0..1000 range) through a small MLP.

    The embedding depends on t only, so the input gradient never flows through it.
    """

    def __init__(self, dim: int):
        super().__init__()
        half = dim // 2
        self.register_buffer("freqs", torch.exp(-math.log(10000.0) * torch.arange(half) / half))
        self.mlp = nn.Sequential(nn.Linear(dim, dim), nn.SiLU(), nn.Linear(dim, dim))

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        angles = 1000.0 * t[:, None] * self.freqs[None, :]
        return self.mlp(torch.cat([torch.sin(angles), torch.cos(angles)], dim=1))


class ResBlock(nn.Module):
    def __init__(self, channels: int, groups: int, time_embed_dim: int):
        super().__init__()
        self.norm1 = GroupNorm(groups, channels)
        self.conv1 = Conv(channels, channels)
        self.time_proj = nn.Linear(time_embed_dim, channels) if time_embed_dim else None
        self.norm2 = GroupNorm(groups, channels)
        self.conv2 = Conv(channels, channels)

    def forward(self, x: torch.Tensor, temb: torch.Tensor | None):
        h, n1 = self.norm1(x)
        a1 = h
        h, c1 = self.conv1(F.silu(h))
        if self.time_proj is not None:
            h = h + self.time_proj(temb)[:, :, None, None]
        h, n2 = self.norm2(h)
        a2 = h
        h, c2 = self.conv2(F.silu(h))
        return x + h, (n1, a1, c1, n2, a2, c2)

    def vjp(self, cache, g: torch.Tensor) -> torch.Tensor:
        n1, a1, c1, n2, a2, c2 = cache
        h = self.conv2.vjp(c2, g)
        h = self.norm2.vjp(n2, silu_vjp(a2, h))
        # The time bias is constant in x: the gradient passes it unchanged.
        h = self.conv1.vjp(c1, h)
        h = self.norm1.vjp(n1, silu_vjp(a1, h))
        return g + h


class ClassifierNet(nn.Module):
    """stem conv -> [ResBlocks, stride-2 conv] per stage -> GroupNorm, SiLU, mean pool -> linear."""

    def __init__(self, config: ClassifierConfig):
        super().__init__()
        self.config = config
        cfg = config
        self.time_embed = TimeEmbedding(cfg.time_embed_dim) if cfg.time_embed_dim else None
        self.stem = Conv(cfg.in_channels, cfg.channels[0])
        self.stages = nn.ModuleList()
        self.downs = nn.ModuleList()
        for i, c in enumerate(cfg.channels):
            self.stages.append(
                nn.ModuleList(ResBlock(c, cfg.groups, cfg.time_embed_dim) for _ in range(cfg.blocks_per_stage))
            )
            if i + 1 < len(cfg.channels):
                self.downs.append(Conv(c, cfg.channels[i + 1], stride=2))
        self.head_norm = GroupNorm(cfg.groups, cfg.channels[-1])
        self.head = nn.Linear(cfg.channels[-1], cfg.num_classes)

    @property
    def time_conditioned(self) -> bool:
        return self.time_embed is not None

    def _trunk(self, x: torch.Tensor, t: torch.Tensor | None):
        """Penultimate features [B, C_last] and the cache for `_trunk_vjp`."""
        if self.time_conditioned and t is None:
            raise ValueError("this classifier is time-dependent: pass t")
        temb = self.time_embed(t) if self.time_conditioned else None
        caches = []
        h, c = self.stem(x)
        caches.append(c)
        for i, blocks in enumerate(self.stages):
            for block in blocks:
                h, c = block(h, temb)
                caches.append(c)
            if i < len(self.downs):
                h, c = self.downs[i](h)
                caches.append(c)
        h, c = self.head_norm(h)
        caches.append((c, h))
        return F.silu(h).mean(dim=(2, 3)), caches

    def _trunk_vjp(self, caches: list, g: torch.Tensor) -> torch.Tensor:
        norm_cache, pre_act = caches[-1]
        hw = pre_act.shape[2] * pre_act.shape[3]
        g = silu_vjp(pre_act, g[:, :, None, None].expand_as(pre_act) / hw)
        g = self.head_norm.vjp(norm_cache, g)
        k = len(caches) - 2
        for i in reversed(range(len(self.stages))):
            if i < len(self.downs):
                g = self.downs[i].vjp(caches[k], g)
                k -= 1
            for block in reversed(self.stages[i]):
                g = block.vjp(caches[k], g)
                k -= 1
        return self.stem.vjp(caches[k], g)

    def features(self, x: torch.Tensor, t: torch.Tensor | None = None) -> torch.Tensor:
        return self._trunk(x, t)[0]

    def forward(self, x: torch.Tensor, t: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(self.features(x, t))

    def logits_and_input_grad(self, x: torch.Tensor, t: torch.Tensor | None, y: torch.Tensor):
        """logits [B,K] and grad_x log softmax(logits)[y] [B,C,H,W], without autograd."""
        feats, caches = self._trunk(x, t)
        logits = self.head(feats)
        k = torch.arange(logits.shape[1], device=y.device)
        onehot = (k[None, :] == y[:, None]).to(logits.dtype)
        g_logits = onehot - torch.softmax(logits, dim=1)
        g_feats = g_logits @ self.head.weight
        return logits, self._trunk_vjp(caches, g_feats)


class ClassifierWithGrad(nn.Module):
    """The exported graph: (x, t, y) -> (logits, grad)."""

    def __init__(self, net: ClassifierNet):
        super().__init__()
        if not net.time_conditioned:
            raise ValueError("the exported guidance classifier must be time-dependent")
        self.net = net

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor):
        return self.net.logits_and_input_grad(x, t, y)


def count_parameters(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())
