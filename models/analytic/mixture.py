"""Exact float64 math of an isotropic Gaussian mixture perturbed by an SDE.

Data p_0 = sum_k w_k N(mu_k, s_k^2 I). The SDE's kernel p_0t(x_t | x_0) = N(m x_0, std^2 I) maps
it to p_t = sum_k w_k N(m mu_k, v_k I) with v_k = m^2 s_k^2 + std^2, whose score, log-density and
class posteriors are closed forms. `m` and `std` come from the SDE (reference.sde_reference) and
may be scalars or one value per batch item. Points are flattened: x has shape [B, D].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GaussianMixture:
    weights: np.ndarray  # [K], sums to 1
    means: np.ndarray  # [K, D]
    stds: np.ndarray  # [K]

    @classmethod
    def from_lists(cls, weights, means, stds) -> GaussianMixture:
        mixture = cls(np.asarray(weights, float), np.asarray(means, float), np.asarray(stds, float))
        if not math.isclose(mixture.weights.sum(), 1.0, abs_tol=1e-12):
            raise ValueError("mixture weights must sum to 1")
        return mixture

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    def to_json(self) -> dict:
        return {
            "weights": self.weights.tolist(),
            "means": self.means.tolist(),
            "stds": self.stds.tolist(),
        }

    def _perturbed(self, x: np.ndarray, m, std) -> tuple[np.ndarray, np.ndarray]:
        """diff_k = x - m mu_k [B, K, D] and v_k [B, K]."""
        m, std = _per_item(m, x.shape[0]), _per_item(std, x.shape[0])
        diff = x[:, None, :] - m[:, :, None] * self.means[None]
        var = m**2 * self.stds[None] ** 2 + std**2
        return diff, var

    def logits(self, x: np.ndarray, m, std) -> np.ndarray:
        """log w_k + log N(x; m mu_k, v_k I): the log joint of x and class k, [B, K]."""
        diff, var = self._perturbed(x, m, std)
        sq = np.sum(diff**2, axis=2)
        return np.log(self.weights) - 0.5 * self.dim * np.log(2 * np.pi * var) - sq / (2 * var)

    def log_density(self, x: np.ndarray, m, std) -> np.ndarray:
        return _logsumexp(self.logits(x, m, std))

    def posterior(self, x: np.ndarray, m, std) -> np.ndarray:
        logits = self.logits(x, m, std)
        return np.exp(logits - _logsumexp(logits)[:, None])

    def component_scores(self, x: np.ndarray, m, std) -> np.ndarray:
        """grad_x log N_k(x) for every component, [B, K, D]."""
        diff, var = self._perturbed(x, m, std)
        return -diff / var[:, :, None]

    def score(self, x: np.ndarray, m, std) -> np.ndarray:
        post = self.posterior(x, m, std)
        return np.einsum("bk,bkd->bd", post, self.component_scores(x, m, std))

    def class_grad(self, x: np.ndarray, y: np.ndarray, m, std) -> np.ndarray:
        """grad_x log p_t(y | x) = score of component y minus the mixture score, [B, D], summed as
        sum_k post_k (score_y - score_k) so that it stays accurate where post_y is close to 1."""
        scores = self.component_scores(x, m, std)
        gaps = scores[np.arange(x.shape[0]), y][:, None, :] - scores
        return np.einsum("bk,bkd->bd", self.posterior(x, m, std), gaps)

    def sample(self, rng: np.random.Generator, n: int, m=1.0, std=0.0):
        """n points of p_t (p_0 by default) and their components."""
        labels = rng.choice(len(self.weights), size=n, p=self.weights)
        m, std = _per_item(m, n), _per_item(std, n)
        spread = np.sqrt(m**2 * self.stds[labels, None] ** 2 + std**2)
        return m * self.means[labels] + spread * rng.standard_normal((n, self.dim)), labels


def _per_item(value, n: int) -> np.ndarray:
    """A scalar or one value per item as an [n, 1] column."""
    return np.broadcast_to(np.asarray(value, float), (n,))[:, None]


def _logsumexp(a: np.ndarray) -> np.ndarray:
    peak = a.max(axis=1)
    return peak + np.log(np.sum(np.exp(a - peak[:, None]), axis=1))
