"""ui.server_tuning (what it adds to Streamlit's after-run cleanup) and the server's lean model path."""

import subprocess
import sys
import types

from streamlit.runtime.scriptrunner import script_runner

from tests.conftest import PROJECT
from ui import server_tuning


def test_install_adds_trim_and_freeze_after_streamlits_own_cleanup(monkeypatch):
    calls = []
    monkeypatch.setattr(script_runner, "_clean_problem_modules", lambda: calls.append("streamlit"))
    monkeypatch.setitem(server_tuning._state, "installed", False)
    monkeypatch.setattr(server_tuning, "release_freed_memory", lambda: calls.append("trim"))
    monkeypatch.setattr(server_tuning, "freeze_if_new_modules", lambda: calls.append("freeze"))
    server_tuning.install()
    server_tuning.install()  # once per process
    script_runner._clean_problem_modules()  # what ScriptRunner calls after every run, looked up by name
    assert calls == ["streamlit", "freeze", "trim"]
    source = open(script_runner.__file__).read()
    assert "_log_if_error(_clean_problem_modules)" in source  # Streamlit still calls it by that name


def test_importing_ui_resources_changes_nothing_in_streamlit():
    script = ("from streamlit.runtime.scriptrunner import script_runner as s\n"
              "before = s._clean_problem_modules\n"
              "import gc, ui.resources, ui.server_tuning\n"
              "print(s._clean_problem_modules is before, gc.get_freeze_count())\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["True", "0"]


def test_freeze_only_when_modules_were_imported(monkeypatch):
    monkeypatch.setitem(server_tuning._state, "frozen_modules", 0)
    assert server_tuning.freeze_if_new_modules()
    assert not server_tuning.freeze_if_new_modules()  # nothing new imported
    monkeypatch.setitem(sys.modules, "a_module_just_imported", types.ModuleType("a_module_just_imported"))
    assert server_tuning.freeze_if_new_modules()
    import gc

    gc.unfreeze()


def test_release_freed_memory_returns_a_fragmented_heap():
    # 30,000 small arrays live in glibc's heap (below its mmap threshold); one in fifty stays, so the freed chunks
    # are holes that glibc keeps rather than the heap's top that it returns by itself.
    script = (
        "import numpy as np, psutil, ui.server_tuning as T\n"
        "rss = lambda: psutil.Process().memory_info().rss / 2**20\n"
        "arrays = [np.ones(2000) for _ in range(30_000)]\n"
        "kept = arrays[::50]\n"
        "del arrays\n"
        "before = rss()\n"
        "assert T.release_freed_memory()\n"
        "print(before - rss())\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert float(result.stdout.split()[-1]) > 250  # of ~450 MiB freed


def test_the_server_side_loads_no_tensorflow():
    """Every ui module and what the pages call (encode, decode, grid, samples, scores, IWAE, digits read, the
    browser's decoder file, the learned prior read, fitted and sampled) in a fresh process: neither TensorFlow nor
    Keras gets imported."""
    script = (
        "import importlib, pkgutil, sys, numpy as np\n"
        "for m in pkgutil.iter_modules(['ui']): importlib.import_module('ui.' + m.name)\n"
        "from ui import app_data, family, holes, latent_plane, resources\n"
        "from vae_core import anomaly, classifier, compress, embed, evaluate, export, generate, represent, store\n"
        "from vae_core import prior\n"
        "from vae_core.family import prior_rows\n"
        "from vae_core.artifacts import load_model\n"
        "for name in ('default', 'ae'):\n"
        "    m = load_model(name, store.PROJECT_ROOT / 'models', lean=True)\n"
        "    x = np.random.default_rng(0).random((12, 28, 28), dtype=np.float32)\n"
        "    evaluate.describe_digits(m, x); evaluate.per_image_losses(m, x); anomaly.score_images(m, x, k=3)\n"
        "    generate.decode_grid(m.fast, 15, 3.0); generate.sample_prior(m.fast, 20, 0)\n"
        "    generate.traversals(m.fast, np.zeros(2)); export.decoder_tensors(m); classifier.read_digits(x)\n"
        "    ref = resources.model_ref(name); resources.learned_prior(ref)\n"
        "    resources.prior_samples(ref, 'standard', 5, 0)\n"
        "    fitted = prior.fit_prior(*resources.latent_stats(name, ref.file_hash)[:300].transpose(1, 0, 2))\n"
        "    m.fast.decode(prior.draw('learned', fitted, 2, 5, 0)); prior_rows({})\n"
        "resources._import_umap_without_tensorflow(); import umap; assert umap.UMAP\n"
        "print(sorted({'tensorflow', 'keras'} & set(sys.modules)))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[-1] == "[]"
