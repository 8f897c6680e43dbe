"""Continuous denoising score matching (Song et al. 2021, Eq. 7) with lambda(t) = std(t)^2.

  L = E_t E_x0 E_z [ lambda(t) || s_theta(x_t, t) - grad log p_0t(x_t | x0) ||^2 ],
  x_t = mean(x0, t) + std(t) z,  grad log p_0t = -z / std(t),  t ~ U(eps, 1).

With lambda = std^2 the integrand is || std * s_theta + z ||^2, which covers both
parameterizations used here:
- VE: the network outputs the score (already divided by sigma(t) inside the U-Net),
  so the residual is std * s + z.
- VP / sub-VP: the network outputs the noise estimate eps_theta and the score is
  -eps_theta / std; substituting gives exactly || z - eps_theta ||^2 (DDPM's loss).
  Predicting noise keeps the output O(1) at small t, where std -> 0 and the score blows up.
The squared error is averaged over pixels (not summed as in score_sde): only a constant
factor, and it keeps logged numbers comparable between image sizes.
"""
from __future__ import annotations

import torch
from torch import nn

from .sde import SDE, VESDE


def predicts_noise(sde: SDE) -> bool:
    return not isinstance(sde, VESDE)


def dsm_loss(model: nn.Module, sde: SDE, x0: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    b = x0.shape[0]
    # Drawn on the CPU generator and moved: the same seed gives the same batch on any device.
    t = (torch.rand(b, generator=generator) * (sde.T - sde.eps) + sde.eps).to(x0.device)
    z = torch.randn(x0.shape, generator=generator).to(x0.device)
    mean, std = sde.marginal_prob(x0, t)
    std_b = std[:, None, None, None]
    out = model(mean + std_b * z, t)
    residual = out - z if predicts_noise(sde) else out * std_b + z
    return residual.pow(2).mean()


def score_from_output(sde: SDE, out: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """The network's output converted to a score, as the editor's engine does it."""
    if not predicts_noise(sde):
        return out
    _, std = sde.marginal_prob(torch.zeros(1, device=t.device), t)
    return -out / std[:, None, None, None]
