import subprocess
import sys

import numpy as np
import pytest

from tests.test_result_cache import damage_npy
from vae_core import embed, projections
from vae_core.config import ProjectionConfig
from vae_core.history import best_epoch, check_history, kept_epoch, lr_drop_epochs, smooth


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


def test_disk_cache_round_trip(tiny, mnist, monkeypatch):
    stats = embed.latent_stats(tiny, mnist.x_test, "test")
    assert stats.shape == (10000, 2, 2)
    mean, _ = tiny.fast.encode(mnist.x_test[:50])
    np.testing.assert_allclose(stats[:50, 0], mean, atol=1e-5)
    config = ProjectionConfig()
    idx, first = embed.projection(tiny, stats[:, 0], "pca", 500, config)
    assert embed.is_cached(tiny, 10000, "pca", 500, config)

    def no_recompute(*_args, **_kwargs):
        raise AssertionError("recomputed although the result is on disk")

    monkeypatch.setattr(projections, "project", no_recompute)  # a hit must not compute
    monkeypatch.setattr(type(tiny.fast), "encode", no_recompute)
    idx2, second = embed.projection(tiny, stats[:, 0], "pca", 500, config)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(idx, idx2)
    np.testing.assert_array_equal(embed.latent_stats(tiny, mnist.x_test, "test"), stats)
    files = list((tiny.folder / "cache").glob("*.npy"))
    assert files and all(f.name.split("-")[-2] == tiny.file_hash[:16] for f in files)


DAMAGE = ["empty", "truncated", "garbage", "pickle", "wrong-shape", "nan"]


@pytest.mark.parametrize("how", DAMAGE)
def test_damaged_latent_cache_is_recomputed(tiny, mnist, monkeypatch, how):
    stats = embed.latent_stats(tiny, mnist.x_test, "test")
    path = embed.latent_cache_file(tiny, "test", 10000)
    damage_npy(path, how)
    calls = []
    real = type(tiny.fast).encode
    monkeypatch.setattr(type(tiny.fast), "encode", lambda self, x: (calls.append(len(x)), real(self, x))[1])
    # the first cache may have come from the lean (NumPy) encoder of another test: equal within float32 rounding
    again = embed.latent_stats(tiny, mnist.x_test, "test")
    np.testing.assert_allclose(again, stats, atol=1e-5)
    assert calls == [10000]  # recomputed once
    np.testing.assert_array_equal(np.load(path, allow_pickle=False), again)  # and the file repaired


@pytest.mark.parametrize("how", DAMAGE)
def test_damaged_projection_cache_is_recomputed(tiny, mnist, monkeypatch, how):
    z_mean = embed.latent_stats(tiny, mnist.x_test, "test")[:, 0]
    _, first = embed.projection(tiny, z_mean, "pca", 300)
    path = embed.projection_cache_file(tiny, 10000, "pca", 300)
    damage_npy(path, how)
    calls = []
    real = projections.project
    monkeypatch.setattr(projections, "project", lambda *a, **k: (calls.append(1), real(*a, **k))[1])
    _, again = embed.projection(tiny, z_mean, "pca", 300)
    np.testing.assert_allclose(again, first, atol=1e-5)
    assert calls == [1]


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
    # EarlyStopping's rule: an epoch counts only when it beats the best by more than min_delta (1e-4)
    assert best_epoch([3.0, 2.99995]) == 1 and best_epoch([3.0, 2.99995], min_delta=0) == 2
    assert best_epoch([3.0, 2.99995, 2.9998]) == 3
    assert best_epoch([float("nan"), 2.0, float("nan")]) == 2 and best_epoch([float("nan")]) is None


def test_best_epoch_is_the_one_config_json_records(store_root):
    """The sidebar (config.json), the Training page and the chart's star name the same epoch."""
    import json

    for name in ("tiny", "tiny3", "tinyae"):
        folder = store_root / name
        run = json.loads((folder / "config.json").read_text())["run"]
        history = json.loads((folder / "history.json").read_text())
        assert best_epoch(history["val_loss"]) == run["best_epoch"] == kept_epoch(history, run)
    history = {"val_loss": [3.0, 2.0, 1.0]}
    assert kept_epoch(history, {"best_epoch": 2}) == 2  # the run's record wins
    assert kept_epoch(history, {"best_epoch": 7}) == 3 and kept_epoch(history, None) == 3  # unusable record


@pytest.mark.parametrize(("history", "problem"), [
    ([1, 2], "JSON list, not an object"),
    ({"loss": [1.0]}, "no 'val_loss' series"),
    ({"loss": [1.0, 2.0], "val_loss": [1.0, None]}, "'val_loss' has null at epoch 2"),
    ({"loss": [1.0, 2.0], "val_loss": [1.0, "x"]}, "'val_loss' has 'x' at epoch 2"),
    ({"loss": [1.0, 2.0], "val_loss": [1.0]}, "'val_loss' has 1 epochs but 'loss' has 2"),
    ({"loss": [1.0], "val_loss": [1.0], "seconds": 3}, "'seconds' is a JSON int, not a list"),
    ({"loss": [1.0, 2], "val_loss": [1.0, float("nan")]}, None),
])
def test_history_problems_are_named_in_one_line(history, problem):
    found = check_history(history)
    assert found is None if problem is None else problem in found and "\n" not in found
