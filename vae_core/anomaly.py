"""Anomaly detection: how unlike MNIST an image is, by the model's own likelihood bounds.

A VAE scores an image by its negative ELBO and by the negative IWAE bound (Burda et al. 2016; see
vae_core.evaluate), both in nats: higher = less likely under the model = more anomalous. A plain autoencoder has no
likelihood, only its reconstruction loss. Scores of the MNIST test digits (the inliers) are compared with those of
Fashion-MNIST and of uniform noise images by ROC curves and their AUC (0.5 = no better than chance, 1 = every
outlier scores above every digit).
"""

from __future__ import annotations

import numpy as np

from . import result_cache
from .artifacts import LoadedModel
from .evaluate import iwae_per_image, per_image_losses

SETS = ("mnist", "fashion", "noise")
OUTLIER_SETS = ("fashion", "noise")
SET_LABELS = {"mnist": "MNIST test digits", "fashion": "Fashion-MNIST", "noise": "uniform noise"}
SCORE_LABELS = {"negative_elbo": "negative ELBO", "iwae_bound": "negative IWAE bound",
                "reconstruction": "reconstruction loss"}
MAX_IMAGES, MAX_K = 10000, 200
UNUSUAL_PERCENTILE = 95.0  # a score above this share of the test digits' is called unusual


def score_names(loaded: LoadedModel) -> tuple[str, ...]:
    """The scores this model has: a plain autoencoder has only its reconstruction loss."""
    if loaded.config.kind == "ae":
        return ("reconstruction",)
    return ("negative_elbo", "iwae_bound", "reconstruction")


def check_counts(n: int, k: int) -> None:
    """Raise ValueError for image counts or importance samples outside the bounds."""
    if not 1 <= n <= MAX_IMAGES:
        raise ValueError(f"the number of images per set must be from 1 to {MAX_IMAGES}, got {n}")
    if not 1 <= k <= MAX_K:
        raise ValueError(f"the number of importance samples k must be from 1 to {MAX_K}, got {k}")


def score_images(loaded: LoadedModel, x: np.ndarray, k: int = 10, seed: int = 0) -> dict[str, np.ndarray]:
    """Each score of images x (N, 28, 28[, 1]) in nats, {name: (N,)}; higher = more anomalous.

    `reconstruction` is the summed per-pixel loss of one seeded draw z ~ q(z|x) (for an autoencoder, of its code).
    """
    x = np.asarray(x, np.float32).reshape(-1, 28, 28, 1)
    reconstruction, kl = per_image_losses(loaded, x, seed)
    if loaded.config.kind == "ae":
        return {"reconstruction": reconstruction}
    return {"negative_elbo": reconstruction + kl, "iwae_bound": iwae_per_image(loaded, x, k, seed),
            "reconstruction": reconstruction}


def noise_images(n: int, seed: int = 0) -> np.ndarray:
    """n images of independent uniform [0, 1) pixels, (n, 28, 28, 1) float32."""
    return np.random.default_rng(seed).random((n, 28, 28, 1), dtype=np.float32)


def fashion_indices(total: int, n: int, seed: int = 0) -> np.ndarray:
    """A seeded subset of n of the `total` Fashion-MNIST images, sorted."""
    return np.sort(np.random.default_rng(seed).choice(total, min(n, total), replace=False))


def set_images(name: str, n: int, mnist_test: np.ndarray, fashion=None, seed: int = 0) -> np.ndarray:
    """The images of one set: the first n MNIST test digits, n seeded Fashion-MNIST images, or n noise images."""
    if name == "mnist":
        return mnist_test[:n]
    if name == "fashion":
        return fashion.images(fashion_indices(len(fashion.pixels), n, seed))
    if name == "noise":
        return noise_images(n, seed)
    raise ValueError(f"unknown set {name!r}")


def score_set(loaded: LoadedModel, name: str, images: np.ndarray, k: int = 10, seed: int = 0) -> dict[str, np.ndarray]:
    """`score_images` of one named set, cached on disk per model file, set, size, k and seed."""
    key = {"set": name, "n": len(images), "k": k, "seed": seed, "scores": list(score_names(loaded))}
    path = result_cache.model_file(loaded, "anomaly", key, ".npz")
    shapes = {score: (len(images),) for score in score_names(loaded)}
    return result_cache.cached_arrays(path, lambda: score_images(loaded, images, k, seed), shapes,
                                      np.float64)


