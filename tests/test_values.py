"""Values of the core's figures against expected values that do not come from the code under test.

Each test builds a case whose answer is known by hand (stand-in models whose decoders are simple formulas, point
sets whose nearest neighbours can be counted), by a property (Monte Carlo means, the IWAE bound tightening with k)
or from scikit-learn fitted directly. They were written so that plausible one-line bugs fail: the wrong
neighbour count, a standard deviation for a variance, a seed or an image that is never used, swapped columns.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import KNeighborsClassifier

from vae_core import anomaly, compress, evaluate, represent
from vae_core.family import comparison_row, sample_quality
from vae_core.represent import RepresentConfig

LOG2 = np.log(2.0)


def _kl_by_hand(mu, log_var):
    """KL(N(mu, exp(log_var)) || N(0, I)) summed over dimensions, written out (Kingma & Welling, appendix B)."""
    mu, log_var = np.asarray(mu, float), np.asarray(log_var, float)
    return 0.5 * (mu ** 2 + np.exp(log_var) - 1.0 - log_var).sum(axis=-1)


class FlatDecoder:
    """A stand-in FastModel: every image encodes to the given N(mu, exp(log_var)); z decodes to a flat image.

    `level(z)` -> (N,) grey level of each decoded image (default 0.5, whatever z is)."""

    def __init__(self, mu, log_var, level=None):
        self.mu, self.log_var = np.asarray(mu, np.float32), np.asarray(log_var, np.float32)
        self.latent_dim = self.mu.shape[1]
        self.level = level or (lambda z: np.full(len(z), 0.5))

    def encode(self, x):
        return self.mu[: len(x)].copy(), self.log_var[: len(x)].copy()

    def decode(self, z):
        z = np.asarray(z, np.float32).reshape(-1, self.latent_dim)
        return np.repeat(np.asarray(self.level(z), np.float32)[:, None, None], 28, 1).repeat(28, 2)


def _loaded(fast, kind="vae", reconstruction="bce", beta=1.0):
    config = SimpleNamespace(kind=kind, reconstruction=reconstruction, beta=beta, latent_dim=fast.latent_dim)
    return SimpleNamespace(fast=fast, config=config, name="stand-in")


def _binary_images(n, seed=0):
    return (np.random.default_rng(seed).uniform(size=(n, 28, 28)) > 0.7).astype(np.float32)


# --- anomaly scores and their AUCs -------------------------------------------------------------------------------

def test_anomaly_scores_of_a_flat_decoder_by_hand():
    # a decoder drawing 0.5 everywhere: log p(x|z) = -784 log 2 for any binary image and any z, so
    # reconstruction = 784 log 2, negative ELBO = that + KL (by hand), and -log p(x) is exactly 784 log 2: the
    # IWAE bound approaches it as k grows (its gap over k = 1 is the KL, 1 nat here: |mu|^2 / 2)
    n = 400
    mu, log_var = np.tile([1.0, -1.0], (n, 1)), np.zeros((n, 2))
    loaded = _loaded(FlatDecoder(mu, log_var))
    x = _binary_images(n)
    scores = anomaly.score_images(loaded, x, k=200, seed=1)
    np.testing.assert_allclose(scores["reconstruction"], 784 * LOG2, rtol=1e-9)
    np.testing.assert_allclose(scores["negative_elbo"], 784 * LOG2 + 1.0, rtol=1e-9)
    assert 0 < scores["iwae_bound"].mean() - 784 * LOG2 < 0.05  # k = 200: nearly exact
    one = anomaly.score_images(loaded, x, k=1, seed=1)["iwae_bound"].mean() - 784 * LOG2
    assert one == pytest.approx(1.0, abs=0.15)  # k = 1: the ELBO's gap, the KL (Monte Carlo over 400 images)


def test_anomaly_kl_term_uses_the_variance_by_hand():
    mu, log_var = np.array([[0.0, 2.0], [1.0, 0.0]]), np.array([[np.log(4.0), 0.0], [0.0, np.log(0.25)]])
    loaded = _loaded(FlatDecoder(mu, log_var))
    scores = anomaly.score_images(loaded, _binary_images(2), k=3)
    kl = [0.5 * (4 - 1 - np.log(4)) + 0.5 * 4, 0.5 * 1 + 0.5 * (0.25 - 1 - np.log(0.25))]
    np.testing.assert_allclose(scores["negative_elbo"] - scores["reconstruction"], kl, rtol=1e-6)
    np.testing.assert_allclose(kl, _kl_by_hand(mu, log_var))


def test_aucs_and_summary_rows_by_hand():
    scores = {"mnist": {"reconstruction": np.array([1.0, 2.0, 3.0, 10.0])},
              "fashion": {"reconstruction": np.array([2.5, 5.0])},
              "noise": {"reconstruction": np.array([0.0, 0.5])}}
    # fashion: 2.5 beats 2 of the 4 digits, 5.0 beats 3: 5 of 8 pairs; noise beats none
    assert anomaly.aucs(scores) == {"reconstruction": {"fashion": 0.625, "noise": 0.0}}
    y = np.r_[np.zeros(4), np.ones(2)]
    assert roc_auc_score(y, np.r_[scores["mnist"]["reconstruction"], scores["fashion"]["reconstruction"]]) == 0.625
    [row] = anomaly.summary_rows(scores)
    assert row == {"score": "reconstruction loss", "AUC vs Fashion-MNIST": 0.625, "AUC vs uniform noise": 0.0,
                   "mean, MNIST test digits": 4.0, "mean, Fashion-MNIST": 3.75, "mean, uniform noise": 0.25}


def test_auc_is_the_share_of_outliers_scoring_higher(rng):
    # outliers shifted up by a known amount: the AUC is P(outlier > inlier) = Phi(shift / sqrt 2) for unit normals
    inliers, outliers = rng.standard_normal(4000), rng.standard_normal(4000) + 1.0
    assert anomaly.roc(inliers, outliers)[2] == pytest.approx(0.7602, abs=0.01)  # Phi(1 / sqrt(2))
    assert anomaly.roc(outliers, inliers)[2] == pytest.approx(1 - 0.7602, abs=0.01)


def test_typical_and_percentile_by_hand():
    values = np.array([5.0, 1.0, 9.0, 3.0, 7.0])
    low, high = anomaly.typical(values, m=3)
    assert low.tolist() == [1, 3, 0] and high.tolist() == [2, 4, 0]  # least typical (highest score) first
    assert anomaly.percentile(5.0, values) == 40.0  # strictly below: 1 and 3; the equal 5 does not count
    assert anomaly.percentile(5.5, values) == 60.0 and anomaly.percentile(100.0, values) == 100.0


# --- representations: the k-NN and the PCA baseline -------------------------------------------------------------

def _neighbour_case():
    """2-D codes: class 0 near y = 0, class 1 near y = 10, one class-1 stray inside class 0 (x is always 0).
    The test point at y = 0.04 has the stray as its single nearest neighbour (1-NN: wrong) but four class-0 points
    among its five nearest (5-NN: right)."""
    train = np.array([[0, 0.0], [0, 0.1], [0, 0.2], [0, 0.3], [0, 0.05],
                      [0, 10.0], [0, 10.1], [0, 10.2], [0, 10.3]])
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1])
    test, test_labels = np.array([[0, 0.04], [0, 10.05]]), np.array([0, 1])
    return train, labels, test, test_labels


def test_budget_curves_knn_uses_five_neighbours_by_hand():
    train, labels, test, test_labels = _neighbour_case()
    curves = represent.budget_curves(train, labels, test, test_labels, RepresentConfig(budgets=(None,)))
    assert curves["knn"] == [1.0]
    one = represent.budget_curves(train, labels, test, test_labels, RepresentConfig(budgets=(None,), neighbours=1))
    assert one["knn"] == [0.5]  # the stray wins
    direct = KNeighborsClassifier(n_neighbors=5).fit(train, labels).score(test, test_labels)
    assert curves["knn"][0] == direct


def test_budget_curves_knn_agrees_with_scikit_learn_on_a_budget(rng):
    x = rng.standard_normal((600, 3))
    y = (x[:, 0] + 0.5 * rng.standard_normal(600) > 0).astype(int) + 2 * (x[:, 1] > 0)
    config = RepresentConfig(budgets=(30,), neighbours=7, seed=3)
    curves = represent.budget_curves(x[:400], y[:400], x[400:], y[400:], config)
    chosen = represent.per_class_subset(y[:400], 30, seed=3)
    assert len(chosen) == 120
    direct = KNeighborsClassifier(n_neighbors=7).fit(x[:400][chosen], y[:400][chosen]).score(x[400:], y[400:])
    assert curves["knn"] == [pytest.approx(direct)]


def test_pca_features_are_fit_on_the_training_images_only(rng):
    # training images vary along pixel 0 only, test images along pixel 1 only: a PCA fit on the training images
    # has pixel 0 as its component, so the test images project to (their pixel 0 - the training mean) = -mean
    train = np.zeros((50, 28, 28))
    train[:, 0, 0] = rng.normal(3.0, 1.0, 50)
    test = np.zeros((20, 28, 28))
    test[:, 0, 1] = rng.normal(0.0, 5.0, 20)
    train_codes, test_codes = represent.pca_features(train, test, 1)
    np.testing.assert_allclose(np.abs(test_codes[:, 0]), train[:, 0, 0].mean(), rtol=1e-6)
    np.testing.assert_allclose(np.abs(train_codes[:, 0]), np.abs(train[:, 0, 0] - train[:, 0, 0].mean()), atol=1e-9)
    sk = PCA(n_components=1).fit(train.reshape(50, -1))
    np.testing.assert_allclose(np.abs(test_codes), np.abs(sk.transform(test.reshape(20, -1))), atol=1e-9)


def test_latent_curves_are_the_curves_of_the_latent_means(tiny, mnist):
    config = RepresentConfig(budgets=(10, None), train_digits=300, test_digits=120, seed=2)
    got = represent.latent_curves(tiny, mnist, config)
    train = tiny.fast.encode(mnist.x_train[:300])[0]  # the means, not the log-variances
    test = tiny.fast.encode(mnist.x_test[:120])[0]
    expected = represent.budget_curves(train, mnist.y_train[:300], test, mnist.y_test[:120], config)
    assert got["knn"] == pytest.approx(expected["knn"], abs=1 / 120)
    assert got["logistic"] == pytest.approx(expected["logistic"], abs=2 / 120)


# --- evaluate: the k-NN accuracy and active units -----------------------------------------------------------------

class CodeInImage:
    """A stand-in FastModel whose 'images' carry their code in their first two pixels."""

    latent_dim = 2

    def encode(self, x):
        x = np.asarray(x)
        return x.reshape(len(x), -1)[:, :2].astype(np.float32), np.zeros((len(x), 2), np.float32)


def _as_images(codes):
    images = np.zeros((len(codes), 28, 28, 1), np.float32)
    images.reshape(len(codes), -1)[:, :2] = codes
    return images


def test_knn_accuracy_by_hand():
    train, labels, test, test_labels = _neighbour_case()
    loaded = SimpleNamespace(fast=CodeInImage())
    data = SimpleNamespace(x_train=_as_images(train), y_train=labels, x_test=_as_images(test), y_test=test_labels)
    assert evaluate.knn_accuracy(loaded, data) == 1.0  # five neighbours outvote the stray
    assert evaluate.knn_accuracy(loaded, data, neighbours=1) == 0.5


def test_active_units_by_hand():
    # variances of the columns: 2/3 (active), 0 (constant), 0.02 / 3 = 0.0067 (inactive; its sd 0.082 is not)
    z = np.array([[-1.0, 5.0, 0.1], [0.0, 5.0, 0.0], [1.0, 5.0, -0.1]])
    assert evaluate.active_units(z) == 1
    assert evaluate.active_units(z, threshold=0.005) == 2
    assert evaluate.active_units(np.zeros((10, 4))) == 0


# --- compression: rate and distortion -----------------------------------------------------------------------------

def test_model_rate_by_hand():
    # q(z|x) = N((0.5, 0), diag(0.04, 1)); the decoder draws z_1 as a flat grey level and x is black, so the error
    # per pixel of a decoded z is z_1^2: E = 0.5^2 + 0.04 = 0.29 for a sampled z, 0.25 for the mean
    n = 4000
    mu = np.tile([0.5, 0.0], (n, 1))
    log_var = np.tile([np.log(0.04), 0.0], (n, 1))
    fast = FlatDecoder(mu, log_var, level=lambda z: z[:, 0])
    loaded = _loaded(fast, reconstruction="mse", beta=2.0)
    rate = compress.model_rate(loaded, np.zeros((n, 28, 28)), seed=3)
    kl_nats = 0.5 * (0.25 + 0.04 - 1 - np.log(0.04))  # the second dimension is the prior: no cost
    assert rate["kl_bits_per_image"] == pytest.approx(kl_nats / LOG2, rel=1e-5)
    assert rate["mse_at_kl_rate"] == pytest.approx(0.29, abs=0.006)  # Monte Carlo: sd of the mean ~0.0016
    assert rate["mse_of_mean"] == pytest.approx(0.25, rel=1e-6)
    assert rate["reconstruction_nats"] == pytest.approx(784 * 0.29, rel=0.02)  # summed squared error of the draw
    assert rate["code_bits_float32"] == 64 and rate["latent_dim"] == 2 and rate["beta"] == 2.0
    assert rate["test_digits"] == n


def test_model_rate_of_an_autoencoder_by_hand():
    fast = FlatDecoder(np.full((3, 4), 0.2), np.full((3, 4), -np.inf), level=lambda z: z[:, 0])
    rate = compress.model_rate(_loaded(fast, kind="ae"), np.ones((3, 28, 28)))
    assert rate["kl_bits_per_image"] is None and rate["mse_at_kl_rate"] is None
    assert rate["mse_of_mean"] == pytest.approx(0.64, rel=1e-6)  # (1 - 0.2)^2
    assert rate["code_bits_float32"] == 128


def test_pca_rates_by_hand(rng):
    # training images on a line through the mean image: one component reconstructs any image on that line exactly;
    # a test image off the line by 0.3 in one pixel keeps that error: MSE = 0.09 / 784 per pixel
    direction = np.zeros(784)
    direction[100] = 0.6
    direction[200] = 0.8
    mean = np.full(784, 0.1)
    train = mean + rng.normal(0, 1, (40, 1)) * direction
    on_line = mean + 0.7 * direction
    off_line = on_line.copy()
    off_line[300] += 0.3
    test = np.stack([on_line, off_line]).reshape(2, 28, 28)
    [one] = compress.pca_rates(train.reshape(40, 28, 28), test, (1,))
    assert one["dims"] == 1 and one["bits"] == 32
    assert one["mse"] == pytest.approx(0.09 / 784 / 2, rel=1e-6)


def test_mse_per_pixel_by_hand():
    x = np.zeros((2, 28, 28))
    x_hat = np.zeros((2, 28, 28))
    x_hat[0, 0, 0] = 1.0  # one pixel of 1,568 off by 1
    x_hat[1, 5] = 0.5  # 28 pixels off by 0.5
    assert compress.mse_per_pixel(x, x_hat) == pytest.approx((1 + 28 * 0.25) / 1568)


# --- family: prior samples read by a reader that looks at them, and the comparison table --------------------------

def _level_reader(images):
    """Reads a flat image's grey level v as the digit floor(10 v), confidently only when v > 0.5."""
    levels = np.asarray(images).reshape(len(images), -1).mean(axis=1)
    return np.clip(np.floor(levels * 10), 0, 9).astype(int), np.where(levels > 0.5, 0.99, 0.4)


