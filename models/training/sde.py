"""Forward SDEs of Song et al. 2021 (VE, VP, sub-VP) in torch, as in score_sde `sde_lib.py`.

Used by the trainer (perturbation kernels for the loss, sampling the grid previews) and by
the time-dependent classifier (which must perturb images exactly like the score model).
`t` is a float tensor [B]; results broadcast over the image dimensions.
"""
from __future__ import annotations

import math

import torch


def _bcast(v: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return v.reshape(-1, *([1] * (x.dim() - 1)))


class SDE:
    """Shared interface; `T` is 1 and `N` the number of discretization steps."""

    type: str
    eps: float
    N: int
    T = 1.0

    def sde(self, x: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(drift f(x,t) [like x], diffusion g(t) [B])."""
        raise NotImplementedError

    def marginal_prob(self, x0: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean [like x0], std [B]) of p_0t(x(t) | x(0)=x0)."""
        raise NotImplementedError

    def prior_sampling(self, shape, generator: torch.Generator | None = None) -> torch.Tensor:
        raise NotImplementedError

    def discretize(self, x: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(f_i [like x], G_i [B]) so that x_{i+1} = x_i + f_i + G_i z (Euler-Maruyama by default)."""
        dt = 1.0 / self.N
        drift, diffusion = self.sde(x, t)
        return drift * dt, diffusion * math.sqrt(dt)

    def manifest(self) -> dict:
        raise NotImplementedError


class VESDE(SDE):
    type = "ve"

    def __init__(self, sigma_min: float = 0.01, sigma_max: float = 50.0, N: int = 1000, eps: float = 1e-5):
        self.sigma_min, self.sigma_max, self.N, self.eps = sigma_min, sigma_max, N, eps
        self.discrete_sigmas = torch.exp(torch.linspace(math.log(sigma_min), math.log(sigma_max), N))

    def sigma(self, t: torch.Tensor) -> torch.Tensor:
        # exp(t log r) rather than r ** t: the same function, and it traces to ONNX as plain ops.
        return self.sigma_min * torch.exp(t * math.log(self.sigma_max / self.sigma_min))

    def sde(self, x, t):
        g = self.sigma(t) * math.sqrt(2 * (math.log(self.sigma_max) - math.log(self.sigma_min)))
        return torch.zeros_like(x), g

    def marginal_prob(self, x0, t):
        return x0, self.sigma(t)

    def prior_sampling(self, shape, generator=None):
        return torch.randn(*shape, generator=generator) * self.sigma_max

    def discretize(self, x, t):
        """SMLD: f_i = 0, G_i = sqrt(sigma_i^2 - sigma_{i-1}^2) with sigma_{-1} = 0."""
        i = (t * (self.N - 1) / self.T).long()
        sigma = self.discrete_sigmas.to(t.device)[i]
        prev = torch.where(i == 0, torch.zeros_like(t), self.discrete_sigmas.to(t.device)[(i - 1).clamp(min=0)])
        return torch.zeros_like(x), torch.sqrt(sigma ** 2 - prev ** 2)

    def manifest(self):
        return {"type": "ve", "sigma_min": self.sigma_min, "sigma_max": self.sigma_max, "N": self.N, "eps": self.eps}


class VPSDE(SDE):
    type = "vp"

    def __init__(self, beta_min: float = 0.1, beta_max: float = 20.0, N: int = 1000, eps: float = 1e-3):
        self.beta_0, self.beta_1, self.N, self.eps = beta_min, beta_max, N, eps
        self.discrete_betas = torch.linspace(beta_min / N, beta_max / N, N)
        self.alphas = 1.0 - self.discrete_betas

    def beta(self, t: torch.Tensor) -> torch.Tensor:
        return self.beta_0 + t * (self.beta_1 - self.beta_0)

    def log_mean_coeff(self, t: torch.Tensor) -> torch.Tensor:
        return -0.25 * t ** 2 * (self.beta_1 - self.beta_0) - 0.5 * t * self.beta_0

    def sde(self, x, t):
        beta = self.beta(t)
        return -0.5 * _bcast(beta, x) * x, torch.sqrt(beta)

    def marginal_prob(self, x0, t):
        lmc = self.log_mean_coeff(t)
        return _bcast(torch.exp(lmc), x0) * x0, torch.sqrt(1.0 - torch.exp(2.0 * lmc))

    def prior_sampling(self, shape, generator=None):
        return torch.randn(*shape, generator=generator)

    def discretize(self, x, t):
        """DDPM: f_i = (sqrt(alpha_i) - 1) x, G_i = sqrt(beta_i)."""
        i = (t * (self.N - 1) / self.T).long()
        beta = self.discrete_betas.to(t.device)[i]
        alpha = self.alphas.to(t.device)[i]
        return _bcast(torch.sqrt(alpha) - 1.0, x) * x, torch.sqrt(beta)

    def manifest(self):
        return {"type": "vp", "beta_min": self.beta_0, "beta_max": self.beta_1, "N": self.N, "eps": self.eps}


class SubVPSDE(VPSDE):
    type = "subvp"

    def sde(self, x, t):
        beta = self.beta(t)
        discount = 1.0 - torch.exp(-2.0 * self.beta_0 * t - (self.beta_1 - self.beta_0) * t ** 2)
        return -0.5 * _bcast(beta, x) * x, torch.sqrt(beta * discount)

    def marginal_prob(self, x0, t):
        lmc = self.log_mean_coeff(t)
        return _bcast(torch.exp(lmc), x0) * x0, 1.0 - torch.exp(2.0 * lmc)

    def discretize(self, x, t):
        return SDE.discretize(self, x, t)

    def manifest(self):
        return {**super().manifest(), "type": "subvp"}


def make_sde(kind: str, **params) -> SDE:
    if kind == "ve":
        return VESDE(**params)
    if kind == "vp":
        return VPSDE(**params)
    if kind == "subvp":
        return SubVPSDE(**params)
    raise ValueError(f"unknown SDE type {kind!r}; expected ve, vp or subvp")


@torch.no_grad()
def reverse_sde_sample(score_fn, sde: SDE, shape, steps: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Euler-Maruyama on the reverse SDE dx = [f - g^2 s] dt + g dw, from t=1 to t=eps.

    The last step returns the mean without noise (the "noise removal" of score_sde).
    `score_fn(x, t)` returns the score. Meant for cheap preview grids during training;
    the editor's engine has the full set of samplers.
    """
    x = sde.prior_sampling(shape, generator=generator)
    times = torch.linspace(sde.T, sde.eps, steps)
    dt = -(sde.T - sde.eps) / steps
    x_mean = x
    for time in times:
        t = torch.full((shape[0],), float(time))
        drift, diffusion = sde.sde(x, t)
        g = _bcast(diffusion, x)
        x_mean = x + (drift - g ** 2 * score_fn(x, t)) * dt
        x = x_mean + g * math.sqrt(-dt) * torch.randn(x.shape, generator=generator)
    return x_mean
