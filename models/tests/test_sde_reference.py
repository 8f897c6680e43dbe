"""Reference SDEs and samplers against closed forms; the committed fixture against them."""

import json
import math

import numpy as np
import pytest

from reference import make_reference_vectors as vectors
from reference import sde_reference as ref

MU, S0 = 0.3, 0.5


def make_sdes(N=1000):
    return {
        "ve": ref.VeSde(0.01, 50, N, 1e-5),
        "vp": ref.VpSde(0.1, 20, N, 1e-3),
        "subvp": ref.SubVpSde(0.1, 20, N, 1e-3),
    }


def zero_score(x, t):
    return np.zeros_like(x)


@pytest.mark.parametrize("kind", ["ve", "vp", "subvp"])
def test_marginal_solves_the_moment_equations_of_the_sde(kind):
    """For dx = c(t) x dt + g(t) dw: d mean/dt = c mean and d var/dt = 2 c var + g^2."""
    sde = make_sdes()[kind]
    steps = 20000
    checkpoints = {2000: 0.1, 6000: 0.3, 20000: 1.0}
    # VE's sigma(t) is not 0 at t = 0: its marginal is that of data already blurred by sigma_min
    mean, var = 1.0, sde.marginal(0.0)[1] ** 2
    for k in range(1, steps + 1):  # midpoint rule in time, exact enough at this step count
        t = (k - 0.5) / steps
        c, g = sde.drift_coef(t), sde.diffusion(t)
        mean += c * mean / steps
        var += (2 * c * var + g**2) / steps
        if k in checkpoints:
            m, std = sde.marginal(checkpoints[k])
            assert mean == pytest.approx(m, rel=1e-3)
            assert math.sqrt(var) == pytest.approx(std, rel=1e-3)


def test_marginal_closed_forms():
    sdes = make_sdes()
    assert sdes["ve"].marginal(0.0) == (1.0, pytest.approx(0.01))
    assert sdes["ve"].marginal(1.0) == (1.0, pytest.approx(50))
    for t in (1e-3, 0.3, 1.0):
        m, std = sdes["vp"].marginal(t)
        assert m**2 + std**2 == pytest.approx(1.0, abs=1e-15)
        assert sdes["subvp"].marginal(t) == (m, pytest.approx(std**2, rel=1e-14))


def test_timestep_rule():
    sde = make_sdes(N=10)["vp"]
    assert sde.timestep(1.0) == 9
    assert sde.timestep(sde.eps) == 0
    assert sde.timestep(0.0) == 0
    assert sde.timestep(2 / 9 + 1e-9) == 2
    assert sde.timestep(2 / 9 - 1e-9) == 1


def test_ve_discretization_telescopes_to_sigma_max():
    sde = make_sdes(N=50)["ve"]
    x = np.ones(3)
    total = sum(sde.discretize(x, (i + 0.5) / (sde.N - 1))[1] ** 2 for i in range(sde.N))
    assert total == pytest.approx(50**2, rel=1e-12)


def test_prior_logp_is_a_gaussian_log_density():
    z = np.array([[0.5, -1.0], [0.0, 2.0]])
    for sde, var in ((make_sdes()["vp"], 1.0), (make_sdes()["ve"], 2500.0)):
        expected = [-math.log(2 * math.pi * var) - np.sum(row**2) / (2 * var) for row in z]
        np.testing.assert_allclose(sde.prior_logp(z), expected, rtol=1e-14)


def test_probability_flow_euler_maruyama_with_zero_score_follows_the_forward_drift():
    x = np.array([[1.0, -2.0, 0.5]])
    sdes = make_sdes()
    out, mean = ref.euler_maruyama(sdes["ve"], zero_score, x, 0.4, np.ones_like(x), True)
    np.testing.assert_array_equal(out, x)
    vp = sdes["vp"]
    out, mean = ref.euler_maruyama(vp, zero_score, x, 0.4, np.ones_like(x), True)
    np.testing.assert_allclose(out, x * (1 + vp.beta(0.4) / (2 * vp.N)), rtol=1e-15)
    np.testing.assert_array_equal(out, mean)


def test_reverse_diffusion_with_zero_score_adds_only_the_discrete_noise():
    x, z = np.array([[1.0, -2.0]]), np.array([[0.3, 0.7]])
    ve = make_sdes(N=10)["ve"]
    sigma, prev = ve.discrete_sigmas[4], ve.discrete_sigmas[3]
    out, mean = ref.reverse_diffusion(ve, zero_score, x, 4.5 / 9, z)
    np.testing.assert_array_equal(mean, x)
    np.testing.assert_allclose(out, x + math.sqrt(sigma**2 - prev**2) * z, rtol=1e-15)
    out, mean = ref.reverse_diffusion(ve, zero_score, x, 4.5 / 9, z, probability_flow=True)
    np.testing.assert_array_equal(out, x)


