import subprocess
import sys
import time

import numpy as np

from vae_core import embed, projections
from vae_core.config import ProjectionConfig
from vae_core.history import best_epoch, lr_drop_epochs, smooth


def test_subsets_nest_and_are_seeded():
    a = projections.subset_indices(10000, 2000, seed=42)
    b = projections.subset_indices(10000, 5000, seed=42)
    assert len(set(a)) == 2000 and (b[:2000] == a).all()


def test_projections_shapes_and_determinism(rng):
    z = rng.normal(size=(300, 4)).astype(np.float32)
    for method in projections.METHODS:
        a = projections.project(z, method)
        b = projections.project(z, method)
        assert a.shape == (300, 2)
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_pca_of_one_dimension(rng):
    out = projections.pca(rng.normal(size=(50, 1)))
    assert out.shape == (50, 2) and (out[:, 1] == 0).all()


def test_tsne_uses_reference_settings(monkeypatch, rng):
    from sklearn import manifold

    seen = {}
    real = manifold.TSNE

    def spy(**kw):
        seen.update(kw)
        return real(**kw)

    monkeypatch.setattr(manifold, "TSNE", spy)
    projections.tsne(rng.normal(size=(200, 2)))
    assert seen["perplexity"] == 30 and seen["max_iter"] == 1000 and seen["random_state"] == 42


def test_importing_projections_loads_no_keras():
    code = "import sys, vae_core.projections; assert 'keras' not in sys.modules and 'tensorflow' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_disk_cache_round_trip(tiny, mnist):
    stats = embed.latent_stats(tiny, mnist.x_test, "test")
    assert stats.shape == (10000, 2, 2)
    mean, _ = tiny.fast.encode(mnist.x_test[:50])
    np.testing.assert_allclose(stats[:50, 0], mean, atol=1e-5)
    config = ProjectionConfig()
    idx, first = embed.projection(tiny, stats[:, 0], "pca", 500, config)
    assert embed.is_cached(tiny, 10000, "pca", 500, config)
    start = time.perf_counter()
    idx2, second = embed.projection(tiny, stats[:, 0], "pca", 500, config)
    assert time.perf_counter() - start < 0.1
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(idx, idx2)
    files = list((tiny.folder / "cache").glob("*.npy"))
    assert files and all(f.name.split("-")[-2] == tiny.file_hash[:16] for f in files)


def test_damaged_cache_file_is_recomputed(tiny, mnist):
    stats = embed.latent_stats(tiny, mnist.x_test, "test")
    path = embed._cache_path(tiny, "latent", {"split": "test", "n": 10000})
    path.write_bytes(b"garbage")
    np.testing.assert_array_equal(embed.latent_stats(tiny, mnist.x_test, "test"), stats)


def test_smoothing_keeps_length_and_reflects():
    values = np.arange(10, dtype=float)
    out = smooth(values, 7)
    assert out.shape == (10,)
    # reflected at the ends: window at index 0 is [2,1,0,0,1,2,3] (scipy "reflect" repeats the edge)
    assert out[0] == np.mean([2, 1, 0, 0, 1, 2, 3])
    np.testing.assert_allclose(out[3:7], values[3:7])  # linear inside: the mean is the centre
    assert (smooth(values, 1) == values).all()


def test_lr_drops_and_best_epoch():
    assert lr_drop_epochs([1e-3, 1e-3, 5e-4, 5e-4, 2.5e-4]) == [3, 5]  # lowered at the end of epochs 3 and 5
    assert best_epoch([3.0, 1.0, 2.0]) == 2 and best_epoch([]) is None
