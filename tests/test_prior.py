"""vae_core.prior (the learned prior: fit, sample, file) and vae_core.fid (the Fréchet distance)."""

import json

import numpy as np
import pytest

from vae_core import prior
from vae_core.fid import frechet_distance, gaussian_stats

HASH = "ab" * 32


def _two_clusters(rng, n=1500):
    """Codes in two tight clusters at x = -6 and x = +6 (2-D), nothing in between."""
    left = rng.normal((-6.0, 0.0), 0.3, size=(n, 2))
    right = rng.normal((6.0, 0.0), 0.3, size=(n, 2))
    return np.concatenate([left, right])


def _lands_in_both_and_not_between(z):
    left, right = (z[:, 0] < -4).mean(), (z[:, 0] > 4).mean()
    assert 0.4 < left < 0.6 and 0.4 < right < 0.6
    assert (np.abs(z[:, 0]) < 3).sum() == 0  # 10 cluster widths from either centre


def test_gmm_on_two_clusters_samples_both_and_nothing_between(rng):
    fitted = prior.fit_gmm(_two_clusters(rng), sizes=(1, 2, 4))
    assert fitted.info["components"] >= 2  # one Gaussian would put its mass in the empty middle
    assert fitted.info["held_out_log_likelihood"][2] > fitted.info["held_out_log_likelihood"][1]
    _lands_in_both_and_not_between(prior.sample(fitted, 4000, seed=1))


def test_one_gaussian_would_fill_the_gap(rng):
    # the check above can fail: a single Gaussian's samples do land between the clusters
    fitted = prior.fit_gmm(_two_clusters(rng), sizes=(1,))
    with pytest.raises(AssertionError):
        _lands_in_both_and_not_between(prior.sample(fitted, 4000, seed=1))


def test_mixture_of_posteriors_on_two_clusters(rng):
    codes = _two_clusters(rng)
    log_var = np.full_like(codes, np.log(0.05))
    fitted = prior.fit_posteriors(codes, log_var, components=200)
    assert fitted.means.shape == (200, 2) and np.allclose(fitted.covariances[:, 0, 0], 0.05 + prior.REGULARISATION)
    _lands_in_both_and_not_between(prior.sample(fitted, 4000, seed=1))


def test_an_autoencoders_point_codes_can_be_sampled(rng):
    codes = rng.normal(size=(300, 2))
    fitted = prior.fit_posteriors(codes, np.full_like(codes, -np.inf), components=50)
    z = prior.sample(fitted, 100)
    assert np.isfinite(z).all()
    # each draw is within a hair of one of the 50 codes
    assert np.min(np.linalg.norm(z[:, None] - fitted.means[None], axis=2), axis=1).max() < 0.01


def test_samples_follow_the_weights_and_covariances():
    # two components far apart with weights 0.9 / 0.1 and different spreads: the draws' shares and spreads are those
    mixture = prior.MixturePrior(np.array([0.9, 0.1]), np.array([[-5.0, 0.0], [5.0, 0.0]]),
                                 np.array([np.eye(2) * 0.25, np.diag([1.0, 0.01])]), "gmm")
    z = prior.sample(mixture, 20_000, seed=3).astype(np.float64)
    right = z[:, 0] > 0
    assert right.mean() == pytest.approx(0.1, abs=0.01)  # 3 standard errors of a binomial share is 0.006
    np.testing.assert_allclose(z[~right].std(0), [0.5, 0.5], rtol=0.03)
    np.testing.assert_allclose(z[right].std(0), [1.0, 0.1], rtol=0.06)
    np.testing.assert_allclose(z[right].mean(0), [5.0, 0.0], atol=0.05)


def test_samples_are_seeded_and_standard_matches_generate(rng):
    fitted = prior.fit_gmm(_two_clusters(rng), sizes=(2,))
    assert np.array_equal(prior.sample(fitted, 50, seed=3), prior.sample(fitted, 50, seed=3))
    assert not np.array_equal(prior.sample(fitted, 50, seed=3), prior.sample(fitted, 50, seed=4))
    expected = np.random.default_rng(7).standard_normal((5, 3)).astype(np.float32)  # generate.sample_prior's draws
    assert np.array_equal(prior.draw("standard", None, 3, 5, 7), expected)
    with pytest.raises(ValueError, match="no learned prior"):
        prior.draw("learned", None, 3, 5)