def _sigmoid_of_first(z):
    return 1 / (1 + np.exp(-z[:, 0]))


def test_sample_quality_reads_the_decoded_prior_samples():
    # z ~ N(0, I) decoded to the flat level sigmoid(z_1): confident when z_1 > 0 (half the draws), read as the digit
    # floor(10 sigmoid(z_1)) in 5..9, with P(digit d) = P(d/10 <= sigmoid(z_1) < (d+1)/10) from the normal's CDF
    from scipy.stats import norm

    fast = FlatDecoder(np.zeros((1, 3)), np.zeros((1, 3)), level=_sigmoid_of_first)
    result = sample_quality(fast, _level_reader, n=4000, seed=5)
    assert result["share_confident"] == pytest.approx(0.5, abs=0.03)
    assert result["digits_covered"] == 5 and result["counts"][:5] == [0] * 5
    edges = np.log(np.array([0.5, 0.6, 0.7, 0.8, 0.9]) / (1 - np.array([0.5, 0.6, 0.7, 0.8, 0.9])))
    expected = np.diff(norm.cdf(np.r_[edges, np.inf])) * 4000
    np.testing.assert_allclose(result["counts"][5:], expected, atol=4 * np.sqrt(expected.max()))  # 4 sd (binomial)


def test_sample_quality_depends_on_the_seed_and_the_images():
    fast = FlatDecoder(np.zeros((1, 2)), np.zeros((1, 2)), level=_sigmoid_of_first)
    a, again, b = (sample_quality(fast, _level_reader, n=200, seed=s) for s in (1, 1, 2))
    assert a == again
    assert a["counts"] != b["counts"] and a["seed"] == 1 and b["seed"] == 2
    dark = FlatDecoder(np.zeros((1, 2)), np.zeros((1, 2)), level=lambda z: np.full(len(z), 0.3))
    assert sample_quality(dark, _level_reader, n=200, seed=1)["share_confident"] == 0.0


