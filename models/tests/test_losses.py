import numpy as np
import torch
from torch import nn

from training.data import load_split, to_model_range
from training.losses import dsm_loss, predicts_noise, score_from_output
from training.sde import SubVPSDE, VESDE, VPSDE
from training.unet import ScoreUNet


class OptimalForOnePoint(nn.Module):
    """The exact denoiser when the whole data set is the single image x0."""

    def __init__(self, sde, x0):
        super().__init__()
        self.sde, self.x0 = sde, x0

    def forward(self, x, t):
        mean, std = self.sde.marginal_prob(self.x0.expand_as(x), t)
        z = (x - mean) / std[:, None, None, None]
        return z if predicts_noise(self.sde) else -z / std[:, None, None, None]


def test_the_exact_score_of_a_point_mass_has_zero_loss():
    x0 = torch.rand(1, 1, 4, 4) * 2 - 1
    for sde in (VPSDE(), SubVPSDE(), VESDE()):
        loss = dsm_loss(OptimalForOnePoint(sde, x0), sde, x0.expand(8, -1, -1, -1), torch.Generator().manual_seed(0))
        assert loss.item() < 1e-8


def test_noise_loss_equals_sigma_squared_weighted_score_matching():
    # lambda(t) || s - grad log p_0t ||^2 with s = -eps_theta / std equals || eps_theta - z ||^2.
    sde = VPSDE()
    x0 = torch.rand(6, 1, 4, 4) * 2 - 1
    fixed = torch.randn(6, 1, 4, 4)
    model = lambda x, t: fixed  # noqa: E731
    loss = dsm_loss(model, sde, x0, torch.Generator().manual_seed(3))

    g = torch.Generator().manual_seed(3)
    t = torch.rand(6, generator=g) * (1 - sde.eps) + sde.eps
    z = torch.randn(x0.shape, generator=g)
    _, std = sde.marginal_prob(x0, t)
    score = score_from_output(sde, fixed, t)
    target = -z / std[:, None, None, None]
    weighted = (std[:, None, None, None] ** 2 * (score - target) ** 2).mean()
    assert torch.allclose(loss, weighted, rtol=1e-5)


def test_loss_decreases_on_a_tiny_run(tiny_config):
    torch.manual_seed(0)
    cfg = tiny_config()
    sde = cfg.make_sde()
    model = ScoreUNet(cfg.unet, sde)
    images, _ = load_split("fashion-mnist", "test")
    x0 = torch.from_numpy(to_model_range(images[:16]))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(40):
        # Same t and z every step: the objective is fixed, so it must go down.
        loss = dsm_loss(model, sde, x0, torch.Generator().manual_seed(0))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert np.mean(losses[-5:]) < 0.6 * np.mean(losses[:5])
