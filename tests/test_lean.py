"""vae_core.lean: the NumPy models give Keras's outputs, on every shipped model and the tiny ones."""

import json
import zipfile

import numpy as np
import pytest

from tests.conftest import PROJECT
from vae_core import classifier, export, lean, store
from vae_core.artifacts import load_model
from vae_core.errors import ModelLoadError
from vae_core.evaluate import kl_per_image, reconstruction_per_image

SHIPPED_ROOT = PROJECT / "models"
SHIPPED = store.list_models(SHIPPED_ROOT)
GREY = 1 / 255


def test_same_padding_puts_the_odd_row_after():
    assert lean._same_padding(28, 2, 3) == (0, 1)  # 14 outputs read rows 0..28: one padded row, at the bottom
    assert lean._same_padding(14, 2, 3) == (0, 1)
    assert lean._same_padding(28, 1, 3) == (1, 1)
    assert lean._same_padding(7, 2, 3) == (1, 1)  # odd size: (4 - 1) * 2 + 3 - 7 = 2


def test_conv2d_and_its_transpose_against_direct_sums(rng):
    x = rng.standard_normal((2, 5, 5, 3)).astype(np.float32)
    kernel = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    bias = rng.standard_normal(4).astype(np.float32)
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))  # "same", stride 2, size 5: (3 - 1) * 2 + 3 - 5 = 2
    expected = np.array([[[[np.sum(padded[n, 2 * i:2 * i + 3, 2 * j:2 * j + 3] * kernel[..., o]) + bias[o]
                            for o in range(4)] for j in range(3)] for i in range(3)] for n in range(2)])
    np.testing.assert_allclose(lean.conv2d(x, kernel, bias, 2, "same"), expected, atol=1e-5)
    # the transpose is the adjoint: <conv(x), y> = <x, conv_T(y)> for the same kernel (Keras's (k, k, out, in))
    y = rng.standard_normal((2, 4, 4, 4)).astype(np.float32)
    x8 = rng.standard_normal((2, 8, 8, 3)).astype(np.float32)
    zero3, zero4 = np.zeros(3, np.float32), np.zeros(4, np.float32)
    forward = lean.conv2d(x8, kernel, zero4, 2, "same")  # (2, 4, 4, 4)
    backward = lean.conv2d_transpose(y, kernel, zero3, 2)  # kernel read as (3, 3, out=3, in=4): (2, 8, 8, 3)
    np.testing.assert_allclose(np.sum(forward * y), np.sum(x8 * backward), rtol=1e-4)


def _assert_equal_to_keras(name, root, x, rng):
    keras_model, numpy_model = load_model(name, root), load_model(name, root, lean=True)
    assert numpy_model.vae is None and numpy_model.fast is numpy_model.lean
    mean_k, log_var_k = keras_model.fast.encode(x)
    mean_n, log_var_n = numpy_model.fast.encode(x)
    np.testing.assert_allclose(mean_n, mean_k, atol=1e-4)
    np.testing.assert_allclose(log_var_n, log_var_k, atol=1e-4)  # an AE's -inf on both sides
    z = (2 * rng.standard_normal((200, numpy_model.config.latent_dim))).astype(np.float32)
    np.testing.assert_allclose(numpy_model.fast.decode(z), keras_model.fast.decode(z), atol=GREY)
    x_hat_k, x_hat_n = keras_model.fast.decode(mean_k), numpy_model.fast.decode(mean_k)
    np.testing.assert_allclose(x_hat_n, x_hat_k, atol=GREY)
    # scores in nats: the images agree to float32 rounding, which the 784-pixel sums carry into the per-image
    # figure at ~1e-4 nats (an exact float64 decoder is as far from Keras); means over the digits to 1e-4
    score_k = reconstruction_per_image(x, x_hat_k) + (0 if keras_model.config.kind == "ae" else
                                                       kl_per_image(mean_k, log_var_k))
    score_n = reconstruction_per_image(x, x_hat_n) + (0 if numpy_model.config.kind == "ae" else
                                                       kl_per_image(mean_n, log_var_n))
    np.testing.assert_allclose(score_n, score_k, atol=1e-3)
    assert abs(score_n.mean() - score_k.mean()) < 1e-4
    assert np.array_equal(export.decoder_tensors(numpy_model)["t2.kernel"],
                          export.decoder_tensors(keras_model)["t2.kernel"])  # the browser gets the same weights


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_model_equals_keras(name, mnist, rng):
    _assert_equal_to_keras(name, SHIPPED_ROOT, mnist.x_test[:500], rng)