def test_digits_covered_counts_a_digit_read_once():
    def reader(images):  # thirteen samples: digits 0-9, then 0, 1, 2 again, all confident
        return np.arange(len(images)) % 10, np.ones(len(images))

    fast = FlatDecoder(np.zeros((1, 2)), np.zeros((1, 2)))
    result = sample_quality(fast, reader, n=13, seed=0)
    assert result["digits_covered"] == 10 and result["counts"] == [2, 2, 2, 1, 1, 1, 1, 1, 1, 1]


def test_comparison_row_puts_each_figure_in_its_column():
    config = {"kind": "vae", "latent_dim": 8, "beta": 0.5}
    run = {"epochs_run": 30, "training_seconds": 450.0}
    metrics = {"negative_elbo": 101.0, "reconstruction_loss": 80.0, "kl_loss": 21.0, "iwae_bound": 97.0,
               "knn_accuracy": 0.93, "active_units": 6, "latent_dim": 8,
               "prior_samples": {"share_confident": 0.71, "digits_covered": 10},
               "priors": {"standard": {"confident_share": 0.69, "fid": 41.5},
                          "learned": {"confident_share": 0.88, "fid": 12.25, "method": "gmm"}}}
    assert comparison_row("m", config, run, metrics) == {
        "model": "m", "kind": "VAE", "latent_dim": 8, "beta": 0.5, "test −ELBO": 101.0, "reconstruction": 80.0,
        "KL": 21.0, "IWAE bound": 97.0, "kNN accuracy": 0.93, "active units": 6, "samples read (≥0.9)": 0.71,
        "digits in samples": 10, "learned prior: samples read (≥0.9)": 0.88, "learned prior FID": 12.25,
        "N(0, I) FID": 41.5, "epochs": 30, "training min": 7.5}
    no_learned = comparison_row("m", config, run, {**metrics, "priors": {"standard": {"fid": 41.5}, "learned": None}})
    assert (no_learned["learned prior: samples read (≥0.9)"], no_learned["learned prior FID"]) == (None, None)
    assert no_learned["N(0, I) FID"] == 41.5
    empty = comparison_row("n", {}, {}, {})
    assert empty["kind"] == "VAE" and all(v is None for k, v in empty.items() if k not in ("model", "kind"))


