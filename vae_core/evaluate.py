"""Test-set figures of a trained VAE: losses, negative ELBO, an importance-weighted bound, kNN accuracy.

The IWAE bound is Burda et al. 2016 ("Importance Weighted Autoencoders"), eq. 8:
    log p(x) >= E[ log 1/k sum_i p(x|z_i) p(z_i) / q(z_i|x) ],   z_i ~ q(z|x).
With k = 1 it is the ELBO; larger k gives a tighter bound. We report its negative, in nats per image,
the same units as the training loss (docs/reference.md §2), so iwae_bound <= negative_elbo up to sampling noise.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import logsumexp

from .artifacts import LoadedModel
from .data import Mnist

_LOG_2PI = np.log(2.0 * np.pi)
_EPS = 1e-7  # keras.backend.epsilon(), as vae_core.model's BCE: predictions clipped to [eps, 1 - eps]
MAX_IWAE_POINTS = 20_000  # latent points decoded by one iwae_per_image step (~60 MB of images)
ACTIVE_UNIT_THRESHOLD = 0.01  # Burda et al. 2016, section 5.2: a unit is active when Cov_x(E[z_u|x]) > 0.01


# The two per-image losses below are vae_core.model's training losses written in NumPy (float64), so that scoring
# runs without TensorFlow in the app's server; tests/test_lean.py holds them equal to the Keras functions.
def reconstruction_per_image(x: np.ndarray, x_hat: np.ndarray, loss: str = "bce", chunk: int = 1000) -> np.ndarray:
    """Summed per-pixel loss of each image, (N,), in float64: binary cross-entropy or squared error.

    Runs `chunk` images at a time, so the float64 temporaries stay small whatever N."""
    x = np.asarray(x).reshape(len(x), -1)
    x_hat = np.asarray(x_hat).reshape(len(x_hat), -1)
    out = np.empty(len(x))
    for i in range(0, len(x), chunk):
        a, b = x[i:i + chunk].astype(np.float64), x_hat[i:i + chunk].astype(np.float64)  # (n, 784)
        if loss == "bce":
            p = np.clip(b, _EPS, 1.0 - _EPS)
            out[i:i + chunk] = -(a * np.log(p) + (1.0 - a) * np.log(1.0 - p)).sum(axis=1)
        else:
            out[i:i + chunk] = np.square(a - b).sum(axis=1)
    return out


def kl_per_image(z_mean: np.ndarray, z_log_var: np.ndarray) -> np.ndarray:
    """KL(N(mean, exp(log_var)) || N(0, I)) of each image, (N,), in float64."""
    mean, log_var = np.asarray(z_mean, np.float64), np.asarray(z_log_var, np.float64)
    return -0.5 * (1.0 + log_var - np.square(mean) - np.exp(log_var)).sum(axis=1)


def _losses(loaded: LoadedModel, x: np.ndarray, z_mean: np.ndarray, z_log_var: np.ndarray,
            seed: int) -> tuple[np.ndarray, np.ndarray]:
    eps = np.random.default_rng(seed).standard_normal(z_mean.shape).astype(np.float32)
    x_hat = loaded.fast.decode(z_mean + np.exp(0.5 * z_log_var) * eps)
    return reconstruction_per_image(x, x_hat, loaded.config.reconstruction), kl_per_image(z_mean, z_log_var)


def per_image_losses(loaded: LoadedModel, x: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(reconstruction (N,), kl (N,)) with one seeded draw z ~ q(z|x) per image, as in training."""
    return _losses(loaded, x, *loaded.fast.encode(x), seed)


def score(loaded: LoadedModel, reconstruction: np.ndarray, kl: np.ndarray) -> np.ndarray:
    """Each image's score in nats, lower = more typical: the negative ELBO (reconstruction + KL, beta = 1), or for a
    plain autoencoder, which has no ELBO, its reconstruction loss."""
    return reconstruction if loaded.config.kind == "ae" else reconstruction + kl


