"""What the server keeps in memory when a page's results are already on disk: no UMAP stack, no Fashion-MNIST file."""

import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import PROJECT


def _run(script: str) -> str:
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.split("\n")[-2]


def test_fashion_rows_are_the_files_images(fashion):
    indices = np.array([0, 5, 6999, 7000, 69999])
    assert np.array_equal(fashion.rows(indices), np.asarray(fashion.pixels)[indices])
    assert np.array_equal(fashion.images(indices)[..., 0] * 255, fashion.rows(indices).astype(np.float32))


def test_scoring_fashion_leaves_none_of_its_file_resident(fashion):
    """The Anomalies page's 2,000 seeded images are spread over the whole file: read through the long-lived map,
    read-ahead left all 55 MB of it in the process's RSS."""
    script = (
        "import psutil\n"
        "from vae_core.anomaly import fashion_indices\n"
        "from vae_core.fashion import IMAGES_FILE, load_fashion\n"
        "f = load_fashion(allow_download=False)\n"
        "x = f.images(fashion_indices(len(f.pixels), 2000, 0))\n"
        "print(x.shape, sum(m.rss for m in psutil.Process().memory_maps() if m.path.endswith(IMAGES_FILE)))\n")
    shape, resident = _run(script).rsplit(" ", 1)
    assert shape == "(2000, 28, 28, 1)"
    assert int(resident) < 2**20


def test_a_projection_on_disk_imports_no_umap(mnist):
    """The shipped models carry their UMAP projections: reading one must not import umap (numba, llvmlite and
    pynndescent hold ~120 MiB of the server's memory); computing one still works without TensorFlow."""
    script = (
        "import sys\n"
        "from ui import resources as R\n"
        "ref = R.model_ref('default')\n"
        "assert R.projection_on_disk(ref, 'umap', 2000)\n"
        "indices, xy = R.projection(ref.name, ref.file_hash, 'umap', 2000)\n"
        "print(xy.shape, sorted({'umap', 'numba', 'llvmlite', 'tensorflow'} & set(sys.modules)))\n")
    assert _run(script) == "(2000, 2) []"


def test_test_losses_are_computed_once_then_read_from_disk(models_env, mnist, monkeypatch):
    """The Reconstructions page's per-digit losses: equal to evaluate.per_image_losses, saved next to the model (an
    autoencoder's infinite KL too), and a fresh server process reads them back instead of encoding 10,000 digits."""
    from ui import resources as R
    from vae_core import evaluate, store

    for name in ("tiny", "tinyae"):
        ref = R.model_ref(name)
        for old in (store.model_dir(name) / store.CACHE_DIR).glob("test-losses-*"):
            old.unlink()
        R.test_losses.clear()
        reconstruction, kl = R.test_losses(ref.name, ref.file_hash)
        expected = evaluate.per_image_losses(R.loaded(ref), mnist.x_test, seed=0)
        assert np.array_equal(reconstruction, expected[0]) and np.array_equal(kl, expected[1])
        assert len(list((store.model_dir(name) / store.CACHE_DIR).glob("test-losses-*.npz"))) == 1
        R.test_losses.clear()  # as a new server process: Streamlit's cache is empty, the disk's is not
        with monkeypatch.context() as patched:
            patched.setattr(evaluate, "per_image_losses", lambda *a, **k: pytest.fail("recomputed"))
            again = R.test_losses(ref.name, ref.file_hash)
        assert np.array_equal(again[0], expected[0]) and np.array_equal(again[1], expected[1])
    assert np.isinf(kl).all()  # tinyae's point-mass code, kept as it is


def test_the_pages_cached_paths_import_no_scikit_learn():
    """Every ui module, the ROC curve, the 2-D basis of a 16-d latent, and a shipped model's cached projections,
    anomaly scores and representation figures: scikit-learn (~50 MiB) stays out of the serving process."""
    script = (
        "import importlib, pkgutil, sys, numpy as np\n"
        "for m in pkgutil.iter_modules(['ui']): importlib.import_module('ui.' + m.name)\n"
        "from vae_core import anomaly\n"
        "from vae_core.family import PlaneBasis\n"
        "from ui import resources as R\n"
        "anomaly.roc(np.arange(5.0), np.arange(3.0, 9.0))\n"
        "PlaneBasis(np.random.default_rng(0).normal(size=(200, 16)))\n"
        "ref = R.model_ref('default')\n"
        "R.projection(ref.name, ref.file_hash, 'pca', 2000); R.projection(ref.name, ref.file_hash, 'umap', 2000)\n"
        "print(sorted(m for m in sys.modules if m == 'sklearn' or m.startswith('sklearn.'))[:3])\n")
    assert _run(script) == "[]"
