"""The family's pieces: the plain autoencoder, latent paths, traversals, active units, the comparison figures."""

import numpy as np
import pytest

from vae_core.evaluate import active_units, evaluate_model, per_image_losses
from vae_core.family import PlaneBasis, comparison_row, sample_quality, step_changes
from vae_core.generate import latent_path, traversals


@pytest.fixture(scope="module")
def tinyae(store_root):
    from vae_core.artifacts import load_model

    return load_model("tinyae", store_root)


def test_autoencoder_encodes_deterministically_without_a_variance(tinyae, mnist):
    x = mnist.x_test[:64]
    first, log_var = tinyae.fast.encode(x)
    second, _ = tinyae.fast.encode(x)
    np.testing.assert_array_equal(first, second)
    assert np.isneginf(log_var).all()  # a point mass: no spread
    assert tinyae.encoder.output_names == ["z_mean"] or len(tinyae.encoder.outputs) == 1  # no sampling layer
    # the model's own forward pass decodes the code itself, with no noise
    np.testing.assert_allclose(np.asarray(tinyae.vae(x, training=True))[..., 0], tinyae.fast.decode(first),
                               atol=1e-5)


def test_autoencoder_is_trained_on_reconstruction_alone(tinyae):
    assert tinyae.history["kl_loss"] == [0.0] * len(tinyae.history["kl_loss"])
    np.testing.assert_allclose(tinyae.history["loss"], tinyae.history["reconstruction_loss"], rtol=1e-6)


def test_autoencoder_metrics_have_no_elbo(tinyae, tiny, mnist):
    import dataclasses

    small = dataclasses.replace(mnist, x_train=mnist.x_train[:500], y_train=mnist.y_train[:500],
                                x_test=mnist.x_test[:200], y_test=mnist.y_test[:200])
    ae = evaluate_model(tinyae, small, k=2)
    assert ae["kind"] == "ae" and ae["kl_loss"] is None and ae["negative_elbo"] is None and ae["iwae_bound"] is None
    reconstruction, _ = per_image_losses(tinyae, small.x_test)
    assert ae["reconstruction_loss"] == pytest.approx(reconstruction.mean())
    vae = evaluate_model(tiny, small, k=2)
    assert vae["negative_elbo"] == pytest.approx(vae["reconstruction_loss"] + vae["kl_loss"])
    assert 0 <= vae["active_units"] <= 2


@pytest.mark.parametrize("method", ["linear", "spherical"])
def test_paths_start_and_end_at_the_endpoints(method):
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=5), rng.normal(size=5) * 3
    path = latent_path(a, b, 9, method)
    assert path.shape == (9, 5)
    np.testing.assert_allclose(path[0], a, atol=1e-5)
    np.testing.assert_allclose(path[-1], b, atol=1e-5)


def test_spherical_path_keeps_norms_between_the_endpoints_and_turns_evenly():
    a, b = np.array([2.0, 0.0]), np.array([0.0, 4.0])
    path = latent_path(a, b, 5, "spherical")
    norms = np.linalg.norm(path, axis=1)
    np.testing.assert_allclose(norms, [2.0, 2.5, 3.0, 3.5, 4.0], atol=1e-5)  # linear in the norm
    angles = np.degrees(np.arctan2(path[:, 1], path[:, 0]))
    np.testing.assert_allclose(angles, [0, 22.5, 45, 67.5, 90], atol=1e-4)  # a constant turn
    straight = latent_path(a, b, 5, "linear")
    assert np.linalg.norm(straight[2]) < norms[2] - 0.5  # the straight line cuts inside, towards the origin
    rng = np.random.default_rng(2)
    for _ in range(20):
        u, v = rng.normal(size=16), rng.normal(size=16) * rng.uniform(0.5, 2)
        n = np.linalg.norm(latent_path(u, v, 12, "spherical"), axis=1)
        lo, hi = sorted([np.linalg.norm(u), np.linalg.norm(v)])
        assert (n >= lo - 1e-4).all() and (n <= hi + 1e-4).all()


def test_opposite_endpoints_still_give_a_path():
    path = latent_path(np.array([1.0, 0.0, 0.0]), np.array([-1.0, 0.0, 0.0]), 5, "spherical")
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(path[-1], [-1, 0, 0], atol=1e-5)


def test_unknown_path_is_refused():
    with pytest.raises(ValueError):
        latent_path(np.zeros(2), np.ones(2), 3, "wiggly")


