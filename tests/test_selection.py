"""The Gaussian fitted to a selection's posteriors: its moments against a large sample of the mixture."""

import numpy as np
import pytest

from vae_core import selection
from vae_core.errors import UserError


def test_fit_matches_the_moments_of_a_sample_of_the_mixture():
    rng = np.random.default_rng(0)
    mean = np.array([[-2.0, 0.0], [2.0, 1.0], [0.0, 3.0]])
    log_var = np.log(np.array([[0.5, 0.1], [0.2, 0.3], [1.0, 1.0]]))
    which = rng.integers(0, 3, 400_000)
    sample = mean[which] + rng.normal(size=(400_000, 2)) * np.exp(0.5 * log_var[which])
    m, c = selection.fit(mean, log_var)
    np.testing.assert_allclose(m, sample.mean(0), atol=0.01)
    np.testing.assert_allclose(c, np.cov(sample.T), atol=0.02)


def test_draws_follow_the_fit_and_the_seed():
    mean, cov = np.array([1.0, -1.0]), np.array([[0.5, 0.2], [0.2, 0.3]])
    a = selection.draw(mean, cov, 64, seed=3)
    assert a.shape == (64, 2) and np.array_equal(a, selection.draw(mean, cov, 64, seed=3))
    assert not np.array_equal(a, selection.draw(mean, cov, 64, seed=4))
    many = np.random.default_rng(1).multivariate_normal(mean, cov, 10_000)
    assert abs(a.mean(0) - many.mean(0)).max() < 0.3


def test_one_autoencoder_code_draws_that_code():
    m, c = selection.fit(np.array([[0.5, 2.0]]), np.full((1, 2), -np.inf))
    np.testing.assert_allclose(selection.draw(m, c, 3, 0), [[0.5, 2.0]] * 3, atol=1e-6)


def test_bad_selections_get_one_sentence():
    with pytest.raises(UserError):
        selection.fit(np.zeros((0, 2)), np.zeros((0, 2)))
    with pytest.raises(UserError):
        selection.draw(np.zeros(2), np.eye(2), 10_000, 0)


def test_posterior_sigma_is_the_mean_standard_deviation():
    np.testing.assert_allclose(selection.posterior_sigma(np.log([[0.25, 4.0]])), [1.25])


def test_digit_values_against_the_core_and_from_the_disk_cache(tiny, mnist, tmp_path):
    from vae_core import result_cache
    from vae_core.classifier import SHIPPED, read_digits
    from vae_core.evaluate import kl_per_image, per_image_losses

    x = mnist.x_test[:40]
    z_mean, z_log_var = tiny.fast.encode(x)
    recon, kl = per_image_losses(tiny, x, seed=0)
    expected = {"kl": kl_per_image(z_mean, z_log_var), "sigma": np.exp(0.5 * z_log_var).mean(1),
                "negative_elbo": recon + kl, "confidence": read_digits(tiny.fast.decode(z_mean), SHIPPED)[1]}
    for quantity, values in expected.items():
        got = selection.digit_values(tiny, x, quantity, split="first40", classifier=SHIPPED)
        assert got.shape == (40,) and got.dtype == np.float32
        np.testing.assert_allclose(got, values, rtol=1e-5, atol=1e-5)
    # on disk, keyed by the model file's hash (other tests may have cached other splits of the same model)
    path = selection.digit_values_file(tiny, "kl", "first40", 40)
    assert path.is_file() and tiny.file_hash[:16] in path.name
    np.save(path, np.full(40, 7.0, np.float32))  # what the disk holds is what is read back
    assert (selection.digit_values(tiny, x, "kl", split="first40") == 7.0).all()
    path.write_bytes(b"damaged")  # a damaged file is recomputed
    np.testing.assert_allclose(selection.digit_values(tiny, x, "kl", split="first40"), expected["kl"], rtol=1e-5)
    assert result_cache.is_cached(path)
    with pytest.raises(UserError, match="classifier"):
        selection.digit_values(tiny, x, "confidence", split="first40", classifier=tmp_path / "none.keras")


def test_sample_is_the_fit_drawn():
    mean, log_var = np.array([[0.0, 1.0], [2.0, -1.0]]), np.log([[0.1, 0.2], [0.3, 0.4]])
    np.testing.assert_array_equal(selection.sample(mean, log_var, 5, seed=2),
                                  selection.draw(*selection.fit(mean, log_var), 5, seed=2))
