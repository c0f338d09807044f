"""Representations and few labels: how well simple classifiers do on the latent means with few labels.

For each label budget (10, 100, 1,000 and all labelled training digits per class, drawn with a seed) a logistic
regression and a k-nearest-neighbour classifier are fit on three features of the same training digits: the model's
latent means, the raw 784 pixels, and PCA of the pixels with as many components as the latent has dimensions.
Each is scored on the same test digits. The pixel and PCA baselines do not depend on the model and are cached once
beside the MNIST cache; the latent curves are cached per model file.

Cost on 2 cores: the logistic regression runs lbfgs for at most `logistic_max_iter` iterations (50 by default: the
raw-pixel fit on all 60,000 digits then stops short of convergence, about 0.3 points below a converged fit, and takes
about a minute instead of several); the k-NN runs by brute force on the chosen test digits.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass

import numpy as np

from . import result_cache
from .artifacts import LoadedModel
from .embed import latent_stats

CLASSIFIERS = ("logistic", "knn")
CLASSIFIER_LABELS = {"logistic": "logistic regression", "knn": "k-NN"}
FEATURES = ("latent", "pixels", "pca")


@dataclass(frozen=True)
class RepresentConfig:
    """Label budgets (per class; None = all), test digits used (the first N), classifier settings and seed."""

    budgets: tuple[int | None, ...] = (10, 100, 1000, None)
    test_digits: int = 2000
    train_digits: int | None = None  # None = all 60,000 (tests use fewer)
    neighbours: int = 5
    logistic_max_iter: int = 50
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.budgets or any(b is not None and b < 1 for b in self.budgets):
            raise ValueError("label budgets must be positive numbers of labels per class (or all)")
        if self.test_digits < 1 or (self.train_digits is not None and self.train_digits < 10):
            raise ValueError("test_digits must be at least 1 and train_digits at least 10")


def budget_label(budget: int | None) -> str:
    return "all" if budget is None else f"{budget:,}"


def per_class_subset(labels: np.ndarray, per_class: int | None, seed: int = 0) -> np.ndarray:
    """Sorted indices of `per_class` seeded examples of each class (all of a class when it has fewer; None = all)."""
    if per_class is None:
        return np.arange(len(labels))
    rng = np.random.default_rng(seed)
    chosen = [rng.permutation(np.flatnonzero(labels == c))[:per_class] for c in np.unique(labels)]
    return np.sort(np.concatenate(chosen))


def _classifier(name: str, n_train: int, config: RepresentConfig):
    # scikit-learn is imported where it computes, so a server that reads cached curves never loads it
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if name == "logistic":
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=config.logistic_max_iter))
    return KNeighborsClassifier(n_neighbors=min(config.neighbours, n_train), algorithm="brute")


def budget_curves(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray,
                  config: RepresentConfig = RepresentConfig()) -> dict[str, list[float]]:
    """{classifier: [test accuracy at each of config.budgets]} of features x_train (N, F) -> x_test (M, F)."""
    from sklearn.exceptions import ConvergenceWarning

    curves: dict[str, list[float]] = {name: [] for name in CLASSIFIERS}
    for budget in config.budgets:
        chosen = per_class_subset(y_train, budget, config.seed)
        for name in CLASSIFIERS:
            model = _classifier(name, len(chosen), config)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)  # the iteration cap is deliberate (docstring)
                model.fit(x_train[chosen], y_train[chosen])
            curves[name].append(float(model.score(x_test, y_test)))
    return curves


def _sizes(mnist, config: RepresentConfig) -> tuple[int, int]:
    """(training, test) digits used: the first N of each split (`mnist.train_size` does not read the images)."""
    return min(mnist.train_size, config.train_digits or mnist.train_size), min(len(mnist.x_test), config.test_digits)


def _split(mnist, config: RepresentConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n_train, n_test = _sizes(mnist, config)
    return mnist.x_train[:n_train], mnist.y_train[:n_train], mnist.x_test[:n_test], mnist.y_test[:n_test]


def pca_features(x_train: np.ndarray, x_test: np.ndarray, dims: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """PCA of the pixels with `dims` components, fit on the training images: (train (N, dims), test (M, dims))."""
    flat_train, flat_test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
    from sklearn.decomposition import PCA

    pca = PCA(n_components=dims, random_state=seed).fit(flat_train)
    return pca.transform(flat_train), pca.transform(flat_test)


def curves_valid(curves, config: RepresentConfig) -> bool:
    """Whether a cached record is {classifier: [an accuracy in [0, 1] per label budget]} for this config."""
    return (isinstance(curves, dict) and set(curves) == set(CLASSIFIERS)
            and all(isinstance(v, list) and len(v) == len(config.budgets)
                    and all(result_cache.is_number(a) and 0 <= a <= 1 for a in v) for v in curves.values()))


def _key(config: RepresentConfig, **extra) -> dict:
    return {**asdict(config), "budgets": [b or 0 for b in config.budgets], **extra}


def _baseline_file(features: str, dims: int, n_train: int, n_test: int, config: RepresentConfig):
    key = _key(config, features=features, dims=dims if features == "pca" else None, n=[n_train, n_test])
    return result_cache.data_file(f"represent-{features}", key, ".json")


def baseline_curves(features: str, mnist, dims: int, config: RepresentConfig = RepresentConfig()) -> dict:
    """Budget curves on raw pixels ("pixels") or on PCA with `dims` components ("pca"); cached beside the data.
    The training split is read only when the result is not on disk."""

    def compute() -> dict:
        x_train, y_train, x_test, y_test = _split(mnist, config)
        if features == "pixels":
            train, test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
        else:
            train, test = pca_features(x_train, x_test, dims, config.seed)
        return budget_curves(train, y_train, test, y_test, config)

    return result_cache.cached_json(_baseline_file(features, dims, *_sizes(mnist, config), config), compute,
                                    lambda curves: curves_valid(curves, config))


def baselines_cached(mnist, dims: int, config: RepresentConfig = RepresentConfig()) -> bool:
    """Whether both baselines for a `dims`-dimensional latent are on disk (the slow part: about a minute)."""
    return all(_baseline_file(f, dims, *_sizes(mnist, config), config).is_file() for f in ("pixels", "pca"))


def latent_curves(loaded: LoadedModel, mnist, config: RepresentConfig = RepresentConfig()) -> dict[str, list[float]]:
    """Budget curves on the model's latent means; cached per model file."""

    def compute() -> dict:
        x_train, y_train, x_test, y_test = _split(mnist, config)
        train = latent_stats(loaded, x_train, "train")[:, 0]  # (N, latent_dim)
        test = latent_stats(loaded, x_test, "test")[:, 0]
        return budget_curves(train, y_train, test, y_test, config)

    key = _key(config, n=list(_sizes(mnist, config)))
    return result_cache.cached_json(result_cache.model_file(loaded, "represent", key, ".json"), compute,
                                    lambda curves: curves_valid(curves, config))


