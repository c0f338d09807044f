"""Damaged caches and JSON files never break a page: each shows what is wrong in one line, or is repaired."""

import json
import shutil

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import PROJECT
from tests.views.conftest import open_page
from vae_core import embed, store


def _app(root, monkeypatch, model):
    monkeypatch.setenv("VAE_MODELS_DIR", str(root))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=300)
    at.session_state["model_name"] = model
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture()
def damaged_root(store_root, tmp_path):
    """Copies of the tiny models under names no other test uses (so no in-memory cache hides the files)."""
    for source, name in (("tiny", "badhistory"), ("tiny", "stale"), ("tinyae", "plainae")):
        shutil.copytree(store_root / source, tmp_path / name, ignore=shutil.ignore_patterns("cache"))
    return tmp_path


def test_a_zero_byte_latent_cache_is_recomputed_on_the_default_page(models_env, tiny, monkeypatch):
    path = embed.latent_cache_file(tiny, "test", 10000)
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(b"")
    st.cache_data.clear()  # the arrays must come from the disk cache, not from an earlier test's memory
    _app(models_env, monkeypatch, "tiny")  # the explorer is the default page
    assert path.stat().st_size > 0  # recomputed and written again


def test_a_history_with_a_null_says_so_on_the_training_page(damaged_root, monkeypatch):
    (damaged_root / "badhistory" / store.HISTORY_FILE).write_text(
        json.dumps({"loss": [1.0, 2.0], "val_loss": [1.0, None]}))
    at = open_page(_app(damaged_root, monkeypatch, "badhistory"), "training")
    assert [e.value for e in at.error] == [
        "The training history cannot be shown: history.json: 'val_loss' has null at epoch 2, not a number"]


def test_stale_metrics_are_not_shown_as_the_current_models(damaged_root, monkeypatch):
    metrics = {"negative_elbo": 150.0, "knn_accuracy": 0.5, "iwae_bound": 149.0, "iwae_k": 50,
               store.METRICS_HASH_KEY: "0" * 64}
    (damaged_root / "stale" / store.METRICS_FILE).write_text(json.dumps(metrics))
    at = _app(damaged_root, monkeypatch, "stale")
    assert not [m for m in at.sidebar.metric if m.label == "Test −ELBO"]
    assert [c.value for c in at.sidebar.caption if "earlier model file" in c.value]
    metrics[store.METRICS_HASH_KEY] = store.sha256_of(damaged_root / "stale" / store.MODEL_FILE)
    (damaged_root / "stale" / store.METRICS_FILE).write_text(json.dumps(metrics))
    at.run()
    assert [m.value for m in at.sidebar.metric if m.label == "Test −ELBO"] == ["150.0"]
    metrics["knn_accuracy"] = None
    (damaged_root / "stale" / store.METRICS_FILE).write_text(json.dumps(metrics))
    at.run()
    assert not at.exception and not at.sidebar.metric
    assert [c.value for c in at.sidebar.caption if "no value for 'knn_accuracy'" in c.value]


def test_config_with_nulls_does_not_break_the_sidebar(damaged_root, monkeypatch):
    path = damaged_root / "stale" / store.CONFIG_FILE
    saved = json.loads(path.read_text())
    saved["run"].update(best_val_loss=None, training_seconds=None, epochs_run=2.0)
    path.write_text(json.dumps(saved))
    at = _app(damaged_root, monkeypatch, "stale")
    assert [c.value for c in at.sidebar.caption if c.value.startswith("? epochs, best")]


def test_the_sidebar_describes_an_autoencoder(damaged_root, monkeypatch):
    model_hash = store.sha256_of(damaged_root / "plainae" / store.MODEL_FILE)
    (damaged_root / "plainae" / store.METRICS_FILE).write_text(json.dumps({
        "reconstruction_loss": 120.5, "kl_loss": None, "negative_elbo": None, "iwae_bound": None, "iwae_k": 50,
        "knn_accuracy": 0.75, store.METRICS_HASH_KEY: model_hash}))
    at = _app(damaged_root, monkeypatch, "plainae")
    assert [m.value for m in at.sidebar.metric] == ["120.5", "75.0%"]
    assert [m.label for m in at.sidebar.metric][0] == "Test reconstruction"
    text = " ".join(m.value for m in at.sidebar.markdown)
    assert "autoencoder" in text and "β" not in text
    assert not [c for c in at.sidebar.caption if "IWAE" in c.value]


def test_a_damaged_autoencoder_beside_interpolation_is_one_line(damaged_root, monkeypatch):
    (damaged_root / "plainae" / store.MODEL_FILE).write_bytes(b"PK\x03\x04 not a zip")  # the AE chosen by default
    at = open_page(_app(damaged_root, monkeypatch, "stale"), "interpolation")
    (line,) = [w.value for w in at.warning if w.value.startswith("plainae:")]
    assert "models/plainae/model.keras" in line and str(damaged_root) not in line
    assert len([i for i in at.image if "path through stale" in " ".join(i.captions)]) == 2  # the page's own paths
