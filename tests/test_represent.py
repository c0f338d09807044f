"""Label-budget curves: per-class subsets, classifier accuracy, features and the caches."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from vae_core import represent
from vae_core.represent import RepresentConfig


def test_per_class_subset_counts_and_seed():
    labels = np.repeat(np.arange(3), [5, 20, 30])
    chosen = represent.per_class_subset(labels, 10, seed=1)
    assert np.bincount(labels[chosen]).tolist() == [5, 10, 10]  # a class with fewer gives all it has
    np.testing.assert_array_equal(chosen, represent.per_class_subset(labels, 10, seed=1))
    assert not np.array_equal(chosen, represent.per_class_subset(labels, 10, seed=2))
    assert len(represent.per_class_subset(labels, None)) == len(labels)


def _blobs(rng, n, separation):
    labels = rng.integers(0, 10, n)
    centres = rng.standard_normal((10, 4)) * separation
    return centres[labels] + rng.standard_normal((n, 4)), labels


def test_budget_curves_learn_separable_classes_and_not_noise(rng):
    x, y = _blobs(rng, 3000, separation=8.0)
    config = RepresentConfig(budgets=(10, 100, None))
    curves = represent.budget_curves(x[:2000], y[:2000], x[2000:], y[2000:], config)
    assert set(curves) == {"logistic", "knn"} and all(len(v) == 3 for v in curves.values())
    assert min(min(v) for v in curves.values()) > 0.9
    shuffled = rng.permutation(y[:2000])  # labels unrelated to the features: about chance (10 %)
    noise = represent.budget_curves(x[:2000], shuffled, x[2000:], y[2000:], config)
    assert max(max(v) for v in noise.values()) < 0.25


def test_budget_curve_value_is_scikit_learns(rng):
    x, y = _blobs(rng, 1500, separation=1.0)
    config = RepresentConfig(budgets=(20,), seed=4)
    curves = represent.budget_curves(x[:1000], y[:1000], x[1000:], y[1000:], config)
    chosen = represent.per_class_subset(y[:1000], 20, seed=4)
    direct = make_pipeline(StandardScaler(), LogisticRegression(max_iter=50)).fit(x[chosen], y[chosen])
    assert curves["logistic"][0] == pytest.approx(direct.score(x[1000:], y[1000:]))


def test_report_on_the_tiny_model(tiny, mnist, tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_DATA_DIR", str(tmp_path))  # baselines cached here, not in the real data cache
    config = RepresentConfig(budgets=(10, None), train_digits=1000, test_digits=300)
    result = represent.report(tiny, mnist, config)
    assert result["labels_per_class"] == ["10", "all"] and result["train_digits"] == 1000
    assert set(result["accuracy"]) == {"latent", "pixels", "pca"}
    pixels = result["accuracy"]["pixels"]
    assert pixels["knn"][1] > 0.8 and pixels["logistic"][1] > 0.75  # 1,000 digits of raw MNIST
    assert represent.baselines_cached(mnist, 2, config)
    rows = represent.table_rows(result)
    assert len(rows) == 6 and rows[0]["all / class"] == result["accuracy"]["latent"]["logistic"][1]
    latent_only = represent.report(tiny, mnist, config, baselines=False)
    assert latent_only["accuracy"] == {"latent": result["accuracy"]["latent"]}  # from the model's cache


def test_training_split_is_read_only_when_a_result_is_not_on_disk(tiny, mnist, tmp_path, monkeypatch):
    from vae_core.data import MnistOnDemand, cache_dir

    data_dir = cache_dir()
    monkeypatch.setenv("VAE_DATA_DIR", str(tmp_path))  # baselines cached here, not in the real data cache
    reads = []
    lazy = MnistOnDemand(mnist, lambda: reads.append(1) or mnist, directory=data_dir)
    assert lazy.train_size == len(mnist.x_train) and not reads  # from the file's header
    config = RepresentConfig(budgets=(10,), train_digits=500, test_digits=200)
    assert not represent.baselines_cached(lazy, 2, config) and not reads
    first = represent.report(tiny, lazy, config)
    assert reads and first["train_digits"] == 500
    reads.clear()
    assert represent.baselines_cached(lazy, 2, config)
    assert represent.report(tiny, lazy, config) == first and not reads  # all on disk: nothing read
    assert represent.report(tiny, mnist, config) == first  # the same keys as with the whole data in memory