def describe_digits(loaded: LoadedModel, x: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One encoding of images x (N, 28, 28) -> (z_mean (N, d), reconstruction of z_mean (N, 28, 28),
    score (N,): negative ELBO with beta = 1 (reconstruction for an AE), the same draw as `per_image_losses`)."""
    z_mean, z_log_var = loaded.fast.encode(x)
    reconstruction, kl = _losses(loaded, x, z_mean, z_log_var, seed)
    return z_mean, loaded.fast.decode(z_mean), score(loaded, reconstruction, kl)


def iwae_per_image(loaded: LoadedModel, x: np.ndarray, k: int = 50, seed: int = 0, chunk: int = 200) -> np.ndarray:
    """Negative importance-weighted bound of each image with k samples, (N,).

    Images go through in chunks of at most `chunk` and of at most MAX_IWAE_POINTS // k, so one call decodes at
    most MAX_IWAE_POINTS latent points (k = 1,000 would otherwise decode 200,000 at once). The noise is drawn in
    image order whatever the chunk, so the result does not depend on it.
    """
    chunk = max(1, min(chunk, MAX_IWAE_POINTS // k))
    rng = np.random.default_rng(seed)
    z_mean, z_log_var = loaded.fast.encode(x)
    out = np.empty(len(x))
    for start in range(0, len(x), chunk):
        mu, log_var = z_mean[start:start + chunk], z_log_var[start:start + chunk]  # (n, d)
        n, d = mu.shape
        eps = rng.standard_normal((n, k, d)).astype(np.float32)
        z = mu[:, None] + np.exp(0.5 * log_var)[:, None] * eps  # (n, k, d)
        x_hat = loaded.fast.decode(z.reshape(n * k, d))  # one batched call, (n*k, 28, 28)
        xs = np.repeat(np.asarray(x[start:start + chunk]).reshape(n, 1, -1), k, axis=1).reshape(n * k, -1)
        log_px_z = -reconstruction_per_image(xs, x_hat, loaded.config.reconstruction).reshape(n, k)
        log_pz = -0.5 * (z.astype(np.float64) ** 2 + _LOG_2PI).sum(axis=2)
        log_qz = -0.5 * (eps.astype(np.float64) ** 2 + log_var[:, None] + _LOG_2PI).sum(axis=2)
        out[start:start + n] = -(logsumexp(log_px_z + log_pz - log_qz, axis=1) - np.log(k))
    return out


def knn_accuracy(loaded: LoadedModel, mnist: Mnist, neighbours: int = 5) -> float:
    """Accuracy on the test digits of a kNN classifier fit on the training digits' latent means."""
    from sklearn.neighbors import KNeighborsClassifier

    train_z, _ = loaded.fast.encode(mnist.x_train)
    test_z, _ = loaded.fast.encode(mnist.x_test)
    classifier = KNeighborsClassifier(n_neighbors=neighbours).fit(train_z, mnist.y_train)
    return float(classifier.score(test_z, mnist.y_test))


def active_units(z_mean: np.ndarray, threshold: float = ACTIVE_UNIT_THRESHOLD) -> int:
    """Latent dimensions u whose activity Cov_x(E[z_u|x]) exceeds `threshold` (Burda et al. 2016, §5.2).

    Args:
        z_mean: (N, latent_dim) latent means of a data set (E[z|x] of each image).
    """
    return int((np.var(np.asarray(z_mean, np.float64), axis=0) > threshold).sum())


def evaluate_model(loaded: LoadedModel, mnist: Mnist, k: int = 50, seed: int = 0,
                   read_digits: Callable | None = None) -> dict:
    """All test-set figures as a JSON-ready dict (keys listed in the README).

    With `read_digits` (an MNIST classifier, vae_core.classifier.read_digits), also `prior_samples`: how many of
    1,000 decoded draws z ~ N(0, I) it reads with confidence >= 0.9, and how many of the ten digits they cover.

    A plain autoencoder (kind "ae") has no posterior and no prior, so no KL, ELBO or IWAE bound: those are None
    and its loss is the reconstruction of its (deterministic) code.
    """
    autoencoder = loaded.config.kind == "ae"
    z_mean, z_log_var = loaded.fast.encode(mnist.x_test)
    reconstruction, kl = _losses(loaded, mnist.x_test, z_mean, z_log_var, seed)
    figures: dict = {"model": loaded.name, "kind": loaded.config.kind, "test_images": len(mnist.x_test),
                     "reconstruction_loss": float(reconstruction.mean())}
    if autoencoder:
        figures.update(kl_loss=None, negative_elbo=None, loss=float(reconstruction.mean()), iwae_bound=None,
                       iwae_k=None)
    else:
        figures.update(kl_loss=float(kl.mean()), negative_elbo=float((reconstruction + kl).mean()),
                       loss=float((reconstruction + loaded.config.beta * kl).mean()),
                       iwae_bound=float(iwae_per_image(loaded, mnist.x_test, k, seed).mean()), iwae_k=k)
    figures.update(
        active_units=active_units(z_mean),
        latent_dim=loaded.config.latent_dim,
        knn_accuracy=knn_accuracy(loaded, mnist),
        knn_neighbours=5,
        likelihood="bernoulli" if loaded.config.reconstruction == "bce" else "gaussian, up to a constant",
        seed=seed,
    )
    if read_digits is not None:
        from .family import sample_quality

        figures["prior_samples"] = sample_quality(loaded.fast, read_digits, n=1000, seed=seed)
    return figures