@pytest.mark.parametrize("name", ["tiny", "tiny3", "tinyae"])
def test_the_tiny_models_equal_keras(name, store_root, mnist, rng):
    _assert_equal_to_keras(name, store_root, mnist.x_test[:200], rng)


def test_shipped_models_exist():
    assert {"default", "ae", "latent16"} <= set(SHIPPED)


def test_the_classifier_equals_keras(mnist):
    import keras

    from vae_core.fid import penultimate_features

    x = mnist.x_test[:1000]
    model = keras.saving.load_model(classifier.SHIPPED, compile=False, safe_mode=True)
    expected = np.asarray(model(x))
    mine = lean.LeanClassifier(classifier.SHIPPED)
    got = mine(x)
    np.testing.assert_allclose(got, expected, atol=1e-4)
    # the FID's features: Keras's last hidden layer, and the same through the lean classifier
    features = penultimate_features(mine, x[:200])
    assert features.shape == (200, model.layers[-1].input.shape[-1])
    np.testing.assert_allclose(features, penultimate_features(model, x[:200]), atol=1e-3)
    np.testing.assert_allclose(np.log(np.maximum(got, 1e-30)), np.log(np.maximum(expected, 1e-30)), atol=1e-3)
    np.testing.assert_array_equal(got.argmax(axis=1), expected.argmax(axis=1))


def test_numpy_losses_equal_the_training_losses(rng):
    from keras import ops

    from vae_core import model

    x = rng.random((5, 28, 28))
    x_hat = np.clip(rng.random((5, 28, 28)), 0, 1)
    x_hat[0, 0, :3] = [0.0, 1.0, 1e-9]  # clipped to [eps, 1 - eps] on both sides
    for loss in ("bce", "mse"):
        expected = ops.convert_to_numpy(model.reconstruction_loss_per_image(x, x_hat, loss))
        np.testing.assert_allclose(reconstruction_per_image(x, x_hat, loss), expected, rtol=1e-12)
    mean, log_var = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    np.testing.assert_allclose(kl_per_image(mean, log_var), ops.convert_to_numpy(model.kl_per_image(mean, log_var)),
                               rtol=1e-12)


def test_other_files_and_architectures_are_refused(tmp_path):
    with pytest.raises(ModelLoadError, match="no vae_core VAE"):
        lean.LeanVAE(classifier.SHIPPED)
    with pytest.raises(ModelLoadError, match="no digit classifier"):
        lean.LeanClassifier(SHIPPED_ROOT / "default" / store.MODEL_FILE)
    # the default model with one more decoder layer in its config: its weights no longer describe the graph
    source = zipfile.ZipFile(SHIPPED_ROOT / "default" / store.MODEL_FILE)
    config = json.loads(source.read("config.json"))
    layers = config["config"]["decoder"]["config"]["layers"]
    layers.insert(2, layers[1])
    forged = tmp_path / "model.keras"
    with zipfile.ZipFile(forged, "w") as out:
        out.writestr("config.json", json.dumps(config))
        out.writestr("model.weights.h5", source.read("model.weights.h5"))
    with pytest.raises(ModelLoadError, match="not a model this project built"):
        lean.LeanVAE(forged)
    (tmp_path / "junk.keras").write_bytes(b"not a zip")
    with pytest.raises(ModelLoadError):
        lean.LeanVAE(tmp_path / "junk.keras")


def test_a_lean_model_has_no_keras_parts():
    loaded = load_model("default", SHIPPED_ROOT, lean=True)
    with pytest.raises(TypeError, match="lean"):
        loaded.encoder  # noqa: B018
    assert [w.shape for w in loaded.decoder.get_weights()][:2] == [(2, 3136), (3136,)]
