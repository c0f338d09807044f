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
    # SPEC §2: mean over pixels and batch of BCE, times 28*28
    spec = keras.ops.convert_to_numpy(keras.losses.binary_crossentropy(x, x_hat)).mean() * 28 * 28
    np.testing.assert_allclose(ours.mean(), spec, rtol=1e-4)


def test_mse_and_kl_match_hand_computation(rng):
    x, x_hat = _batch(rng)
    mse = keras.ops.convert_to_numpy(reconstruction_loss_per_image(x, x_hat, "mse"))
    np.testing.assert_allclose(mse, ((x - x_hat) ** 2).reshape(4, -1).sum(axis=1), rtol=1e-5)
    mean, log_var = rng.normal(size=(4, 2)).astype(np.float32), rng.normal(size=(4, 2)).astype(np.float32)
    kl = keras.ops.convert_to_numpy(kl_per_image(mean, log_var))
    np.testing.assert_allclose(kl, -0.5 * (1 + log_var - mean**2 - np.exp(log_var)).sum(axis=1), rtol=1e-5)


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
