import numpy as np
import pytest

from vae_core.generate import decode_grid, grid_axis, grid_points, latent_path, sample_prior


def test_fast_decode_matches_keras_predict(tiny):
    z = np.random.default_rng(0).normal(size=(7, 2)).astype(np.float32)
    expected = tiny.decoder.predict(z, verbose=0)[..., 0]
    np.testing.assert_allclose(tiny.fast.decode(z), expected, atol=1e-6)


def test_fast_encode_matches_keras_predict(tiny, mnist):
    x = mnist.x_test[:300]
    mean, log_var = tiny.fast.encode(x)
    ref_mean, ref_log_var, _ = tiny.encoder.predict(x, verbose=0)
    np.testing.assert_allclose(mean, ref_mean, atol=1e-5)
    np.testing.assert_allclose(log_var, ref_log_var, atol=1e-5)


def test_grid_is_one_batch_with_the_reference_layout(tiny):
    grid = decode_grid(tiny.fast, 15, 3.0)
    assert grid.shape == (15, 15, 28, 28)
    points = grid_points(15, 3.0)
    # row 0 is the top: largest z2; column 0 is the left: smallest z1
    assert points[0].tolist() == [-3.0, 3.0] and points[-1].tolist() == [3.0, -3.0]
    np.testing.assert_allclose(grid[0, 0], tiny.fast.decode([[-3.0, 3.0]])[0], atol=1e-6)
    np.testing.assert_allclose(grid[7, 7], tiny.fast.decode([[0.0, 0.0]])[0], atol=1e-6)


def test_gaussian_grid_axis():
    axis = grid_axis(5, 3.0, gaussian=True)
    # the 5%, 27.5%, 50%, 72.5% and 95% points of N(0, 1) (tables: z_0.95 = 1.6449, z_0.725 = 0.5978)
    np.testing.assert_allclose(axis, [-1.644854, -0.597760, 0.0, 0.597760, 1.644854], atol=1e-5)
    samples = np.random.default_rng(0).standard_normal(200_000)
    np.testing.assert_allclose((samples[:, None] < axis).mean(axis=0), [0.05, 0.275, 0.5, 0.725, 0.95], atol=0.005)


def test_grid_for_higher_latent_dims_keeps_the_base():
    base = np.arange(4, dtype=np.float32)
    z = grid_points(3, 1.0, latent_dim=4, dims=(1, 3), base=base)
    assert z.shape == (9, 4)
    assert (z[:, 0] == 0).all() and (z[:, 2] == 2).all()
    assert sorted(set(z[:, 1].tolist())) == [-1.0, 0.0, 1.0]


def test_samples_are_seeded(tiny):
    z1, a = sample_prior(tiny.fast, 20, seed=4)
    z2, b = sample_prior(tiny.fast, 20, seed=4)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (20, 28, 28) and z1.shape == (20, 2)
    assert not np.array_equal(sample_prior(tiny.fast, 20, seed=5)[1], a)


def test_interpolation_endpoints(tiny):
    imgs = tiny.fast.decode(latent_path([-1, -1], [1, 1], 5, "linear"))
    assert imgs.shape == (5, 28, 28)
    np.testing.assert_allclose(imgs[-1], tiny.fast.decode([[1, 1]])[0], atol=1e-6)


@pytest.mark.parametrize("n", [1, 3])
def test_decode_shapes(tiny, n):
    assert tiny.fast.decode(np.zeros((n, 2))).shape == (n, 28, 28)
