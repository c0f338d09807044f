"""The aggregate posterior q(z) against the prior: where the codes are, where the prior draws land, and the holes.

q(z) = 1/N Σ_i N(z; μ_i, diag σ_i²) over the test digits' posteriors: the density of the codes the decoder was
trained on. A prior draw where q(z) is tiny lands in a hole, a place no training digit's posterior covers, and the
decoder has learned nothing there. The marginal of q over a few dimensions is the mixture of the components'
marginals (exact, no sampling), which is what the plane shows for latent sizes above 2. NumPy only.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from .errors import UserError

CHUNK = 2048  # query points per block: a block holds CHUNK x N x d floats


def _components(z_mean: np.ndarray, z_log_var: np.ndarray, dims) -> tuple[np.ndarray, np.ndarray]:
    z_mean = np.asarray(z_mean, np.float64)
    z_log_var = np.asarray(z_log_var, np.float64)
    if z_mean.shape != z_log_var.shape or z_mean.ndim != 2 or not len(z_mean):
        raise UserError("The aggregate posterior needs (N, latent_dim) means and log-variances of the same shape.")
    if not np.isfinite(z_log_var).all():
        raise UserError("A plain autoencoder's codes have no spread (σ = 0): its aggregate posterior has no density.")
    if dims is not None:
        dims = list(dims)
        z_mean, z_log_var = z_mean[:, dims], z_log_var[:, dims]
    return z_mean, z_log_var


def log_q(z, z_mean, z_log_var, dims=None) -> np.ndarray:
    """log q(z) at points z (M, d) for the mixture of N diagonal Gaussians (N, latent_dim); over `dims` only (the
    marginal) when given, then z is (M, len(dims)). Returns (M,) nats."""
    mean, log_var = _components(z_mean, z_log_var, dims)
    z = np.asarray(z, np.float64).reshape(-1, mean.shape[1])
    inv_var = np.exp(-log_var)  # (N, d)
    const = -0.5 * (mean.shape[1] * np.log(2 * np.pi) + log_var.sum(1)) - np.log(len(mean))  # (N,)
    out = np.empty(len(z))
    for start in range(0, len(z), CHUNK):
        block = z[start:start + CHUNK, None, :]  # (m, 1, d)
        out[start:start + CHUNK] = logsumexp(const - 0.5 * (((block - mean) ** 2) * inv_var).sum(-1), axis=1)
    return out


def log_standard_normal(z) -> np.ndarray:
    """log N(z; 0, I) at points z (M, d)."""
    z = np.asarray(z, np.float64)
    return -0.5 * (z.shape[1] * np.log(2 * np.pi) + (z ** 2).sum(1))


def plane(z_mean, z_log_var, dims: tuple[int, int], span: float, n: int) -> dict[str, np.ndarray]:
    """The densities on an n x n grid over [-span, span]² in `dims`: {"axis" (n,), "log_q" (n, n), "log_p" (n, n)}
    (row = second dimension, as a heatmap draws it). log_p is the prior's marginal there, N(0, I) in 2-D."""
    if not 2 <= n <= 200 or not 0 < span <= 50:
        raise UserError("The density plane takes 2-200 points a side and a half-width in (0, 50].")
    axis = np.linspace(-span, span, n)
    a, b = np.meshgrid(axis, axis)  # a varies along a row, b down the rows
    points = np.stack([a.ravel(), b.ravel()], 1)
    return {"axis": axis, "log_q": log_q(points, z_mean, z_log_var, dims).reshape(n, n),
            "log_p": log_standard_normal(points).reshape(n, n)}


def by_density(z, z_mean, z_log_var) -> tuple[np.ndarray, np.ndarray]:
    """(order, log_q): the points z (M, latent_dim) from the densest place of q to the emptiest, and log q at
    each (in the points' own order)."""
    values = log_q(z, z_mean, z_log_var)
    return np.argsort(-values, kind="stable"), values
