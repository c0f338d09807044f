"""A learned prior: a Gaussian mixture fitted after training to a model's aggregate posterior q(z), sampled in
place of (and shown beside) N(0, I).

A VAE's codes rarely fill N(0, I) (Hoffman & Johnson 2016, "ELBO surgery"): draws from it land where no training
digit is encoded and decode to blobs. Ex-post density estimation (Ghosh et al. 2020, "From variational to
deterministic autoencoders", §4) fits a density to the training digits' latent means and samples from that. Two
fits are offered, both stored as one Gaussian mixture: "gmm", a full-covariance mixture on the latent means with
its size chosen by held-out log-likelihood; "posteriors", an equal-weight mixture of the posteriors q(z|x) of
K random training digits (a VampPrior-like mixture, Tomczak & Welling 2018, with the pseudo-inputs fixed to real
digits). bench/prior_targets.py measures them and the CLI fits "gmm" by default (bench/RESULTS.md says why).

The mixture lives in `models/<name>/prior-<first 16 hex of the model file's SHA-256>.npz` (arrays only, loaded
with allow_pickle=False), so a retrained model never finds a stale prior. NumPy and scikit-learn only: the CLI
and the server both call it with arrays.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .files import write_bytes_atomic

METHODS = ("gmm", "posteriors")
GMM_SIZES = (10, 20, 50, 100)  # mixture sizes tried; the held-out log-likelihood picks one
HELD_OUT = 0.15  # share of the codes kept out of the fit to choose the size
POSTERIOR_COMPONENTS = 1000  # training digits whose posteriors make the "posteriors" mixture
REGULARISATION = 1e-6  # added to every covariance's diagonal: a point-mass code (an autoencoder) stays sampleable
FORMAT = 1


@dataclass(frozen=True)
class MixturePrior:
    """A Gaussian mixture over the latent space: weights (K,), means (K, d), covariances (K, d, d)."""

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    method: str
    info: dict = field(default_factory=dict)  # how it was fitted (JSON-ready)

    @property
    def latent_dim(self) -> int:
        return int(self.means.shape[1])


def fit_gmm(codes: np.ndarray, sizes: tuple[int, ...] = GMM_SIZES, seed: int = 0,
            held_out: float = HELD_OUT, max_iter: int = 200) -> MixturePrior:
    """Full-covariance Gaussian mixture on codes (N, d); the size with the best held-out mean log-likelihood wins.

    The chosen size is refitted on every code. Sizes larger than a third of the fitting codes are skipped."""
    from sklearn.mixture import GaussianMixture

    codes = np.asarray(codes, np.float64)
    order = np.random.default_rng(seed).permutation(len(codes))
    cut = max(1, int(round(len(codes) * (1 - held_out))))
    fit_part, check_part = codes[order[:cut]], codes[order[cut:]]
    usable = [k for k in sizes if 3 * k <= len(fit_part)] or [1]
    scores = {}
    for k in usable:
        gmm = GaussianMixture(k, covariance_type="full", reg_covar=REGULARISATION, max_iter=max_iter,
                              random_state=seed).fit(fit_part)
        scores[k] = float(gmm.score(check_part if len(check_part) else fit_part))
    best = max(scores, key=scores.get)
    gmm = GaussianMixture(best, covariance_type="full", reg_covar=REGULARISATION, max_iter=max_iter,
                          random_state=seed).fit(codes)
    return MixturePrior(gmm.weights_, gmm.means_, gmm.covariances_, "gmm",
                        {"components": best, "held_out_log_likelihood": scores, "codes": len(codes), "seed": seed})


def fit_posteriors(z_mean: np.ndarray, z_log_var: np.ndarray, components: int = POSTERIOR_COMPONENTS,
                   seed: int = 0) -> MixturePrior:
    """Equal-weight mixture of q(z|x) = N(z_mean, diag(exp(z_log_var))) of `components` random training digits."""
    z_mean = np.asarray(z_mean, np.float64)
    chosen = np.sort(np.random.default_rng(seed).choice(len(z_mean), min(components, len(z_mean)), replace=False))
    variances = np.exp(np.asarray(z_log_var, np.float64)[chosen]) + REGULARISATION  # exp(-inf) = 0 for an AE
    k, d = len(chosen), z_mean.shape[1]
    covariances = np.zeros((k, d, d))
    covariances[:, np.arange(d), np.arange(d)] = variances
    return MixturePrior(np.full(k, 1.0 / k), z_mean[chosen], covariances, "posteriors",
                        {"components": k, "seed": seed})


def fit_prior(z_mean: np.ndarray, z_log_var: np.ndarray, method: str = "gmm", seed: int = 0) -> MixturePrior:
    """Fit the learned prior of `method` (METHODS) to the training digits' posteriors (N, d) each."""
    if method == "gmm":
        return fit_gmm(z_mean, seed=seed)
    if method == "posteriors":
        return fit_posteriors(z_mean, z_log_var, seed=seed)
    raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")


def sample(prior: MixturePrior, n: int, seed: int = 0) -> np.ndarray:
    """n seeded draws from the mixture, (n, d) float32."""
    rng = np.random.default_rng(seed)
    weights = np.asarray(prior.weights, np.float64)
    component = rng.choice(len(weights), size=n, p=weights / weights.sum())  # (n,)
    chol = np.linalg.cholesky(prior.covariances)  # (K, d, d)
    eps = rng.standard_normal((n, prior.latent_dim))  # (n, d)
    return (prior.means[component] + np.einsum("nij,nj->ni", chol[component], eps)).astype(np.float32)


