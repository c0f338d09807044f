"""A selection of test digits as a distribution: the Gaussian fitted to their posteriors, and draws from it.

The selected digits' posteriors N(μ_i, diag σ_i²) form a mixture; the Gaussian with its mean and covariance
(moment matching: mean of the μ_i, covariance of the μ_i plus the mean σ_i²) is the one to sample "more digits like
these" from. Also the per-digit quantities the explorer can colour its dots by. NumPy only.
"""

from __future__ import annotations

import numpy as np

from .errors import UserError

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


def posterior_sigma(z_log_var: np.ndarray) -> np.ndarray:
    """The mean posterior standard deviation of each digit (N,) over the latent dimensions (0 for an AE)."""
    return np.exp(0.5 * np.asarray(z_log_var, np.float64)).mean(1)