def is_cached(loaded: LoadedModel, name: str, n: int, k: int = 10, seed: int = 0) -> bool:
    key = {"set": name, "n": n, "k": k, "seed": seed, "scores": list(score_names(loaded))}
    return result_cache.is_cached(result_cache.model_file(loaded, "anomaly", key, ".npz"))


def roc(inliers: np.ndarray, outliers: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(false positive rate, true positive rate, AUC) of flagging high scores as outliers: one point per distinct
    score (scikit-learn's roc_curve with drop_intermediate=False, and its AUC; tested against it). Written here so
    the serving process never imports scikit-learn (~50 MiB of its memory) for a page that only draws the curve."""
    y = np.r_[np.zeros(len(inliers)), np.ones(len(outliers))]
    s = np.r_[inliers, outliers].astype(np.float64)
    order = np.argsort(-s, kind="stable")
    s, y = s[order], y[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # the last index of each distinct score, highest first
    tps = np.cumsum(y)[last]
    fps = (last + 1) - tps
    tpr, fpr = np.r_[0.0, tps / len(outliers)], np.r_[0.0, fps / len(inliers)]
    return fpr, tpr, float(np.trapezoid(tpr, fpr))


def aucs(scores: dict[str, dict[str, np.ndarray]]) -> dict[str, dict[str, float]]:
    """{score: {outlier set: AUC of MNIST against it}} from {set: {score: values}}."""
    names = scores["mnist"].keys()
    return {s: {o: roc(scores["mnist"][s], scores[o][s])[2] for o in OUTLIER_SETS if o in scores} for s in names}


def summary_rows(scores: dict[str, dict[str, np.ndarray]]) -> list[dict]:
    """One row per score: its AUC against each outlier set and its mean on each set (the pages' tables)."""
    return [{"score": SCORE_LABELS[name], **{f"AUC vs {SET_LABELS[o]}": v for o, v in row.items()},
             **{f"mean, {SET_LABELS[s]}": float(values[name].mean()) for s, values in scores.items()}}
            for name, row in aucs(scores).items()]


def typical(values: np.ndarray, m: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """(indices of the m lowest scores, most typical first; indices of the m highest, least typical first)."""
    order = np.argsort(values, kind="stable")
    return order[:m], order[::-1][:m]


def percentile(value: float, reference: np.ndarray) -> float:
    """Percentage of `reference` scores strictly below `value`: scipy's `percentileofscore(kind="strict")`.

    The one place a score is placed among the test digits' (every page's sentence or bar about an upload).
    """
    return float((np.asarray(reference) < value).mean() * 100)


def unusual(place: float) -> bool:
    """Whether a percentile from `percentile` is above UNUSUAL_PERCENTILE: the pages call such an image unusual."""
    return place > UNUSUAL_PERCENTILE


def report(loaded: LoadedModel, mnist_test: np.ndarray, fashion, n: int = 2000, k: int = 10, seed: int = 0) -> dict:
    """AUCs and score summaries as a JSON-ready dict (the CLI's output)."""
    check_counts(n, k)
    scores = {name: score_set(loaded, name, set_images(name, n, mnist_test, fashion, seed), k, seed)
              for name in SETS}
    main = score_names(loaded)[0]
    low, high = typical(scores["mnist"][main])
    return {
        "model": loaded.name,
        "kind": loaded.config.kind,
        "images_per_set": {name: len(next(iter(s.values()))) for name, s in scores.items()},
        "iwae_k": k if loaded.config.kind != "ae" else None,
        "seed": seed,
        "auc": aucs(scores),
        "mean_score": {s: {name: float(scores[name][s].mean()) for name in SETS} for s in score_names(loaded)},
        "typical_by": main,
        "most_typical_test_indices": low.tolist(),
        "least_typical_test_indices": high.tolist(),
    }
