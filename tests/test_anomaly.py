"""Anomaly scores, ROC/AUC, typical digits and the disk cache, on the tiny models."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from vae_core import anomaly
from vae_core.evaluate import per_image_losses


def auc_rank(inliers: np.ndarray, outliers: np.ndarray) -> float:
    """The tests' independent AUC: P(outlier score > inlier score) + P(tie) / 2 (Mann-Whitney U / (m n))."""
    inliers, outliers = np.asarray(inliers, float), np.asarray(outliers, float)
    greater = (outliers[:, None] > inliers[None, :]).sum()
    ties = (outliers[:, None] == inliers[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(inliers) * len(outliers)))


def test_auc_on_a_known_case():
    # scikit-learn's documented example: y = [0, 0, 1, 1], scores [0.1, 0.4, 0.35, 0.8] -> AUC 0.75
    fpr, tpr, auc = anomaly.roc(np.array([0.1, 0.4]), np.array([0.35, 0.8]))
    assert auc == pytest.approx(0.75)
    assert auc_rank([0.1, 0.4], [0.35, 0.8]) == pytest.approx(0.75)
    assert fpr[0] == 0 and tpr[-1] == 1


def test_auc_agrees_with_its_definition_and_scikit_learn_with_ties(rng):
    inliers = rng.integers(0, 20, 300).astype(float)
    outliers = rng.integers(5, 25, 200).astype(float)  # many ties
    _, _, auc = anomaly.roc(inliers, outliers)
    assert auc == pytest.approx(auc_rank(inliers, outliers))
    assert auc == pytest.approx(roc_auc_score(np.r_[np.zeros(300), np.ones(200)], np.r_[inliers, outliers]))
    assert anomaly.roc(inliers, inliers + 100)[2] == pytest.approx(1.0)
    from sklearn.metrics import roc_curve

    fpr, tpr, _ = anomaly.roc(inliers, outliers)
    expected_fpr, expected_tpr, _ = roc_curve(np.r_[np.zeros(300), np.ones(200)], np.r_[inliers, outliers],
                                              drop_intermediate=False)
    np.testing.assert_allclose(fpr, expected_fpr)  # the same curve, point for point
    np.testing.assert_allclose(tpr, expected_tpr)


def test_scores_are_the_evaluate_figures(tiny, mnist):
    x = mnist.x_test[:40]
    scores = anomaly.score_images(tiny, x, k=20, seed=3)
    assert set(scores) == {"negative_elbo", "iwae_bound", "reconstruction"}
    reconstruction, kl = per_image_losses(tiny, x, seed=3)
    np.testing.assert_allclose(scores["negative_elbo"], reconstruction + kl)
    np.testing.assert_allclose(scores["reconstruction"], reconstruction)
    assert scores["iwae_bound"].mean() <= scores["negative_elbo"].mean()  # the tighter bound (Burda et al.)


def test_autoencoder_has_only_its_reconstruction_loss(store_root, mnist):
    from vae_core.artifacts import load_model

    ae = load_model("tinyae", store_root)
    scores = anomaly.score_images(ae, mnist.x_test[:10])
    assert list(scores) == ["reconstruction"] == list(anomaly.score_names(ae))
    assert np.isfinite(scores["reconstruction"]).all()


def test_sets_are_seeded_and_bounded(mnist):
    np.testing.assert_array_equal(anomaly.noise_images(5, 1), anomaly.noise_images(5, 1))
    assert not np.array_equal(anomaly.noise_images(5, 1), anomaly.noise_images(5, 2))
    picked = anomaly.fashion_indices(70000, 100, 0)
    assert len(np.unique(picked)) == 100 and (np.diff(picked) > 0).all()
    np.testing.assert_array_equal(anomaly.set_images("mnist", 7, mnist.x_test), mnist.x_test[:7])
    with pytest.raises(ValueError, match="from 1 to 10000"):
        anomaly.check_counts(10001, 10)
    with pytest.raises(ValueError, match="k must be"):
        anomaly.check_counts(10, 0)


def test_score_set_is_cached_on_disk(tiny, mnist, monkeypatch):
    x = mnist.x_test[:12]
    first = anomaly.score_set(tiny, "mnist", x, k=3, seed=5)
    assert anomaly.is_cached(tiny, "mnist", 12, 3, 5)
    monkeypatch.setattr(anomaly, "score_images", lambda *a, **k: pytest.fail("recomputed"))
    again = anomaly.score_set(tiny, "mnist", x, k=3, seed=5)
    for name in first:
        np.testing.assert_array_equal(first[name], again[name])


def test_typical_and_percentile():
    values = np.array([5.0, 1.0, 9.0, 3.0])
    low, high = anomaly.typical(values, 2)
    assert low.tolist() == [1, 3] and high.tolist() == [2, 0]
    assert anomaly.percentile(4.0, values) == 50.0 and anomaly.percentile(0.0, values) == 0.0


def test_percentile_is_scipys_strict_percentileofscore_and_unusual_is_above_95():
    from scipy.stats import percentileofscore

    rng = np.random.default_rng(3)
    reference = np.round(rng.normal(100, 10, 997), 0)  # rounded: many ties, where "strict" and "weak" differ
    for value in [*reference[:50], 60.0, 100.0, 140.0, np.inf]:
        assert anomaly.percentile(value, reference) == pytest.approx(
            percentileofscore(reference, value, kind="strict"), abs=1e-9)
    assert anomaly.percentile(reference.max(), reference) < 100  # the largest is not above itself
    assert not anomaly.unusual(95.0) and anomaly.unusual(95.1) and not anomaly.unusual(40.0)


def test_report_separates_noise_from_digits(tiny, mnist, fashion):
    result = anomaly.report(tiny, mnist.x_test, fashion, n=60, k=2)
    assert result["images_per_set"] == {"mnist": 60, "fashion": 60, "noise": 60}
    assert set(result["auc"]) == {"negative_elbo", "iwae_bound", "reconstruction"}
    assert result["auc"]["negative_elbo"]["noise"] > 0.95
    assert all(0 <= v <= 1 for row in result["auc"].values() for v in row.values())
    assert len(result["most_typical_test_indices"]) == 10
