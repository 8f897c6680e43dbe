import math

import numpy as np
import pytest
import torch

from training.sde import SubVPSDE, VESDE, VPSDE, make_sde, reverse_sde_sample

TIMES = torch.tensor([1e-3, 0.1, 0.25, 0.5, 0.9, 1.0], dtype=torch.float64)


def _lmc(t, b0=0.1, b1=20.0):
    return -t ** 2 * (b1 - b0) / 4 - t * b0 / 2


def test_vp_marginal_matches_closed_form():
    sde = VPSDE()
    x0 = torch.full((len(TIMES), 1, 2, 2), 0.7, dtype=torch.float64)
    mean, std = sde.marginal_prob(x0, TIMES)
    for i, t in enumerate(TIMES.tolist()):
        assert mean[i].flatten()[0].item() == pytest.approx(math.exp(_lmc(t)) * 0.7, rel=1e-12)
        assert std[i].item() == pytest.approx(math.sqrt(1 - math.exp(2 * _lmc(t))), rel=1e-12)
    # At t=1 the data is almost gone: mean coefficient exp(-5.025).
    assert mean[-1].flatten()[0].item() / 0.7 == pytest.approx(math.exp(-5.025), rel=1e-12)


def test_subvp_std_is_one_minus_vp_variance_ratio():
    sde = SubVPSDE()
    _, std = sde.marginal_prob(torch.zeros(len(TIMES), 1, dtype=torch.float64), TIMES)
    expected = [1 - math.exp(2 * _lmc(t)) for t in TIMES.tolist()]
    assert std.tolist() == pytest.approx(expected, rel=1e-12)


def test_ve_std_is_geometric_and_prior_has_sigma_max():
    sde = VESDE(sigma_min=0.01, sigma_max=50.0)
    x0 = torch.randn(len(TIMES), 3, dtype=torch.float64)
    mean, std = sde.marginal_prob(x0, TIMES)
    assert torch.equal(mean, x0)
    assert std.tolist() == pytest.approx([0.01 * 5000 ** t for t in TIMES.tolist()], rel=1e-12)
    prior = sde.prior_sampling((20000,), generator=torch.Generator().manual_seed(0))
    assert prior.std().item() == pytest.approx(50.0, rel=0.03)


@pytest.mark.parametrize("sde", [VESDE(), VPSDE(), SubVPSDE()], ids=["ve", "vp", "subvp"])
def test_marginal_variance_solves_the_forward_sde(sde):
    # For x0 = 0 the variance v(t) of the linear SDE obeys dv/dt = 2 f'(t) v + g(t)^2,
    # with f'(t) = -beta/2 (VP, sub-VP) or 0 (VE): the drift, diffusion and marginals agree.
    t = torch.linspace(0.05, 0.95, 10, dtype=torch.float64)
    h = 1e-5
    var = lambda s: sde.marginal_prob(torch.zeros(len(s), 1, dtype=torch.float64), s)[1] ** 2  # noqa: E731
    dv = (var(t + h) - var(t - h)) / (2 * h)
    drift, g = sde.sde(torch.ones(len(t), 1, dtype=torch.float64), t)
    expected = 2 * drift[:, 0] * var(t) + g ** 2
    assert torch.allclose(dv, expected, rtol=1e-5)


def test_vp_discretization_is_ddpm():
    sde = VPSDE(N=1000)
    x = torch.ones(3, 1, dtype=torch.float64)
    t = torch.tensor([0.0, 0.5, 1.0], dtype=torch.float64)
    f, G = sde.discretize(x, t)
    betas = np.linspace(0.1 / 1000, 20 / 1000, 1000)
    idx = [0, 499, 999]
    assert G.tolist() == pytest.approx(np.sqrt(betas[idx]).tolist(), rel=1e-6)
    # The table is float32, so sqrt(alpha) - 1 near alpha = 1 is good to ~1e-8 absolute.
    assert f[:, 0].tolist() == pytest.approx((np.sqrt(1 - betas[idx]) - 1).tolist(), rel=1e-5, abs=2e-8)


def test_ve_discretization_is_smld():
    sde = VESDE(sigma_min=0.01, sigma_max=50.0, N=1000)
    sigmas = np.exp(np.linspace(np.log(0.01), np.log(50.0), 1000))
    t = torch.tensor([0.0, 0.5, 1.0])
    f, G = sde.discretize(torch.ones(3, 1), t)
    assert torch.all(f == 0)
    assert G[0].item() == pytest.approx(sigmas[0], rel=1e-5)
    assert G[1].item() == pytest.approx(math.sqrt(sigmas[499] ** 2 - sigmas[498] ** 2), rel=1e-4)
    assert G[2].item() == pytest.approx(math.sqrt(sigmas[999] ** 2 - sigmas[998] ** 2), rel=1e-4)


def test_subvp_discretization_is_euler_maruyama():
    sde = SubVPSDE(N=1000)
    x = torch.full((2, 1), 0.3)
    t = torch.tensor([0.2, 0.8])
    f, G = sde.discretize(x, t)
    drift, g = sde.sde(x, t)
    assert torch.allclose(f, drift / 1000) and torch.allclose(G, g / math.sqrt(1000))


def test_make_sde_and_manifest():
    assert make_sde("vp").manifest() == {"type": "vp", "beta_min": 0.1, "beta_max": 20.0, "N": 1000, "eps": 1e-3}
    assert make_sde("ve", sigma_max=90.0).manifest()["sigma_max"] == 90.0
    assert make_sde("subvp").manifest()["type"] == "subvp"
    with pytest.raises(ValueError):
        make_sde("cld")


@pytest.mark.parametrize("sde", [VPSDE(), VESDE(sigma_min=0.01, sigma_max=5.0)], ids=["vp", "ve"])
def test_reverse_sde_with_exact_score_recovers_a_gaussian(sde):
    # Data N(0, s0^2) has p_t = N(0, m(t)^2 s0^2 + std(t)^2): the exact score is known.
    s0 = 0.5

    def score(x, t):
        mean, std = sde.marginal_prob(torch.ones_like(x), t)
        var = (mean * s0) ** 2 + std[:, None] ** 2
        return -x / var

    x = reverse_sde_sample(score, sde, (4000, 1), steps=300, generator=torch.Generator().manual_seed(0))
    assert x.mean().item() == pytest.approx(0.0, abs=0.05)
    assert x.std().item() == pytest.approx(s0, rel=0.08)
