import numpy as np
import pytest

from training.frechet import feature_stats, frechet_distance, frechet_distance_of


def _sqrtm_denman_beavers(m, iterations=60):
    # An independent square root for a non-symmetric matrix with positive eigenvalues.
    y, z = m.copy(), np.eye(len(m))
    for _ in range(iterations):
        y, z = (y + np.linalg.inv(z)) / 2, (z + np.linalg.inv(y)) / 2
    return y


def test_identical_sets_are_at_distance_zero():
    f = np.random.default_rng(0).normal(size=(500, 6))
    assert abs(frechet_distance_of(f, f)) < 1e-9


def test_matches_closed_form_for_commuting_covariances():
    # Diagonal covariances: FD = |dmu|^2 + sum (s1 - s2)^2 over standard deviations.
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    s1, s2 = np.array([1.0, 2.0, 0.5]), np.array([3.0, 2.0, 1.5])
    fd = frechet_distance(mu1, np.diag(s1 ** 2), mu2, np.diag(s2 ** 2))
    assert fd == pytest.approx(5.0 + ((s1 - s2) ** 2).sum(), rel=1e-10)


def test_matches_direct_formula_for_general_covariances():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(4, 4)), rng.normal(size=(4, 4))
    c1, c2 = a @ a.T + 0.1 * np.eye(4), b @ b.T + 0.1 * np.eye(4)
    root = _sqrtm_denman_beavers(c1 @ c2)
    assert np.allclose(root @ root, c1 @ c2)
    expected = np.trace(c1) + np.trace(c2) - 2 * np.trace(root)
    assert frechet_distance(np.zeros(4), c1, np.zeros(4), c2) == pytest.approx(expected, rel=1e-9)
    # Symmetric in its arguments.
    assert frechet_distance(np.zeros(4), c2, np.zeros(4), c1) == pytest.approx(expected, rel=1e-9)


def test_grows_with_shift_and_scale_of_samples():
    rng = np.random.default_rng(2)
    f = rng.normal(size=(4000, 3))
    g = rng.normal(size=(4000, 3))
    near = frechet_distance_of(f, g)
    shifted = frechet_distance_of(f, g + 1.0)
    scaled = frechet_distance_of(f, 2.0 * g)
    assert near < 0.05
    assert shifted == pytest.approx(3.0, abs=0.15)
    assert scaled == pytest.approx(3.0, abs=0.15)


def test_rejects_too_few_samples():
    with pytest.raises(ValueError):
        feature_stats(np.zeros((1, 3)))
