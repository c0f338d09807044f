"""Values of the test-set figures: the IWAE bound, the ELBO estimate, and the loss terms they are built from.

Expected values come from hand computation (a decoder that always draws 0.5 gives log p(x|z) = -784 log 2 for a
binary image), from properties (Burda et al. 2016: the bound on log p(x) is at least the ELBO and tightens with
k; with k = 1 it is the ELBO for the same draw) or from a second computation with scipy's densities.
"""

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import norm

from vae_core import evaluate
from vae_core.evaluate import evaluate_model, iwae_per_image, per_image_losses, reconstruction_per_image

LOG2 = np.log(2.0)


class HalfDecoder:
    """A stand-in model: encodes every image to N(mu, exp(log_var)) given here, decodes any z to a flat 0.5 image.
    Records how many points each decode call got."""

    def __init__(self, mu, log_var):
        self.mu, self.log_var = np.asarray(mu, np.float32), np.asarray(log_var, np.float32)
        self.latent_dim = self.mu.shape[1]
        self.decoded = []

    def encode(self, x):
        return self.mu[: len(x)].copy(), self.log_var[: len(x)].copy()

    def decode(self, z):
        z = np.asarray(z, np.float32).reshape(-1, self.latent_dim)
        self.decoded.append(len(z))
        return np.full((len(z), 28, 28), 0.5, np.float32)


def _stand_in(mu, log_var):
    return SimpleNamespace(fast=HalfDecoder(mu, log_var), config=SimpleNamespace(reconstruction="bce", kind="vae"))


def _binary_images(n, seed=0):
    return (np.random.default_rng(seed).uniform(size=(n, 28, 28)) > 0.7).astype(np.float32)


@pytest.mark.parametrize("k", [1, 2, 50])
def test_iwae_of_a_flat_decoder_with_q_equal_to_the_prior_is_784_log_2(k):
    # q(z|x) = p(z) = N(0, I): every importance weight is p(x|z) = 2^-784, so the bound is exact for any k
    loaded = _stand_in(np.zeros((6, 3)), np.zeros((6, 3)))
    np.testing.assert_allclose(iwae_per_image(loaded, _binary_images(6), k=k), 784 * LOG2, rtol=1e-9)


def test_iwae_of_a_flat_decoder_tightens_from_the_kl_to_zero_gap():
    # q = N(mu, I) with |mu|^2 = 2: log p(x) = -784 log 2 exactly (the decoder ignores z); the single-sample
    # bound's gap is KL(q || p) = |mu|^2 / 2 = 1 nat on average, and it closes as k grows
    n = 400
    mu = np.tile([1.0, -1.0], (n, 1))
    loaded = _stand_in(mu, np.zeros((n, 2)))
    x = _binary_images(n)
    gaps = {k: iwae_per_image(loaded, x, k=k, seed=3).mean() - 784 * LOG2 for k in (1, 10, 200)}
    assert gaps[1] == pytest.approx(1.0, abs=0.15)  # Monte Carlo over 400 draws (sd of the mean ~0.07)
    assert 0 < gaps[200] < gaps[10] < gaps[1]
    assert gaps[200] < 0.05


def test_iwae_k1_is_the_elbo_of_the_same_draw(tiny, mnist):
    # with one chunk, per_image_losses and iwae_per_image draw the same eps ~ N(0, I): the reconstruction term is
    # the same, and the KL term is its single-sample estimate log q(z|x) - log p(z), computed here with scipy
    x = mnist.x_test[:150]
    reconstruction, kl = per_image_losses(tiny, x, seed=11)
    bound = iwae_per_image(tiny, x, k=1, seed=11, chunk=len(x))
    mu, log_var = (a.astype(np.float64) for a in tiny.fast.encode(x))
    sigma = np.exp(0.5 * log_var)
    z = mu + sigma * np.random.default_rng(11).standard_normal(mu.shape).astype(np.float32)
    log_q = norm.logpdf(z, mu, sigma).sum(axis=1)
    log_p = norm.logpdf(z).sum(axis=1)
    np.testing.assert_allclose(bound, reconstruction + log_q - log_p, rtol=1e-5, atol=1e-3)
    # and on average that estimate is the analytic KL the ELBO uses (Monte Carlo over 150 images)
    assert (log_q - log_p).mean() == pytest.approx(kl.mean(), abs=0.1 * kl.mean() + 0.2)