def report(loaded: LoadedModel, mnist, config: RepresentConfig = RepresentConfig(), progress=None,
           baselines: bool = True) -> dict:
    """The curves of the latent means (and, with `baselines`, of pixels and PCA) as a JSON-ready dict;
    `progress(text)` is called before each part. `mnist` is a `data.Mnist` or a `data.MnistOnDemand` (whose
    training split is then read only if a part is not on disk)."""
    dims = loaded.config.latent_dim
    parts = [("latent", lambda: latent_curves(loaded, mnist, config))]
    if baselines:
        parts += [("pixels", lambda: baseline_curves("pixels", mnist, dims, config)),
                  ("pca", lambda: baseline_curves("pca", mnist, dims, config))]
    curves = {}
    for name, compute in parts:
        if progress:
            progress(name)
        curves[name] = compute()
    n_train, n_test = _sizes(mnist, config)
    return {
        "model": loaded.name,
        "latent_dim": dims,
        "labels_per_class": [budget_label(b) for b in config.budgets],
        "train_digits": n_train,
        "test_digits": n_test,
        "accuracy": curves,  # {feature: {classifier: [accuracy per budget]}}
        "feature_names": {"latent": f"latent means ({dims}-d)", "pixels": "raw pixels (784-d)",
                          "pca": f"PCA of pixels ({dims}-d)"},
        "baselines": baselines,
        "neighbours": config.neighbours,
        "logistic_max_iter": config.logistic_max_iter,
        "seed": config.seed,
    }


def table_rows(result: dict) -> list[dict]:
    """One row per (feature, classifier) with an accuracy column per label budget: the page's table."""
    rows = []
    for feature, curves in result["accuracy"].items():
        for name, values in curves.items():
            accuracies = zip(result["labels_per_class"], values, strict=True)
            rows.append({"features": result["feature_names"][feature], "classifier": CLASSIFIER_LABELS[name],
                         **{f"{label} / class": v for label, v in accuracies}})
    return rows
