"""The aggregate posterior's density against a direct computation, its marginals, and the densest-first order."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from vae_core import holes
from vae_core.errors import UserError


def _mixture(seed=0, n=7, d=3):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.normal(-1, 0.5, size=(n, d))


def test_log_q_equals_the_mixture_of_gaussians_computed_directly():
    mean, log_var = _mixture()
    z = np.random.default_rng(1).normal(size=(5, 3))
    direct = np.log(np.mean([multivariate_normal(m, np.diag(np.exp(v))).pdf(z)
                             for m, v in zip(mean, log_var, strict=True)], 0))
    np.testing.assert_allclose(holes.log_q(z, mean, log_var), direct, rtol=1e-10)


def test_the_marginal_over_two_dimensions_integrates_the_others_out():
    mean, log_var = _mixture()
    z2 = np.array([[0.3, -0.2], [2.0, 1.0]])
    direct = np.log(np.mean([multivariate_normal(m[[0, 2]], np.diag(np.exp(v[[0, 2]]))).pdf(z2)
                             for m, v in zip(mean, log_var, strict=True)], 0))
    np.testing.assert_allclose(holes.log_q(z2, mean, log_var, dims=(0, 2)), direct, rtol=1e-10)


def test_blocks_give_the_same_values_as_one_pass(monkeypatch):
    mean, log_var = _mixture(n=30)
    z = np.random.default_rng(2).normal(size=(50, 3))
    whole = holes.log_q(z, mean, log_var)
    monkeypatch.setattr(holes, "CHUNK", 7)
    np.testing.assert_allclose(holes.log_q(z, mean, log_var), whole)


def test_points_between_two_clusters_are_the_emptiest():
    mean = np.array([[-4.0, 0.0], [4.0, 0.0]])
    log_var = np.log(np.full((2, 2), 0.25))
    z = np.array([[0.0, 0.0], [-4.0, 0.1], [4.0, 0.0], [2.0, 0.0]])
    order, values = holes.by_density(z, mean, log_var)
    assert order[-1] == 0 and order[-2] == 3  # the gap's centre is emptier than its shoulder
    assert set(order[:2]) == {1, 2}
    assert values[0] < values[3] < values[1]


def test_the_plane_puts_the_second_dimension_down_the_rows():
    mean, log_var = np.array([[2.0, -1.0]]), np.log(np.full((1, 2), 0.1))
    grid = holes.plane(mean, log_var, (0, 1), span=3.0, n=31)
    row, col = np.unravel_index(np.argmax(grid["log_q"]), grid["log_q"].shape)
    assert grid["axis"][col] == pytest.approx(2.0) and grid["axis"][row] == pytest.approx(-1.0)
    assert np.unravel_index(np.argmax(grid["log_p"]), (31, 31)) == (15, 15)
    assert grid["log_p"][15, 15] == pytest.approx(-np.log(2 * np.pi))


def test_an_autoencoder_and_bad_shapes_get_one_sentence():
    with pytest.raises(UserError, match="autoencoder"):
        holes.log_q(np.zeros((1, 2)), np.zeros((3, 2)), np.full((3, 2), -np.inf))
    with pytest.raises(UserError):
        holes.log_q(np.zeros((1, 2)), np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(UserError):
        holes.plane(np.zeros((3, 2)), np.zeros((3, 2)), (0, 1), span=3.0, n=10_000)