def test_iwae_matches_a_per_sample_computation_with_scipy(tiny, mnist):
    # the bound with k = 3, written out sample by sample: log w_j = log p(x|z_j) + log p(z_j) - log q(z_j|x)
    x = mnist.x_test[:40]
    k = 3
    mu, log_var = (a.astype(np.float64) for a in tiny.fast.encode(x))
    sigma = np.exp(0.5 * log_var)
    eps = np.random.default_rng(5).standard_normal((len(x), k, 2)).astype(np.float32)
    flat = x.reshape(len(x), -1).astype(np.float64)
    log_w = np.empty((len(x), k))
    for j in range(k):
        z = (mu + sigma * eps[:, j]).astype(np.float32)
        p = np.clip(tiny.fast.decode(z).reshape(len(x), -1).astype(np.float64), 1e-7, 1 - 1e-7)
        log_px = (flat * np.log(p) + (1 - flat) * np.log(1 - p)).sum(axis=1)
        log_w[:, j] = log_px + norm.logpdf(z).sum(axis=1) - norm.logpdf(z, mu, sigma).sum(axis=1)
    expected = -(logsumexp(log_w, axis=1) - np.log(k))
    np.testing.assert_allclose(iwae_per_image(tiny, x, k=k, seed=5), expected, rtol=1e-5, atol=1e-3)


def test_iwae_bound_is_below_the_negative_elbo_on_a_fixed_seed(tiny, mnist):
    x = mnist.x_test[:300]
    reconstruction, kl = per_image_losses(tiny, x, seed=0)
    bound = iwae_per_image(tiny, x, k=50, seed=0)
    assert bound.mean() <= (reconstruction + kl).mean()  # log p(x) >= IWAE bound >= ELBO
    assert bound.mean() <= iwae_per_image(tiny, x, k=5, seed=0).mean()  # tighter with more samples
    assert bound.mean() > (reconstruction + kl).mean() - 20  # but not absurdly far (a bound, not a guess)


def test_iwae_is_the_same_for_any_chunk_and_decodes_a_bounded_number_of_points():
    n = 30
    rng = np.random.default_rng(0)
    loaded = _stand_in(rng.normal(size=(n, 2)), rng.normal(-1, 0.3, size=(n, 2)))
    x = _binary_images(n)
    whole = iwae_per_image(loaded, x, k=4, seed=2, chunk=n)
    np.testing.assert_allclose(iwae_per_image(loaded, x, k=4, seed=2, chunk=7), whole, rtol=1e-12)
    loaded.fast.decoded.clear()
    big = iwae_per_image(loaded, x, k=1000, seed=2)  # default chunk 200: 200,000 points without the cap
    assert max(loaded.fast.decoded) <= evaluate.MAX_IWAE_POINTS
    assert sum(loaded.fast.decoded) == n * 1000
    np.testing.assert_allclose(iwae_per_image(loaded, x, k=1000, seed=2, chunk=1), big, rtol=1e-12)


def test_reconstruction_clips_predictions_at_keras_epsilon():
    # a confident wrong pixel costs -log(1e-7) = 16.118 nats (keras.backend.epsilon()), not infinity
    x = np.zeros((2, 28, 28))
    x[0] = 1.0
    x_hat = 1.0 - x  # every pixel exactly wrong
    np.testing.assert_allclose(reconstruction_per_image(x, x_hat), 784 * 16.11809565, rtol=1e-4)
    np.testing.assert_allclose(reconstruction_per_image(x, np.full((2, 28, 28), 0.5)), 784 * LOG2, rtol=1e-9)


def test_negative_elbo_has_beta_one_and_the_loss_has_the_model_beta(tiny, mnist):
    small = dataclasses.replace(mnist, x_train=mnist.x_train[:300], y_train=mnist.y_train[:300],
                                x_test=mnist.x_test[:100], y_test=mnist.y_test[:100])
    beta4 = dataclasses.replace(tiny, config=dataclasses.replace(tiny.config, beta=4.0))
    figures = evaluate_model(beta4, small, k=2)
    reconstruction, kl = per_image_losses(tiny, small.x_test, seed=0)
    assert figures["negative_elbo"] == pytest.approx(reconstruction.mean() + kl.mean(), rel=1e-6)
    assert figures["loss"] == pytest.approx(reconstruction.mean() + 4 * kl.mean(), rel=1e-6)
    assert figures["kl_loss"] > 0


def test_reconstruction_loss_in_chunks_is_the_same_per_image(rng):
    x, x_hat = rng.random((25, 28, 28)), rng.uniform(0.01, 0.99, (25, 28, 28))
    whole = reconstruction_per_image(x, x_hat, chunk=1000)
    np.testing.assert_allclose(reconstruction_per_image(x, x_hat, chunk=7), whole, rtol=1e-12)  # 7+7+7+4
    by_hand = -(x * np.log(x_hat) + (1 - x) * np.log(1 - x_hat)).reshape(25, -1).sum(axis=1)
    np.testing.assert_allclose(whole, by_hand, rtol=1e-6)
