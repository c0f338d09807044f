import numpy as np
import pytest

from vae_core.quiet import import_keras_quietly

import_keras_quietly()
import keras  # noqa: E402

from vae_core.config import ModelConfig  # noqa: E402
from vae_core.model import Sampling, build_vae, kl_per_image, reconstruction_loss_per_image  # noqa: E402


def test_reference_parameter_counts_and_names():
    vae = build_vae(ModelConfig())
    assert vae.encoder.count_params() == 69_076
    assert vae.decoder.count_params() == 65_089
    names = [layer.name for layer in vae.encoder.layers]
    assert "z_mean" in names and "z_log_var" in names
    assert [tuple(o.shape) for o in vae.encoder.outputs] == [(None, 2)] * 3
    assert tuple(vae.decoder.outputs[0].shape) == (None, 28, 28, 1)


@pytest.mark.parametrize("latent_dim", [1, 8, 64])
def test_latent_dim_is_configurable(latent_dim):
    vae = build_vae(ModelConfig(latent_dim=latent_dim))
    assert vae.decoder.inputs[0].shape[-1] == latent_dim
    assert vae(np.zeros((3, 28, 28, 1), np.float32)).shape == (3, 28, 28, 1)


def _batch(rng, n=4):
    x = rng.uniform(0, 1, (n, 28, 28, 1)).astype(np.float32)
    x_hat = rng.uniform(0.01, 0.99, (n, 28, 28, 1)).astype(np.float32)
    return x, x_hat


def test_bce_matches_hand_computation_and_spec(rng):
    x, x_hat = _batch(rng)
    ours = keras.ops.convert_to_numpy(reconstruction_loss_per_image(x, x_hat, "bce"))
    hand = -(x * np.log(x_hat) + (1 - x) * np.log(1 - x_hat)).reshape(4, -1).sum(axis=1)
    np.testing.assert_allclose(ours, hand, rtol=1e-4)
    # docs/reference.md §2: mean over pixels and batch of BCE, times 28*28
    spec = keras.ops.convert_to_numpy(keras.losses.binary_crossentropy(x, x_hat)).mean() * 28 * 28
    np.testing.assert_allclose(ours.mean(), spec, rtol=1e-4)


def test_mse_matches_hand_computation(rng):
    x, x_hat = _batch(rng)
    mse = keras.ops.convert_to_numpy(reconstruction_loss_per_image(x, x_hat, "mse"))
    np.testing.assert_allclose(mse, ((x - x_hat) ** 2).reshape(4, -1).sum(axis=1), rtol=1e-5)


def test_bce_values_by_hand():
    x = np.zeros((3, 28, 28, 1), np.float32)
    x[0] = 1.0
    x_hat = np.stack([np.zeros((28, 28, 1)), np.full((28, 28, 1), 0.5), np.full((28, 28, 1), 0.25)]).astype(np.float32)
    ours = keras.ops.convert_to_numpy(reconstruction_loss_per_image(x, x_hat, "bce"))
    # all wrong with certainty: clipped at keras's epsilon 1e-7, -log(1e-7) = 16.118 nats a pixel; a coin: log 2;
    # x = 0 drawn at 0.25: -log(0.75) = 0.28768
    np.testing.assert_allclose(ours, [784 * 16.118096, 784 * 0.693147, 784 * 0.287682], rtol=1e-4)


@pytest.mark.parametrize("mean,log_var,expected", [
    ([0.0, 0.0], [0.0, 0.0], 0.0),  # q is the prior
    ([3.0, 4.0], [0.0, 0.0], 12.5),  # unit variance: |mu|^2 / 2
    ([0.0, 0.0], [np.log(4.0), 0.0], 0.5 * (4 - 1 - np.log(4.0))),  # sigma^2 = 4: (sigma^2 - 1 - ln sigma^2) / 2
    ([1.0, 0.0], [-2.0, -2.0], 0.5 + 2 * 0.5 * (np.exp(-2) - 1 + 2)),
])
def test_kl_values_by_hand(mean, log_var, expected):
    kl = keras.ops.convert_to_numpy(kl_per_image(np.array([mean], np.float32), np.array([log_var], np.float32)))
    np.testing.assert_allclose(kl, [expected], rtol=1e-5, atol=1e-6)


def test_kl_agrees_with_a_monte_carlo_estimate(rng):
    from scipy.stats import norm

    mean, log_var = rng.normal(size=(3, 2)), rng.normal(scale=0.5, size=(3, 2))
    sigma = np.exp(0.5 * log_var)
    z = mean[:, None] + sigma[:, None] * rng.standard_normal((3, 200_000, 2))  # z ~ q
    estimate = (norm.logpdf(z, mean[:, None], sigma[:, None]) - norm.logpdf(z)).sum(axis=2).mean(axis=1)
    kl = keras.ops.convert_to_numpy(kl_per_image(mean.astype(np.float32), log_var.astype(np.float32)))
    np.testing.assert_allclose(kl, estimate, atol=0.02)


def test_total_loss_weights_kl_by_beta(rng):
    x, _ = _batch(rng)
    for beta in (0.0, 4.0):
        vae = build_vae(ModelConfig(beta=beta))
        total, reconstruction, kl = (float(v) for v in vae.losses_of(x))
        assert total == pytest.approx(reconstruction + beta * kl, rel=1e-5)
        assert kl >= 0


def test_sampling_is_seeded_and_reparameterised():
    mean = np.full((1000, 2), 3.0, np.float32)
    log_var = np.full((1000, 2), np.log(0.25), np.float32)
    a = keras.ops.convert_to_numpy(Sampling(seed=7)([mean, log_var]))
    b = keras.ops.convert_to_numpy(Sampling(seed=7)([mean, log_var]))
    np.testing.assert_array_equal(a, b)
    assert abs(a.mean() - 3.0) < 0.05 and abs(a.std() - 0.5) < 0.05
