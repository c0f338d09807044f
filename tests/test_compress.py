"""Rate figures: KL in bits, PCA codes, PNG sizes."""

import numpy as np
import pytest
from sklearn.decomposition import PCA

from vae_core import compress
from vae_core.compress import CompressConfig
from vae_core.evaluate import kl_per_image
from vae_core.images import png_bytes


def test_mse_per_pixel():
    x = np.zeros((2, 28, 28))
    assert compress.mse_per_pixel(x, x + 0.5) == pytest.approx(0.25)


def test_model_rate_is_kl_over_ln2(tiny, mnist):
    x = mnist.x_test[:50]
    rate = compress.model_rate(tiny, x)
    z_mean, z_log_var = tiny.fast.encode(x)
    assert rate["kl_bits_per_image"] == pytest.approx(kl_per_image(z_mean, z_log_var).mean() / np.log(2), rel=1e-6)
    assert rate["code_bits_float32"] == 64
    assert rate["mse_of_mean"] == pytest.approx(compress.mse_per_pixel(x, tiny.fast.decode(z_mean)), rel=1e-6)


def test_autoencoder_has_no_kl_rate(store_root, mnist):
    from vae_core.artifacts import load_model

    rate = compress.model_rate(load_model("tinyae", store_root), mnist.x_test[:10])
    assert rate["kl_bits_per_image"] is None and rate["mse_at_kl_rate"] is None and rate["mse_of_mean"] > 0


def test_pca_rates_fall_with_size_and_match_a_direct_fit(mnist):
    train, test = mnist.x_train[:2000], mnist.x_test[:200]
    rates = compress.pca_rates(train, test, (1, 2, 8, 32))
    assert [r["bits"] for r in rates] == [32, 64, 256, 1024]
    assert all(a["mse"] > b["mse"] for a, b in zip(rates, rates[1:], strict=False))
    direct = PCA(n_components=2, svd_solver="full").fit(train.reshape(2000, -1))
    x_hat = direct.inverse_transform(direct.transform(test.reshape(200, -1)))
    assert rates[1]["mse"] == pytest.approx(compress.mse_per_pixel(test, x_hat), rel=1e-3)


def test_png_bits():
    blank, noisy = np.zeros((28, 28)), np.random.default_rng(0).random((28, 28))
    assert compress.png_bits(blank[None]) == len(png_bytes(blank)) * 8
    assert compress.png_bits(noisy[None]) > compress.png_bits(blank[None])


def test_report(tiny, mnist, tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_DATA_DIR", str(tmp_path))
    result = compress.report(tiny, mnist, CompressConfig(test_digits=100, train_digits=500, pca_dims=(1, 4)))
    assert [p["dims"] for p in result["pca"]] == [1, 2, 4] and result["pca_same_size"]["dims"] == 2
    assert result["test_digits"] == 100 and 0 < result["png_bits_per_image"] < compress.RAW_BITS


def test_training_split_is_read_only_when_baselines_are_not_on_disk(tiny, mnist, tmp_path, monkeypatch):
    from vae_core.data import MnistOnDemand, cache_dir

    data_dir = cache_dir()
    monkeypatch.setenv("VAE_DATA_DIR", str(tmp_path))
    reads = []
    lazy = MnistOnDemand(mnist, lambda: reads.append(1) or mnist, directory=data_dir)
    config = CompressConfig(test_digits=100, train_digits=500, pca_dims=(1, 4))
    first = compress.report(tiny, lazy, config)
    assert reads
    reads.clear()
    assert compress.report(tiny, lazy, config) == first and not reads
    assert compress.report(tiny, mnist, config) == first
