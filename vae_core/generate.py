"""Decode points, grids, samples and interpolations; encode images. Arrays in, arrays out.

The functions take any model with `latent_dim`, `encode` and `decode`: `FastModel` (Keras, for the CLI) or
vae_core.lean.LeanVAE (NumPy, for the app's server). `FastModel` wraps the encoder and decoder in `tf.function`s
with fixed input signatures, where `Model.predict` pays a large set-up cost even for a single point; TensorFlow is
imported only when one is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .model import VAE


class FastModel:
    """Graph-compiled, retrace-free encode/decode of one VAE."""

    def __init__(self, vae: VAE, batch: int = 256):
        import tensorflow as tf

        self.latent_dim = int(vae.decoder.inputs[0].shape[-1])
        # Larger calls run in chunks of `batch`: one 10,000-image decode would hold ~1 GB of activations
        # (10,000 x 28 x 28 x 32 floats per layer) and the allocator keeps that peak for the life of the process
        # (chunk sizes measured in bench/RESULTS.md, server memory).
        self.batch = batch
        decoder, encoder = vae.decoder, vae.encoder
        self._decode = tf.function(
            lambda z: decoder(z, training=False),
            input_signature=[tf.TensorSpec((None, self.latent_dim), tf.float32)],
        )
        self.deterministic = vae.kind == "ae"

        def encode(x):
            if not self.deterministic:
                return encoder(x, training=False)[:2]
            # a plain autoencoder's code is a point mass: log-variance -inf, so z = z_mean exactly (KL would be +inf)
            z_mean = encoder(x, training=False)
            return z_mean, tf.fill(tf.shape(z_mean), -np.inf)

        self._encode = tf.function(
            encode,
            input_signature=[tf.TensorSpec((None, 28, 28, 1), tf.float32)],
        )

    def decode(self, z: np.ndarray) -> np.ndarray:
        """z (N, latent_dim) -> images (N, 28, 28) float32 in (0, 1); one graph call per `batch` points."""
        z = np.asarray(z, dtype=np.float32).reshape(-1, self.latent_dim)
        if len(z) <= self.batch:
            return self._decode(z).numpy()[..., 0]
        return np.concatenate([self._decode(z[i:i + self.batch]).numpy()[..., 0]
                               for i in range(0, len(z), self.batch)])

    def encode(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """images (N, 28, 28[, 1]) -> (z_mean, z_log_var), each (N, latent_dim); one graph call per `batch`."""
        x = np.asarray(x, dtype=np.float32).reshape(-1, 28, 28, 1)
        means, log_vars = [], []
        for start in range(0, len(x), self.batch):
            mean, log_var = self._encode(x[start:start + self.batch])
            means.append(mean.numpy())
            log_vars.append(log_var.numpy())
        if not means:
            empty = np.zeros((0, self.latent_dim), np.float32)
            return empty, empty
        return np.concatenate(means), np.concatenate(log_vars)


def grid_axis(n: int, span: float, gaussian: bool = False) -> np.ndarray:
    """n values over [-span, span]; or, with `gaussian`, standard-normal quantiles (Kingma & Welling, fig. 4)."""
    if gaussian:
        from scipy.stats import norm  # scipy.stats takes a while to import; most grids are linear

        return norm.ppf(np.linspace(0.05, 0.95, n)).astype(np.float32)
    return np.linspace(-span, span, n, dtype=np.float32)


def grid_points(n: int = 15, span: float = 3.0, gaussian: bool = False, latent_dim: int = 2,
                dims: tuple[int, int] = (0, 1), base: np.ndarray | None = None) -> np.ndarray:
    """The (n*n, latent_dim) latent points of a grid, row 0 at the top (largest z of `dims[1]`)."""
    axis = grid_axis(n, span, gaussian)
    z = np.tile(np.zeros(latent_dim, np.float32) if base is None else np.asarray(base, np.float32), (n * n, 1))
    ys, xs = np.meshgrid(axis[::-1], axis, indexing="ij")  # (n, n) each
    z[:, dims[0]] = xs.ravel()
    z[:, dims[1]] = ys.ravel()
    return z  # (n*n, latent_dim)


def decode_grid(fast: FastModel, n: int = 15, span: float = 3.0, gaussian: bool = False,
                dims: tuple[int, int] = (0, 1), base: np.ndarray | None = None) -> np.ndarray:
    """Decode an n x n grid in one batched call; returns (n, n, 28, 28)."""
    z = grid_points(n, span, gaussian, fast.latent_dim, dims, base)
    return fast.decode(z).reshape(n, n, 28, 28)


def sample_prior(fast: FastModel, n: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Decode n draws of z ~ N(0, I); returns (z (n, latent_dim), images (n, 28, 28))."""
    z = np.random.default_rng(seed).standard_normal((n, fast.latent_dim)).astype(np.float32)
    return z, fast.decode(z)


PATHS = ("linear", "spherical")


def latent_path(z_start: np.ndarray, z_end: np.ndarray, steps: int = 10, method: str = "linear") -> np.ndarray:
    """`steps` latent points from z_start to z_end (both included), (steps, latent_dim).

    "linear": the straight line. "spherical": the direction turns at a constant rate on the great circle between
    the endpoints' directions (slerp, Shoemake 1985; White 2016 "Sampling Generative Networks" for latent spaces)
    while the norm goes linearly from |z_start| to |z_end|, so every point's norm lies between the endpoints'
    (a straight line cuts through the low-norm middle of a Gaussian prior, where few codes live in high dimensions).
    """
    a, b = np.asarray(z_start, np.float64), np.asarray(z_end, np.float64)
    t = np.linspace(0.0, 1.0, steps)[:, None]  # (steps, 1)
    if method == "linear":
        return ((1 - t) * a + t * b).astype(np.float32)
    if method != "spherical":
        raise ValueError(f"method must be one of {', '.join(PATHS)}, got {method!r}")
    norm_a, norm_b = np.linalg.norm(a), np.linalg.norm(b)
    if norm_a < 1e-12 or norm_b < 1e-12:  # no direction at the origin: the line is the only path
        return latent_path(a, b, steps, "linear")
    u, v = a / norm_a, b / norm_b
    omega = np.arccos(np.clip(u @ v, -1.0, 1.0))
    if omega < 1e-6:  # same direction: only the norm changes
        directions = np.repeat(u[None], steps, axis=0)
    elif np.pi - omega < 1e-6:  # opposite directions: any great circle; take one through a fixed orthogonal axis
        w = np.eye(len(u))[np.argmin(np.abs(u))]
        w = w - (w @ u) * u
        w /= np.linalg.norm(w)
        directions = np.cos(np.pi * t) * u + np.sin(np.pi * t) * w
    else:
        directions = (np.sin((1 - t) * omega) * u + np.sin(t * omega) * v) / np.sin(omega)
    return (((1 - t) * norm_a + t * norm_b) * directions).astype(np.float32)


def traversals(fast: FastModel, base: np.ndarray, steps: int = 9, span: float = 3.0) -> np.ndarray:
    """Each latent dimension swept over [-span, span] with the others held at `base` (Higgins et al. 2017, β-VAE,
    fig. 7); one batched decoder call. Returns (latent_dim, steps, 28, 28)."""
    d = fast.latent_dim
    values = np.linspace(-span, span, steps, dtype=np.float32)
    z = np.tile(np.asarray(base, np.float32).reshape(1, 1, d), (d, steps, 1))  # (d, steps, d)
    z[np.arange(d), :, np.arange(d)] = values
    return fast.decode(z.reshape(d * steps, d)).reshape(d, steps, 28, 28)
