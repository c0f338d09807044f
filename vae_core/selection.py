"""A selection of test digits as a distribution: the Gaussian fitted to their posteriors, and draws from it.

The selected digits' posteriors N(μ_i, diag σ_i²) form a mixture; the Gaussian with its mean and covariance
(moment matching: mean of the μ_i, covariance of the μ_i plus the mean σ_i²) is the one to sample "more digits like
these" from. Also the per-digit quantities the explorer can colour its dots by (disk-cached). NumPy only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import result_cache
from .classifier import classifier_path, read_digits
from .errors import ModelNotFoundError, UserError
from .evaluate import kl_per_image, per_image_losses, score
from .files import sha256_of

if TYPE_CHECKING:
    from .artifacts import LoadedModel

MAX_DRAWS = 64


def fit(z_mean: np.ndarray, z_log_var: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean (d,), covariance (d, d)) of the mixture of the posteriors N(μ_i, diag exp(z_log_var_i))."""
    z_mean = np.asarray(z_mean, np.float64)
    var = np.exp(np.asarray(z_log_var, np.float64))  # a plain autoencoder's -inf gives 0: its codes are points
    if z_mean.ndim != 2 or z_mean.shape != var.shape or not len(z_mean):
        raise UserError("Select at least one digit.")
    mean = z_mean.mean(0)
    centred = z_mean - mean
    covariance = centred.T @ centred / len(z_mean) + np.diag(var.mean(0))
    return mean, covariance


def draw(mean: np.ndarray, covariance: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n points (n, d) from N(mean, covariance), seeded; a singular covariance (one AE code) is allowed."""
    if not 1 <= n <= MAX_DRAWS:
        raise UserError(f"Draw 1 to {MAX_DRAWS} digits from a selection.")
    rng = np.random.default_rng(seed)
    return rng.multivariate_normal(mean, covariance, size=n, method="eigh").astype(np.float32)


def sample(z_mean: np.ndarray, z_log_var: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n seeded latent points (n, d) from the Gaussian `fit` to a selection's posteriors: "more digits like these"."""
    return draw(*fit(z_mean, z_log_var), n, seed)


def posterior_sigma(z_log_var: np.ndarray) -> np.ndarray:
    """The mean posterior standard deviation of each digit (N,) over the latent dimensions (0 for an AE)."""
    return np.exp(0.5 * np.asarray(z_log_var, np.float64)).mean(1)


# The per-digit quantities the explorer colours its dots by: what each costs decides whether it is cached on disk.
QUANTITIES = {
    "negative_elbo": "negative ELBO (nats)",  # one seeded draw z ~ q(z|x) decoded, as the Reconstructions page
    "kl": "KL to the prior (nats)",
    "sigma": "posterior σ (mean over dimensions)",
    "confidence": "classifier's confidence in the reconstruction",
}


def digit_values(loaded: LoadedModel, x: np.ndarray, quantity: str, split: str = "test", seed: int = 0,
                 classifier: Path | None = None) -> np.ndarray:
    """One of QUANTITIES for each image of x (N, 28, 28[, 1]), (N,) float32, cached on disk per model file.

    `negative_elbo` is the model's score (evaluate.score: the reconstruction loss alone for a plain autoencoder);
    `confidence` is the digit classifier's softmax maximum on the decoded latent mean, keyed by the classifier
    file's hash too, so a retrained classifier is read afresh.

    Raises:
        ModelNotFoundError: `confidence` without a digit classifier in the store.
    """
    if quantity not in QUANTITIES:
        raise ValueError(f"unknown quantity {quantity!r}")
    if quantity == "confidence":
        classifier = Path(classifier or classifier_path())
        if not classifier.is_file():
            raise ModelNotFoundError("No digit classifier in the store; train it with: python -m vae_core classifier")

    def compute() -> np.ndarray:
        if quantity == "negative_elbo":
            return score(loaded, *per_image_losses(loaded, x, seed))
        z_mean, z_log_var = loaded.fast.encode(np.asarray(x, np.float32))  # (N, d) each
        if quantity == "kl":
            return kl_per_image(z_mean, z_log_var)
        if quantity == "sigma":
            return posterior_sigma(z_log_var)
        return read_digits(loaded.fast.decode(z_mean), classifier)[1]

    path = digit_values_file(loaded, quantity, split, len(x), seed, classifier)
    return result_cache.cached_array(path, compute, (len(x),))


def digit_values_file(loaded: LoadedModel, quantity: str, split: str, n: int, seed: int = 0,
                      classifier: Path | None = None) -> Path:
    """The disk-cache file `digit_values` reads and writes (`classifier`: the file behind `confidence`)."""
    key = {"quantity": quantity, "split": split, "n": n, "seed": seed}
    if quantity == "confidence":
        key["classifier"] = sha256_of(classifier)
    return result_cache.model_file(loaded, f"digit-{quantity}", key, ".npy")