def test_prior_rows_put_each_priors_figures_in_their_columns():
    from vae_core.family import prior_rows

    shares = [0.1, 0.05, 0.15, 0.1, 0.0, 0.2, 0.1, 0.1, 0.1, 0.1]
    metrics = {"priors": {"standard": {"n": 10000, "confident_share": 0.4, "digits_covered": 9,
                                       "class_shares": shares, "fid": 30.0},
                          "learned": {"n": 10000, "confident_share": 0.9, "digits_covered": 10,
                                      "class_shares": [0.1] * 10, "fid": 5.0, "method": "gmm"}}}
    learned, standard = prior_rows(metrics)
    assert learned == {"prior": "learned prior (gmm)", "samples": 10000, "read (≥0.9)": 0.9, "digits covered": 10,
                       **{str(d): 0.1 for d in range(10)}, "FID": 5.0}
    assert standard["prior"] == "N(0, I)" and standard["4"] == 0.0 and standard["5"] == 0.2
    assert (standard["read (≥0.9)"], standard["FID"]) == (0.4, 30.0)
    only = prior_rows({"priors": {"standard": metrics["priors"]["standard"], "learned": None}})
    assert [r["prior"] for r in only] == ["N(0, I)"]
    assert prior_rows({}) == [] and prior_rows({"priors": "damaged"}) == []


def test_evaluate_model_figures_of_a_stand_in_by_hand():
    # the flat decoder with q = N((1, -1), I): reconstruction 784 log 2, KL 1 nat; beta 3 weighs the KL in the loss
    # only; the codes of the stand-in are all equal, so no unit is active
    n = 60
    fast = FlatDecoder(np.tile([1.0, -1.0], (n, 1)), np.zeros((n, 2)))
    loaded = _loaded(fast, beta=3.0)
    x = _binary_images(n)[..., None]
    data = SimpleNamespace(x_train=x, y_train=np.arange(n) % 10, x_test=x, y_test=np.arange(n) % 10)
    figures = evaluate.evaluate_model(loaded, data, k=5)
    assert figures["reconstruction_loss"] == pytest.approx(784 * LOG2)
    assert figures["kl_loss"] == pytest.approx(1.0)
    assert figures["negative_elbo"] == pytest.approx(784 * LOG2 + 1.0)
    assert figures["loss"] == pytest.approx(784 * LOG2 + 3.0)
    assert 784 * LOG2 < figures["iwae_bound"] < figures["negative_elbo"]
    assert figures["active_units"] == 0 and figures["latent_dim"] == 2