def test_ancestral_closed_forms():
    x, z = np.array([[1.0, -2.0]]), np.array([[0.3, 0.7]])
    vp = ref.VpSde(0.1, 5, N=10)  # beta_max < N keeps the DDPM betas below 1
    beta = vp.discrete_betas[9]
    out, mean = ref.ancestral(vp, zero_score, x, 1.0, z)
    np.testing.assert_allclose(mean, x / math.sqrt(1 - beta), rtol=1e-15)
    np.testing.assert_allclose(out, mean + math.sqrt(beta) * z, rtol=1e-15)
    ve = make_sdes(N=10)["ve"]
    out, mean = ref.ancestral(ve, lambda x, t: -x, x, ve.eps, z)
    np.testing.assert_allclose(mean, x * (1 - 0.01**2), rtol=1e-15)
    np.testing.assert_array_equal(out, mean)  # sigma_{-1} = 0: the last step adds no noise
    with pytest.raises(ValueError):
        ref.ancestral(make_sdes()["subvp"], zero_score, x, 0.5, z)


def test_langevin_step_sizes():
    sde = make_sdes()["vp"]
    x = np.array([[3.0, 4.0], [0.0, 1.0]])
    noise = np.array([[[0.0, 2.0], [1.0, 0.0]]])  # norms 2 and 1
    grad = -x  # norms 5 and 1
    alpha = 1 - sde.discrete_betas[sde.timestep(0.5)]
    _, mean = ref.langevin(sde, lambda x, t: -x, x, 0.5, noise, snr=0.16)
    step = 2 * alpha * (0.16 * 1.5 / 3.0) ** 2
    np.testing.assert_allclose(mean, x + step * grad, rtol=1e-15)
    out, mean = ref.annealed_langevin(sde, lambda x, t: -x, x, 0.5, noise, snr=0.16)
    step = 2 * alpha * (0.16 * sde.marginal(0.5)[1]) ** 2
    np.testing.assert_allclose(mean, x + step * grad, rtol=1e-15)
    np.testing.assert_allclose(out, mean + math.sqrt(2 * step) * noise[0], rtol=1e-15)
    assert make_sdes()["ve"].langevin_alpha(0.5) == 1.0
    assert make_sdes()["subvp"].langevin_alpha(0.5) == alpha


@pytest.mark.parametrize("kind", ["ve", "vp", "subvp"])
@pytest.mark.parametrize("predictor", ["euler_maruyama", "reverse_diffusion"])
def test_probability_flow_keeps_the_standardized_gaussian_value(kind, predictor):
    """For Gaussian data the probability-flow ODE is the affine map keeping (x - m mu)/sqrt(v)."""
    sde = make_sdes()[kind]
    score_fn = ref.gaussian_score(sde, MU, S0)

    def standardize(x, t):
        m, std = sde.marginal(t)
        return (x - m * MU) / math.sqrt(m**2 * S0**2 + std**2)

    x = np.array([[-2.0, -0.5, 0.0, 1.0, 2.5]])
    z0 = standardize(x, 1.0)
    for t in np.linspace(1.0, sde.eps, sde.N):
        x, _ = ref.PREDICTORS[predictor](sde, score_fn, x, t, np.zeros_like(x), True)
    # DDPM's reverse diffusion is a first-order discretization of the flow: about 2% off at N = 1000
    np.testing.assert_allclose(standardize(x, sde.eps), z0, rtol=0.03, atol=0.01)


@pytest.mark.parametrize(
    "kind,predictor",
    [(k, p) for k in ("ve", "vp", "subvp") for p in ref.PREDICTORS
     if (k, p) != ("subvp", "ancestral")],
)
def test_reverse_sampling_recovers_the_gaussian_data(kind, predictor):
    sde = make_sdes()[kind]
    score_fn = ref.gaussian_score(sde, MU, S0)
    rng = np.random.default_rng(0)
    x = sde.prior_std * rng.standard_normal((4000, 1))
    for t in np.linspace(1.0, sde.eps, sde.N):
        x, x_mean = ref.PREDICTORS[predictor](sde, score_fn, x, t, rng.standard_normal(x.shape))
    assert x_mean.mean() == pytest.approx(MU, abs=0.04)
    assert x_mean.std() == pytest.approx(S0, abs=0.04)


def test_fixture_is_up_to_date_and_round_trips():
    doc = vectors.build()
    text = vectors.to_json(doc) + "\n"
    assert json.loads(text) == doc
    stale = "stale fixture: rerun cd models && python3 -m reference.make_reference_vectors"
    assert vectors.OUTPUT.read_text() == text, stale


def test_fixture_covers_every_step_kind():
    doc = json.loads(vectors.OUTPUT.read_text())
    assert [s["name"] for s in doc["sdes"]] == [name for name, _ in vectors.SDE_CASES]
    for entry in doc["sdes"]:
        sde = ref.sde_from_params(entry["params"])
        times = {s["t"] for s in entry["steps"]}
        assert {1.0, sde.eps} <= times
        kinds = {(s["name"], s.get("probability_flow")) for s in entry["steps"]}
        expected = set(vectors.PREDICTOR_MODES) | {("langevin", None), ("annealed_langevin", None)}
        if sde.type == "subvp":
            expected.discard(("ancestral", False))
        assert kinds == expected
        for step in entry["steps"]:
            values = step["x"] + step["noise"] + step["out_x"] + step["out_x_mean"]
            assert all(math.isfinite(v) for v in values)
            # the mid times sit halfway between discretization boundaries
            position = step["t"] * (sde.N - 1)
            assert step["t"] in (1.0, sde.eps) or abs(position - math.floor(position) - 0.5) < 1e-9