def test_traversals_sweep_one_dimension_at_a_time(store_root):
    from vae_core.artifacts import load_model

    tiny3 = load_model("tiny3", store_root)
    base = np.array([0.3, -0.2, 0.5], np.float32)
    rows = traversals(tiny3.fast, base, steps=5, span=3.0)
    assert rows.shape == (3, 5, 28, 28)
    z = base.copy()
    z[1] = -1.5  # row 1 (dimension 2), column 1 of linspace(-3, 3, 5)
    np.testing.assert_allclose(rows[1, 1], tiny3.fast.decode(z[None])[0], atol=1e-6)


def test_active_units_counts_dimensions_whose_means_vary():
    rng = np.random.default_rng(0)
    z = np.stack([rng.normal(0, 1.0, 5000), rng.normal(0, 0.05, 5000), rng.normal(3, 0.2, 5000),
                  np.full(5000, 7.0)], axis=1)  # variances 1, 0.0025, 0.04, 0
    assert active_units(z) == 2
    assert active_units(z, threshold=0.001) == 3


def test_step_changes_by_hand():
    images = np.zeros((3, 28, 28))
    images[1, :14] = 1.0  # half the pixels change by 1
    np.testing.assert_allclose(step_changes(images), [0.5, 0.5])


def test_sample_quality_counts_confident_readings(tiny):
    def reader(images):  # labels 0..9 in turn; every other one confident
        n = len(images)
        return np.arange(n) % 10, np.where(np.arange(n) % 2 == 0, 0.95, 0.5)

    result = sample_quality(tiny.fast, reader, n=40, seed=1)
    assert result["share_confident"] == 0.5
    assert result["digits_covered"] == 5  # only the even labels were confident
    assert result["counts"] == [4, 0, 4, 0, 4, 0, 4, 0, 4, 0]


def test_sample_quality_threshold_is_inclusive_and_can_be_changed(tiny):
    def reader(images):  # confidences 0.9 (exactly the threshold), 0.6 and 0.3 in turn, all read as 3
        return np.full(len(images), 3), np.array([0.9, 0.6, 0.3] * (len(images) // 3))

    assert sample_quality(tiny.fast, reader, n=30, seed=1)["counts"][3] == 10  # 0.9 counts at the default 0.9
    assert sample_quality(tiny.fast, reader, n=30, seed=1, threshold=0.5)["share_confident"] == pytest.approx(2 / 3)
    assert sample_quality(tiny.fast, reader, n=30, seed=1, threshold=0.2)["share_confident"] == 1.0


def test_comparison_row_shows_what_applies():
    ae = comparison_row("ae", {"kind": "ae", "latent_dim": 2, "beta": 1.0}, {"epochs_run": 10, "training_seconds": 600},
                        {"reconstruction_loss": 140.0, "kl_loss": None, "active_units": 2})
    assert ae["kind"] == "autoencoder" and ae["beta"] is None and ae["KL"] is None and ae["training min"] == 10
    vae = comparison_row("b", {"latent_dim": 2, "beta": 4.0}, {}, {"negative_elbo": 160.0, "kl_loss": 3.0,
                                                                  "prior_samples": {"share_confident": 0.7,
                                                                                    "digits_covered": 9}})
    assert vae["kind"] == "VAE" and vae["beta"] == 4.0 and vae["samples read (≥0.9)"] == 0.7
    assert vae["digits in samples"] == 9 and vae["training min"] is None


def test_plane_basis_round_trip():
    rng = np.random.default_rng(0)
    two = PlaneBasis(rng.normal(size=(100, 2)))
    xy = rng.normal(size=(4, 2))
    np.testing.assert_allclose(two.to_plane(xy), xy, atol=1e-6)
    z = rng.normal(size=(300, 3)) * [3.0, 1.0, 0.1]  # most variance along the first axis
    three = PlaneBasis(z)
    np.testing.assert_allclose(three.to_plane(three.from_plane(xy)), xy, atol=1e-5)
    assert abs(three.axes[0, 0]) > 0.99  # the first component is the widest axis
    from sklearn.decomposition import PCA

    sixteen = rng.normal(size=(500, 16)) @ rng.normal(size=(16, 16))
    pca = PCA(n_components=2, random_state=0).fit(sixteen)  # the same axes and signs as scikit-learn's PCA
    np.testing.assert_allclose(PlaneBasis(sixteen).axes, pca.components_, atol=1e-10)
    np.testing.assert_allclose(PlaneBasis(sixteen).centre, pca.mean_, atol=1e-12)