def sample_standard(latent_dim: int, n: int, seed: int = 0) -> np.ndarray:
    """n seeded draws from N(0, I), (n, latent_dim) float32: the same draws as generate.sample_prior."""
    return np.random.default_rng(seed).standard_normal((n, latent_dim)).astype(np.float32)


def draw(which: str, prior: MixturePrior | None, latent_dim: int, n: int, seed: int = 0) -> np.ndarray:
    """n latent points from the "learned" prior or the "standard" N(0, I), (n, latent_dim) float32.

    Raises:
        ValueError: "learned" without a prior, or an unknown `which`."""
    if which == "standard":
        return sample_standard(latent_dim, n, seed)
    if which != "learned":
        raise ValueError(f"which must be 'learned' or 'standard', got {which!r}")
    if prior is None:
        raise ValueError("no learned prior is stored for this model")
    return sample(prior, n, seed)


# --- the file, keyed by the model file's hash ----------------------------------------------------------------------

def prior_path(folder: Path, file_hash: str) -> Path:
    """Where the prior of the model file with SHA-256 `file_hash` lives in its folder."""
    return Path(folder) / f"prior-{file_hash[:16]}.npz"


def save_prior(folder: Path, file_hash: str, prior: MixturePrior) -> Path:
    """Write the prior atomically beside the model; priors of other model files in the folder are removed."""
    info = {"format": FORMAT, "method": prior.method, "model_sha256": file_hash, **prior.info}
    buffer = io.BytesIO()
    np.savez(buffer, weights=np.asarray(prior.weights, np.float64), means=np.asarray(prior.means, np.float64),
             covariances=np.asarray(prior.covariances, np.float64), info=np.array(json.dumps(info)))
    path = prior_path(folder, file_hash)
    write_bytes_atomic(path, buffer.getvalue())
    for old in Path(folder).glob("prior-*.npz"):
        if old != path:
            old.unlink(missing_ok=True)
    return path


def load_prior(folder: Path, file_hash: str, latent_dim: int | None = None) -> MixturePrior | None:
    """The prior stored for this model file, or None when there is none, it belongs to another model file, or it
    is damaged or of another shape (one is fitted again with `python -m vae_core prior`)."""
    path = prior_path(folder, file_hash)
    try:
        with np.load(path, allow_pickle=False) as saved:
            weights, means, covariances = saved["weights"], saved["means"], saved["covariances"]
            info = json.loads(str(saved["info"]))
    except Exception:  # noqa: BLE001 - missing, truncated or foreign: numpy, zipfile and json raise many kinds
        return None
    k, d = means.shape if means.ndim == 2 else (0, 0)
    valid = (isinstance(info, dict) and info.get("model_sha256") == file_hash and k > 0
             and weights.shape == (k,) and covariances.shape == (k, d, d) and (latent_dim in (None, d))
             and all(np.isfinite(a).all() for a in (weights, means, covariances)) and (weights >= 0).all()
             and weights.sum() > 0)
    if not valid:
        return None
    try:
        np.linalg.cholesky(covariances)
    except np.linalg.LinAlgError:
        return None
    method = info.get("method")
    if method not in METHODS:
        return None
    info = {key: value for key, value in info.items() if key not in ("format", "method", "model_sha256")}
    return MixturePrior(weights, means, covariances, method, info)


# --- measurement -------------------------------------------------------------------------------------------------

Decode = Callable[[np.ndarray], np.ndarray]  # z (N, d) -> images (N, 28, 28)
Read = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]  # images -> (labels (N,), confidence (N,))
Features = Callable[[np.ndarray], np.ndarray]  # images -> (N, F) classifier features


def sample_report(images: np.ndarray, read_digits: Read, features: Features | None = None,
                  reference: tuple[np.ndarray, np.ndarray] | None = None, threshold: float = 0.9) -> dict:
    """How a classifier reads decoded samples: confident_share (confidence >= threshold), class_shares (each
    digit's share of the confident ones), digits_covered, and with `features` and the test set's feature
    statistics `reference` (mean, covariance), fid (vae_core.fid)."""
    from .fid import frechet_distance, gaussian_stats

    labels, confidence = read_digits(images)
    confident = np.asarray(confidence) >= threshold
    counts = np.bincount(np.asarray(labels)[confident], minlength=10)[:10]
    report = {"n": len(images), "threshold": threshold,
              "confident_share": float(confident.mean()) if len(images) else 0.0,
              "class_shares": (counts / max(1, counts.sum())).round(4).tolist(),
              "digits_covered": int((counts > 0).sum())}
    if features is not None and reference is not None:
        report["fid"] = frechet_distance(*gaussian_stats(features(images)), *reference)
    return report


def compare_priors(decode: Decode, prior: MixturePrior | None, latent_dim: int, read_digits: Read,
                   features: Features | None = None, reference: tuple[np.ndarray, np.ndarray] | None = None,
                   n: int = 10_000, seed: int = 0) -> dict:
    """{"standard": report, "learned": report or None} for n decoded draws of each prior (see sample_report)."""
    out = {}
    for which in ("standard", "learned"):
        if which == "learned" and prior is None:
            out[which] = None
            continue
        report = sample_report(decode(draw(which, prior, latent_dim, n, seed)), read_digits, features, reference)
        out[which] = {**report, "seed": seed, **({"method": prior.method} if which == "learned" else {})}
    return out
