"""Compression: what a model's code costs in bits per image against how well the digit comes back.

A VAE's rate is its KL term: with bits-back coding (Hinton & van Camp 1993; Townsend et al. 2019, "Practical
lossless compression with latent variables using bits back coding") sending z ~ q(z|x) costs KL(q(z|x) || p(z))
nats on average, KL / ln 2 bits, and the receiver decodes that z. So each VAE is a point (KL bits, error of the
decoding of one seeded z ~ q). A plain autoencoder's code has no such rate (its KL is infinite); it, and every
model, is also shown at the size of its code stored as float32 numbers (32 bits per dimension) decoded from the
mean. Beside them: PCA codes of 1-64 float32 numbers, and lossless PNG files of the digits (error 0).
Error is the mean squared error per pixel, grey levels in [0, 1].
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from . import result_cache
from .artifacts import LoadedModel
from .evaluate import kl_per_image, reconstruction_per_image
from .images import png_bytes

FLOAT_BITS = 32
RAW_BITS = 28 * 28 * 8  # the uint8 pixels as they are


@dataclass(frozen=True)
class CompressConfig:
    """Test digits measured (the first N), training digits PCA is fit on (the first N; None = all), PCA sizes, seed.

    PCA is fit on 10,000 training digits by default: its components barely move with more, and the fit of 64
    components on all 60,000 takes tens of seconds on two cores.
    """

    test_digits: int = 2000
    train_digits: int | None = 10000
    pca_dims: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64)
    seed: int = 0

    def __post_init__(self) -> None:
        if self.test_digits < 1 or (self.train_digits is not None and self.train_digits < 64):
            raise ValueError("test_digits must be at least 1 and train_digits at least 64")
        if not self.pca_dims or min(self.pca_dims) < 1 or max(self.pca_dims) > 64:
            raise ValueError("PCA sizes must be from 1 to 64")


def mse_per_pixel(x: np.ndarray, x_hat: np.ndarray) -> float:
    x, x_hat = np.asarray(x, np.float64).reshape(len(x), -1), np.asarray(x_hat, np.float64).reshape(len(x_hat), -1)
    return float(((x - x_hat) ** 2).mean())


def model_rate(loaded: LoadedModel, x: np.ndarray, seed: int = 0) -> dict:
    """KL bits per image (None for an autoencoder), code size as float32, and the errors of both decodings."""
    z_mean, z_log_var = loaded.fast.encode(x)
    eps = np.random.default_rng(seed).standard_normal(z_mean.shape).astype(np.float32)
    sampled = loaded.fast.decode(z_mean + np.exp(0.5 * z_log_var) * eps)  # z ~ q(z|x): an AE decodes z_mean
    mean_decoded = loaded.fast.decode(z_mean)
    vae = loaded.config.kind != "ae"
    return {
        "model": loaded.name,
        "kind": loaded.config.kind,
        "latent_dim": loaded.config.latent_dim,
        "beta": loaded.config.beta,
        "kl_bits_per_image": float(kl_per_image(z_mean, z_log_var).mean() / np.log(2)) if vae else None,
        "mse_at_kl_rate": mse_per_pixel(x, sampled) if vae else None,
        "code_bits_float32": FLOAT_BITS * loaded.config.latent_dim,
        "mse_of_mean": mse_per_pixel(x, mean_decoded),
        "reconstruction_nats": float(reconstruction_per_image(x, sampled, loaded.config.reconstruction).mean()),
        "test_digits": len(x),
    }


def pca_rates(x_train: np.ndarray, x_test: np.ndarray, dims: tuple[int, ...], seed: int = 0) -> list[dict]:
    """Each PCA size's code bits (float32) and test error; one fit with the largest size, truncated (PCA is nested)."""
    flat_train, flat_test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
    from sklearn.decomposition import PCA  # here: a server that reads cached rates never loads scikit-learn

    pca = PCA(n_components=max(dims), random_state=seed).fit(flat_train)
    codes = pca.transform(flat_test)  # (M, max(dims))
    out = []
    for d in sorted(set(dims)):
        x_hat = codes[:, :d] @ pca.components_[:d] + pca.mean_
        out.append({"dims": d, "bits": FLOAT_BITS * d, "mse": mse_per_pixel(flat_test, x_hat)})
    return out


RATE_NUMBERS = ("latent_dim", "beta", "code_bits_float32", "mse_of_mean", "reconstruction_nats", "test_digits")
RATE_OPTIONAL = ("kl_bits_per_image", "mse_at_kl_rate")  # None for an autoencoder


def rate_valid(rate) -> bool:
    """Whether a cached record has `model_rate`'s keys with numbers (or None where an autoencoder has none)."""
    return (isinstance(rate, dict) and isinstance(rate.get("kind"), str)
            and all(result_cache.is_number(rate.get(k)) for k in RATE_NUMBERS)
            and all(result_cache.is_number(rate.get(k), allow_none=True) for k in RATE_OPTIONAL))


def baselines_valid(base, dims: tuple[int, ...]) -> bool:
    """Whether a cached record holds a PCA row of numbers for each of `dims` and the PNG and raw sizes."""
    rows = base.get("pca") if isinstance(base, dict) else None
    return (isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
            and sorted(r.get("dims") for r in rows) == sorted(dims)
            and all(result_cache.is_number(r.get(k)) for r in rows for k in ("bits", "mse"))
            and result_cache.is_number(base.get("png_bits_per_image"))
            and result_cache.is_number(base.get("raw_bits_per_image")))


def png_bits(x: np.ndarray) -> float:
    """Mean size in bits of each digit as an 8-bit greyscale PNG (lossless for MNIST's 8-bit pixels)."""
    return float(np.mean([len(png_bytes(image)) * 8 for image in np.asarray(x).reshape(-1, 28, 28)]))


def baselines(mnist, dims: tuple[int, ...], config: CompressConfig = CompressConfig()) -> dict:
    """PCA and PNG figures of the test digits; cached beside the data (they depend on no model). The training split
    of `mnist` (a `data.Mnist` or `data.MnistOnDemand`) is read only when they are not on disk."""
    n_train = min(mnist.train_size, config.train_digits or mnist.train_size)
    x_test = mnist.x_test[:config.test_digits]
    dims = tuple(sorted(set(config.pca_dims) | set(dims)))
    key = {**asdict(config), "pca_dims": list(dims), "n": [n_train, len(x_test)]}
    return result_cache.cached_json(result_cache.data_file("compress-baselines", key, ".json"), lambda: {
        "pca": pca_rates(mnist.x_train[:n_train], x_test, dims, config.seed),
        "png_bits_per_image": png_bits(x_test),
        "raw_bits_per_image": RAW_BITS,
    }, lambda base: baselines_valid(base, dims))


def report(loaded: LoadedModel, mnist, config: CompressConfig = CompressConfig()) -> dict:
    """The model's rate and errors beside PCA of the same size and PNG: a JSON-ready dict (the CLI's output)."""
    x_test = mnist.x_test[:config.test_digits]
    key = {**asdict(config), "n": len(x_test)}
    path = result_cache.model_file(loaded, "compress", key, ".json")
    rate = result_cache.cached_json(path, lambda: model_rate(loaded, x_test, config.seed), rate_valid)
    base = baselines(mnist, (loaded.config.latent_dim,), config)
    same = next(p for p in base["pca"] if p["dims"] == loaded.config.latent_dim)
    return {**rate, "model": loaded.name, "pca_same_size": same, **base}  # the name now, not the cached one
