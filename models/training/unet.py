"""A small DDPM++/NCSN++-style U-Net score network (Song et al. 2021, Appendix H).

Residual blocks (GroupNorm, SiLU, time embedding added after the first conv), skip
connections rescaled by 1/sqrt(2), self-attention at the chosen resolutions, U-Net
concatenation skips between the down and up paths. Every op exports to ONNX opset 17
(no einsum, no fused attention, nearest-neighbour upsampling by a fixed factor).

Time conditioning follows score_sde:
- VE: Gaussian Fourier features of log sigma(t); the output is divided by sigma(t),
  so the network predicts the score directly (`predicts: "score"`).
- VP / sub-VP: sinusoidal features of 999 t; the output is the noise z in
  x_t = mean + std z (`predicts: "noise"`, score = -z / std). See losses.py.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .sde import SDE, VESDE


@dataclass(frozen=True)
class UNetConfig:
    channels: int = 1          # image channels
    resolution: int = 28
    base: int = 32             # channels at full resolution
    mult: tuple[int, ...] = (1, 2, 2)
    res_blocks: int = 1        # residual blocks per resolution level
    attn_resolutions: tuple[int, ...] = (7,)
    dropout: float = 0.1
    fourier_scale: float = 16.0


def _groups(channels: int) -> int:
    # At most 32 groups of at least 4 channels, and the count must divide the channels
    # (concatenated skips give widths like 48 + 32).
    groups = min(32, max(1, channels // 4))
    while channels % groups:
        groups -= 1
    return groups


class GaussianFourierFeatures(nn.Module):
    """Random (fixed) Fourier features of a scalar, used on log sigma for VE."""

    def __init__(self, dim: int, scale: float):
        super().__init__()
        self.register_buffer("W", torch.randn(dim // 2) * scale)

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        proj = s[:, None] * self.W[None, :] * (2 * math.pi)
        return torch.cat([torch.sin(proj), torch.cos(proj)], dim=-1)


def sinusoidal_features(timesteps: torch.Tensor, dim: int) -> torch.Tensor:
    half = dim // 2
    freqs = torch.exp(torch.arange(half, dtype=torch.float32, device=timesteps.device) * (-math.log(10000.0) / (half - 1)))
    args = timesteps[:, None].float() * freqs[None, :]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=-1)


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, temb_dim: int, dropout: float):
        super().__init__()
        self.norm1 = nn.GroupNorm(_groups(cin), cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.temb = nn.Linear(temb_dim, cout)
        self.norm2 = nn.GroupNorm(_groups(cout), cout)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        # A zero-initialized last conv makes every block start as the identity, which keeps
        # the 1/sqrt(2)-rescaled residual stream well-conditioned at initialization.
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor, temb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.temb(F.silu(temb))[:, :, None, None]
        h = self.conv2(self.dropout(F.silu(self.norm2(h))))
        return (self.skip(x) + h) / math.sqrt(2.0)


class AttnBlock(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.norm = nn.GroupNorm(_groups(channels), channels)
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.out = nn.Conv2d(channels, channels, 1)
        self.scale = channels ** -0.5
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, c, h * w).unbind(1)
        weights = torch.softmax(torch.bmm(q.transpose(1, 2), k) * self.scale, dim=-1)  # [b, hw, hw]
        out = torch.bmm(v, weights.transpose(1, 2)).reshape(b, c, h, w)
        return (x + self.out(out)) / math.sqrt(2.0)


class Downsample(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=1)

    def forward(self, x):
        return self.conv(x)


class Upsample(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class ScoreUNet(nn.Module):
    """s_theta(x, t): x float32 [B,C,H,W] in [-1,1], t float32 [B] in [eps, 1]."""

    def __init__(self, cfg: UNetConfig, sde: SDE):
        super().__init__()
        self.cfg, self.sde = cfg, sde
        self.is_ve = isinstance(sde, VESDE)
        base = cfg.base
        temb_dim = 4 * base
        if self.is_ve:
            self.fourier = GaussianFourierFeatures(base, cfg.fourier_scale)
        self.temb = nn.Sequential(nn.Linear(base, temb_dim), nn.SiLU(), nn.Linear(temb_dim, temb_dim))

        self.conv_in = nn.Conv2d(cfg.channels, base, 3, padding=1)
        self.down = nn.ModuleList()
        skip_channels = [base]
        ch, res = base, cfg.resolution
        for level, mult in enumerate(cfg.mult):
            for _ in range(cfg.res_blocks):
                blocks = [ResBlock(ch, base * mult, temb_dim, cfg.dropout)]
                ch = base * mult
                if res in cfg.attn_resolutions:
                    blocks.append(AttnBlock(ch))
                self.down.append(nn.ModuleList(blocks))
                skip_channels.append(ch)
            if level != len(cfg.mult) - 1:
                if res % 2:
                    raise ValueError(f"resolution {res} at level {level} is odd; cannot downsample")
                self.down.append(nn.ModuleList([Downsample(ch)]))
                skip_channels.append(ch)
                res //= 2

        self.mid = nn.ModuleList([ResBlock(ch, ch, temb_dim, cfg.dropout), AttnBlock(ch),
                                  ResBlock(ch, ch, temb_dim, cfg.dropout)])

        self.up = nn.ModuleList()
        for level, mult in reversed(list(enumerate(cfg.mult))):
            for _ in range(cfg.res_blocks + 1):
                blocks = [ResBlock(ch + skip_channels.pop(), base * mult, temb_dim, cfg.dropout)]
                ch = base * mult
                if res in cfg.attn_resolutions:
                    blocks.append(AttnBlock(ch))
                self.up.append(nn.ModuleList(blocks))
            if level != 0:
                self.up.append(nn.ModuleList([Upsample(ch)]))
                res *= 2
        assert not skip_channels

        self.norm_out = nn.GroupNorm(_groups(ch), ch)
        self.conv_out = nn.Conv2d(ch, cfg.channels, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def _time_embedding(self, t: torch.Tensor) -> torch.Tensor:
        if self.is_ve:
            features = self.fourier(torch.log(self.sde.sigma(t)))
        else:
            features = sinusoidal_features(t * 999.0, self.cfg.base)
        return self.temb(features)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        temb = self._time_embedding(t)
        h = self.conv_in(x)
        skips = [h]
        for blocks in self.down:
            h = self._run_blocks(blocks, h, temb)
            skips.append(h)
        h = self._run_blocks(self.mid, h, temb)
        for blocks in self.up:
            if isinstance(blocks[0], ResBlock):
                h = torch.cat([h, skips.pop()], dim=1)
            h = self._run_blocks(blocks, h, temb)
        out = self.conv_out(F.silu(self.norm_out(h)))
        if self.is_ve:
            out = out / self.sde.sigma(t)[:, None, None, None]
        return out

    @staticmethod
    def _run_blocks(blocks, h, temb):
        for block in blocks:
            h = block(h, temb) if isinstance(block, ResBlock) else block(h)
        return h


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