def test_file_round_trip_and_hash_keying(tmp_path, rng):
    fitted = prior.fit_gmm(_two_clusters(rng), sizes=(2,))
    path = prior.save_prior(tmp_path, HASH, fitted)
    assert path.name == f"prior-{HASH[:16]}.npz"
    with np.load(path, allow_pickle=False) as saved:  # arrays only: nothing needs unpickling
        assert set(saved.files) == {"weights", "means", "covariances", "info"}
    back = prior.load_prior(tmp_path, HASH, latent_dim=2)
    assert back.method == "gmm" and back.info["components"] == 2
    for name in ("weights", "means", "covariances"):
        assert np.array_equal(getattr(back, name), getattr(fitted, name))
    assert np.array_equal(prior.sample(back, 20), prior.sample(fitted, 20))
    assert prior.load_prior(tmp_path, HASH, latent_dim=3) is None  # another shape
    retrained = "cd" * 32
    assert prior.load_prior(tmp_path, retrained) is None  # a retrained model never reads the old prior
    prior.save_prior(tmp_path, retrained, fitted)
    assert not path.exists() and prior.load_prior(tmp_path, HASH) is None


def test_a_file_renamed_to_another_hash_is_refused(tmp_path, rng):
    fitted = prior.fit_gmm(_two_clusters(rng), sizes=(2,))
    path = prior.save_prior(tmp_path, HASH, fitted)
    other = "ef" * 32
    path.rename(prior.prior_path(tmp_path, other))  # the hash inside still names the first model file
    assert prior.load_prior(tmp_path, other) is None


@pytest.mark.parametrize("damage", [b"", b"not a zip", None])
def test_a_damaged_prior_is_none(tmp_path, rng, damage):
    path = prior.prior_path(tmp_path, HASH)
    if damage is None:  # a valid archive whose covariance is not positive definite
        np.savez(path, weights=np.ones(1), means=np.zeros((1, 2)), covariances=-np.eye(2)[None],
                 info=np.array(json.dumps({"method": "gmm", "model_sha256": HASH})))
    else:
        path.write_bytes(damage)
    assert prior.load_prior(tmp_path, HASH) is None


def test_fid_is_zero_on_identical_sets_and_grows_with_a_shift(rng):
    features = rng.normal(size=(3000, 6)) @ rng.normal(size=(6, 6))
    stats = gaussian_stats(features)
    assert frechet_distance(*stats, *stats) == pytest.approx(0.0, abs=1e-8)
    distances = [frechet_distance(*stats, *gaussian_stats(features + shift)) for shift in (0.5, 1.0, 2.0)]
    # the same covariance: the distance is the squared length of the mean's shift, 6 * shift²
    assert distances == pytest.approx([6 * 0.25, 6 * 1.0, 6 * 4.0], rel=1e-6)


def test_fid_of_different_spreads_matches_the_closed_form():
    # N(0, a² I) vs N(0, b² I) in d dimensions: d (a - b)²
    d, a, b = 5, 1.0, 3.0
    value = frechet_distance(np.zeros(d), a**2 * np.eye(d), np.zeros(d), b**2 * np.eye(d))
    assert value == pytest.approx(d * (a - b) ** 2)
    singular = np.diag([1.0, 0.0, 4.0, 0.0, 9.0])  # always-zero ReLU units
    assert frechet_distance(np.zeros(d), singular, np.zeros(d), singular) == pytest.approx(0.0, abs=1e-9)


def test_sample_report_counts_confident_digits():
    def read(images):  # label = first pixel * 10, confidence = second pixel
        flat = images.reshape(len(images), -1)
        return (flat[:, 0] * 10).astype(int), flat[:, 1]

    images = np.zeros((4, 28, 28))
    images[:, 0, 0] = [0.1, 0.1, 0.3, 0.5]
    images[:, 0, 1] = [0.95, 0.95, 0.92, 0.2]
    report = prior.sample_report(images, read)
    assert report["confident_share"] == 0.75 and report["digits_covered"] == 2
    assert report["class_shares"][1] == pytest.approx(2 / 3, abs=1e-4)
    assert report["class_shares"][3] == pytest.approx(1 / 3, abs=1e-4) and report["class_shares"][5] == 0


def test_prior_module_imports_no_keras():
    import subprocess
    import sys

    code = "import sys, vae_core.prior, vae_core.fid; print('keras' in sys.modules or 'tensorflow' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
