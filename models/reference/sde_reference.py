"""Float64 numpy reference of the SDEs, predictors and correctors of Song et al. (ICLR 2021).

Written from the paper and score_sde's `sde_lib.py` / `sampling.py`, independently of the TypeScript
engine, so that the engine's tests compare two implementations rather than one with itself. Arrays
are batches [B, ...]; time `t` is one scalar for the whole batch, as in the engine. Every random
draw is an argument (`noise`), so a step is a pure function and its output can be checked exactly.

Where score_sde evaluates `t * (N - 1) / T` in float32 and truncates, this module does it in float64
(the rule both implementations agree on); where it computes 1 - exp(a) directly, this one uses
expm1, which only differs in the last bits.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Callable

import numpy as np

ScoreFn = Callable[[np.ndarray, float], np.ndarray]


class Sde(ABC):
    """Forward SDE dx = f(x, t) dt + g(t) dw on t in [0, T]; f is linear in x for all three SDEs."""

    T = 1.0
    type: str

    def __init__(self, N: int, eps: float):
        self.N = N
        self.eps = eps

    @abstractmethod
    def drift_coef(self, t: float) -> float:
        """c(t) in f(x, t) = c(t) x."""

    @abstractmethod
    def diffusion(self, t: float) -> float:
        """g(t)."""

    @abstractmethod
    def marginal(self, t: float) -> tuple[float, float]:
        """(m, s) of the perturbation kernel p_0t(x_t | x_0) = N(m x_0, s^2 I)."""

    @property
    @abstractmethod
    def prior_std(self) -> float:
        """Standard deviation of the Gaussian prior p_T."""

    def timestep(self, t: float) -> int:
        return min(self.N - 1, max(0, math.floor(t * (self.N - 1) / self.T)))

    def sde(self, x: np.ndarray, t: float) -> tuple[np.ndarray, float]:
        return self.drift_coef(t) * x, self.diffusion(t)

    def discretize(self, x: np.ndarray, t: float) -> tuple[np.ndarray, float]:
        """Euler-Maruyama step: x_{i+1} = x_i + f_i + G_i z (score_sde's default)."""
        dt = 1.0 / self.N
        drift, g = self.sde(x, t)
        return drift * dt, g * math.sqrt(dt)

    def prior_logp(self, z: np.ndarray) -> np.ndarray:
        flat = z.reshape(z.shape[0], -1)
        d = flat.shape[1]
        var = self.prior_std**2
        return -0.5 * d * math.log(2 * math.pi * var) - np.sum(flat**2, axis=1) / (2 * var)

    def langevin_alpha(self, t: float) -> float:
        return 1.0


class VeSde(Sde):
    type = "ve"

    def __init__(self, sigma_min: float, sigma_max: float, N: int = 1000, eps: float = 1e-5):
        super().__init__(N, eps)
        self.sigma_min = sigma_min
        self.sigma_max = sigma_max
        self.discrete_sigmas = np.exp(np.linspace(math.log(sigma_min), math.log(sigma_max), N))

    @property
    def prior_std(self) -> float:
        return self.sigma_max

    def sigma(self, t: float) -> float:
        return self.sigma_min * (self.sigma_max / self.sigma_min) ** t

    def drift_coef(self, t: float) -> float:
        return 0.0

    def diffusion(self, t: float) -> float:
        return self.sigma(t) * math.sqrt(2 * math.log(self.sigma_max / self.sigma_min))

    def marginal(self, t: float) -> tuple[float, float]:
        return 1.0, self.sigma(t)

    def sigma_pair(self, t: float) -> tuple[float, float]:
        """(sigma_i, sigma_{i-1}) of the SMLD noise levels, with sigma_{-1} = 0."""
        i = self.timestep(t)
        prev = 0.0 if i == 0 else float(self.discrete_sigmas[i - 1])
        return float(self.discrete_sigmas[i]), prev

    def discretize(self, x: np.ndarray, t: float) -> tuple[np.ndarray, float]:
        sigma, prev = self.sigma_pair(t)
        return np.zeros_like(x), math.sqrt(sigma**2 - prev**2)


class _LinearBetaSde(Sde):
    """The linear schedule beta(t) = b0 + t (b1 - b0) shared by VP and sub-VP."""

    def __init__(self, beta_min: float, beta_max: float, N: int = 1000, eps: float = 1e-3):
        super().__init__(N, eps)
        self.beta_min = beta_min
        self.beta_max = beta_max
        self.discrete_betas = np.linspace(beta_min / N, beta_max / N, N)

    @property
    def prior_std(self) -> float:
        return 1.0

    def beta(self, t: float) -> float:
        return self.beta_min + t * (self.beta_max - self.beta_min)

    def log_mean_coef(self, t: float) -> float:
        return -0.25 * t**2 * (self.beta_max - self.beta_min) - 0.5 * t * self.beta_min

    def drift_coef(self, t: float) -> float:
        return -0.5 * self.beta(t)

    def discrete_beta(self, t: float) -> float:
        return float(self.discrete_betas[self.timestep(t)])

    def langevin_alpha(self, t: float) -> float:
        return 1.0 - self.discrete_beta(t)


class VpSde(_LinearBetaSde):
    type = "vp"

    def diffusion(self, t: float) -> float:
        return math.sqrt(self.beta(t))

    def marginal(self, t: float) -> tuple[float, float]:
        lmc = self.log_mean_coef(t)
        return math.exp(lmc), math.sqrt(-math.expm1(2 * lmc))

    def discretize(self, x: np.ndarray, t: float) -> tuple[np.ndarray, float]:
        """DDPM: x_{i+1} = sqrt(1 - beta_i) x_i + sqrt(beta_i) z."""
        beta = self.discrete_beta(t)
        return (math.sqrt(1.0 - beta) - 1.0) * x, math.sqrt(beta)


class SubVpSde(_LinearBetaSde):
    type = "subvp"

    def diffusion(self, t: float) -> float:
        discount = -math.expm1(-2 * self.beta_min * t - (self.beta_max - self.beta_min) * t**2)
        return math.sqrt(self.beta(t) * discount)

    def marginal(self, t: float) -> tuple[float, float]:
        lmc = self.log_mean_coef(t)
        return math.exp(lmc), -math.expm1(2 * lmc)


def sde_from_params(params: dict) -> Sde:
    """Build an SDE from a model manifest's `sde` object."""
    kind = params["type"]
    if kind == "ve":
        return VeSde(params["sigma_min"], params["sigma_max"], params["N"], params["eps"])
    if kind == "vp":
        return VpSde(params["beta_min"], params["beta_max"], params["N"], params["eps"])
    if kind == "subvp":
        return SubVpSde(params["beta_min"], params["beta_max"], params["N"], params["eps"])
    raise ValueError(f"unknown SDE type {kind!r}")


class ReverseSde:
    """Reverse-time SDE, or with probability_flow the probability-flow ODE, of a forward SDE."""

    def __init__(self, forward: Sde, score_fn: ScoreFn, probability_flow: bool):
        self.forward = forward
        self.score_fn = score_fn
        self.probability_flow = probability_flow
        self._weight = 0.5 if probability_flow else 1.0

    def sde(self, x: np.ndarray, t: float) -> tuple[np.ndarray, float]:
        drift, g = self.forward.sde(x, t)
        drift = drift - g**2 * self.score_fn(x, t) * self._weight
        return drift, 0.0 if self.probability_flow else g

    def discretize(self, x: np.ndarray, t: float) -> tuple[np.ndarray, float]:
        f, G = self.forward.discretize(x, t)
        rev_f = f - G**2 * self.score_fn(x, t) * self._weight
        return rev_f, 0.0 if self.probability_flow else G


# Predictors and correctors return (x, x_mean): the next state and its noise-free part.


def euler_maruyama(sde, score_fn, x, t, noise, probability_flow=False):
    dt = -1.0 / sde.N
    drift, g = ReverseSde(sde, score_fn, probability_flow).sde(x, t)
    x_mean = x + drift * dt
    return x_mean + g * math.sqrt(-dt) * noise, x_mean


def reverse_diffusion(sde, score_fn, x, t, noise, probability_flow=False):
    f, G = ReverseSde(sde, score_fn, probability_flow).discretize(x, t)
    x_mean = x - f
    return x_mean + G * noise, x_mean


def ancestral(sde, score_fn, x, t, noise, probability_flow=False):
    """Ancestral sampling of SMLD (VE) and DDPM (VP); score_sde defines it for no other SDE."""
    if probability_flow:
        raise ValueError("ancestral sampling has no probability-flow form")
    score = score_fn(x, t)
    if isinstance(sde, VeSde):
        sigma, prev = sde.sigma_pair(t)
        var_step = sigma**2 - prev**2
        x_mean = x + score * var_step
        return x_mean + math.sqrt(prev**2 * var_step / sigma**2) * noise, x_mean
    if isinstance(sde, VpSde):
        beta = sde.discrete_beta(t)
        x_mean = (x + beta * score) / math.sqrt(1.0 - beta)
        return x_mean + math.sqrt(beta) * noise, x_mean
    raise ValueError(f"ancestral sampling is not defined for the {sde.type} SDE")


def _batch_mean_norm(a: np.ndarray) -> float:
    return float(np.mean(np.linalg.norm(a.reshape(a.shape[0], -1), axis=1)))


def _langevin_steps(x, noises, score_fn, t, step_size):
    x_mean = x
    for noise in noises:
        grad = score_fn(x, t)
        step = step_size(grad, noise)
        x_mean = x + step * grad
        x = x_mean + math.sqrt(2 * step) * noise
    return x, x_mean


def langevin(sde, score_fn, x, t, noises, snr):
    """Langevin corrector; `noises` holds one standard-normal array per step (n_steps of them)."""
    alpha = sde.langevin_alpha(t)

    def step_size(grad, noise):
        return 2 * alpha * (snr * _batch_mean_norm(noise) / _batch_mean_norm(grad)) ** 2

    return _langevin_steps(x, noises, score_fn, t, step_size)


def annealed_langevin(sde, score_fn, x, t, noises, snr):
    """Annealed Langevin dynamics of SMLD: the step follows the marginal std, not the norms."""
    alpha = sde.langevin_alpha(t)
    std = sde.marginal(t)[1]
    return _langevin_steps(x, noises, score_fn, t, lambda _g, _n: 2 * alpha * (snr * std) ** 2)


PREDICTORS = {
    "euler_maruyama": euler_maruyama,
    "reverse_diffusion": reverse_diffusion,
    "ancestral": ancestral,
}
CORRECTORS = {"langevin": langevin, "annealed_langevin": annealed_langevin}


def gaussian_score(sde: Sde, mu: float, s0: float) -> ScoreFn:
    """Exact score of data N(mu, s0^2) (every pixel independent) perturbed by `sde`."""

    def score(x: np.ndarray, t: float) -> np.ndarray:
        m, std = sde.marginal(t)
        return -(x - m * mu) / (m**2 * s0**2 + std**2)

    return score
