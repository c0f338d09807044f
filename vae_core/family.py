"""Figures that compare models of the family: prior-sample quality, path smoothness, the metrics tables.

Arrays and dicts in, arrays and dicts out; no Streamlit, no figures.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .generate import FastModel, sample_prior

# images (N, 28, 28) in [0, 1] -> (labels (N,), confidence (N,)): an MNIST classifier (vae_core.classifier)
DigitReader = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
CONFIDENT = 0.9


def sample_quality(fast: FastModel, read_digits: DigitReader, n: int = 1000, seed: int = 0,
                   threshold: float = CONFIDENT) -> dict:
    """Decode n draws of z ~ N(0, I) and let an MNIST classifier read them.

    Returns:
        share_confident: fraction read with confidence >= threshold (a digit, not a blob);
        digits_covered: how many of the ten digits appear among the confident ones;
        counts: confident samples per digit 0-9.
    """
    _, images = sample_prior(fast, n, seed)
    labels, confidence = read_digits(images)
    confident = np.asarray(confidence) >= threshold
    counts = np.bincount(np.asarray(labels)[confident], minlength=10)[:10]
    return {"share_confident": float(confident.mean()) if n else 0.0,
            "digits_covered": int((counts > 0).sum()), "counts": counts.tolist(), "n": n, "seed": seed,
            "threshold": threshold}


def step_changes(images: np.ndarray) -> np.ndarray:
    """Mean absolute pixel change between consecutive images of a path (steps - 1,): a smooth latent space
    changes the picture a little at every step; a jump shows up as one large value."""
    images = np.asarray(images, np.float64).reshape(len(images), -1)
    return np.abs(np.diff(images, axis=0)).mean(axis=1)


def comparison_row(name: str, config: dict, run: dict, metrics: dict) -> dict:
    """One model's line of the comparison table from its config.json parts and metrics.json (None = n/a)."""
    autoencoder = config.get("kind", "vae") == "ae"
    samples = metrics.get("prior_samples") or {}
    priors = _priors(metrics)
    return {
        "model": name,
        "kind": "autoencoder" if autoencoder else "VAE",
        "latent_dim": config.get("latent_dim"),
        "beta": None if autoencoder else config.get("beta"),
        "test −ELBO": metrics.get("negative_elbo"),
        "reconstruction": metrics.get("reconstruction_loss"),
        "KL": metrics.get("kl_loss"),
        "IWAE bound": metrics.get("iwae_bound"),
        "kNN accuracy": metrics.get("knn_accuracy"),
        "active units": metrics.get("active_units"),
        "samples read (≥0.9)": samples.get("share_confident"),
        "digits in samples": samples.get("digits_covered"),
        "learned prior: samples read (≥0.9)": priors["learned"].get("confident_share"),
        "learned prior FID": priors["learned"].get("fid"),
        "N(0, I) FID": priors["standard"].get("fid"),
        "epochs": run.get("epochs_run"),
        "training min": None if run.get("training_seconds") is None else run["training_seconds"] / 60,
    }


def _priors(metrics: dict) -> dict[str, dict]:
    """metrics.json's "priors" ({"standard": report, "learned": report or None}, vae_core.prior.compare_priors)
    with {} for a prior not measured."""
    priors = metrics.get("priors")
    priors = priors if isinstance(priors, dict) else {}
    return {which: priors.get(which) if isinstance(priors.get(which), dict) else {}
            for which in ("learned", "standard")}


PRIOR_NAMES = {"learned": "learned prior", "standard": "N(0, I)"}


def prior_rows(metrics: dict) -> list[dict]:
    """The table of how the shipped classifier reads each prior's decoded samples, from metrics.json's "priors":
    one row per measured prior (learned first) with its confident share, FID, digits covered and each digit's share
    of the confident samples ("0" … "9"); [] when neither was measured."""
    rows = []
    for which, report in _priors(metrics).items():
        if not report:
            continue
        shares = report.get("class_shares")
        shares = shares if isinstance(shares, list) and len(shares) == 10 else [None] * 10
        rows.append({"prior": PRIOR_NAMES[which] + (f" ({report['method']})" if report.get("method") else ""),
                     "samples": report.get("n"), "read (≥0.9)": report.get("confident_share"),
                     "FID": report.get("fid"), "digits covered": report.get("digits_covered"),
                     **{str(d): share for d, share in enumerate(shares)}})
    return rows


class PlaneBasis:
    """A 2-D view of a latent space and back: the identity for latent_dim 2, else the first two principal
    components of the given latent means (so a path or a click can be drawn and read on one plane)."""

    def __init__(self, z_mean: np.ndarray):
        z = np.asarray(z_mean, np.float64)
        self.dim = z.shape[1]
        if self.dim == 2:
            self.centre, self.axes = np.zeros(2), np.eye(2)
        else:
            # the first two principal components, signed as scikit-learn's PCA signs them (the largest entry of
            # each positive), by NumPy's SVD: the serving process never imports scikit-learn
            n = min(2, self.dim)
            self.centre = z.mean(0)
            vt = np.linalg.svd(z - self.centre, full_matrices=False)[2][:n]
            vt = vt * np.sign(vt[np.arange(n), np.abs(vt).argmax(1)])[:, None]
            self.axes = np.pad(vt, ((0, 2 - n), (0, 0)))
        self.names = ("z₁", "z₂") if self.dim == 2 else ("PC 1", "PC 2")

    def to_plane(self, z: np.ndarray) -> np.ndarray:
        """(N, latent_dim) -> (N, 2)."""
        return ((np.asarray(z, np.float64) - self.centre) @ self.axes.T).astype(np.float32)

    def from_plane(self, xy: np.ndarray) -> np.ndarray:
        """(N, 2) -> (N, latent_dim): the point of the plane's 2-D subspace (other directions at the centre)."""
        return (self.centre + np.asarray(xy, np.float64) @ self.axes).astype(np.float32)
