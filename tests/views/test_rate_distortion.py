"""The Compare page's rate-distortion chart reads every VAE of the store from disk: only figures that measured the
model file now in the folder, no autoencoder, and the latent-2 models joined in order of β."""

import json
import shutil

from ui import family as F
from ui.compare_charts import rate_distortion
from vae_core import store
from vae_core.files import sha256_of


def _with_metrics(folder, kl, reconstruction, model_hash=None):
    metrics = {"kl_loss": kl, "reconstruction_loss": reconstruction,
               store.METRICS_HASH_KEY: model_hash or sha256_of(folder / store.MODEL_FILE)}
    (folder / store.METRICS_FILE).write_text(json.dumps(metrics))


def test_the_store_seen_from_disk(store_root, tmp_path, monkeypatch):
    for name in ("tiny", "tiny3", "tinyae"):
        shutil.copytree(store_root / name, tmp_path / name)
    shutil.copytree(store_root / "tiny", tmp_path / "stale")
    _with_metrics(tmp_path / "tiny", 5.0, 150.0)
    _with_metrics(tmp_path / "tiny3", 9.0, 140.0)
    _with_metrics(tmp_path / "tinyae", 1.0, 149.0)  # an AE: no rate to speak of, left out
    _with_metrics(tmp_path / "stale", 3.0, 160.0, model_hash="0" * 64)  # measured another file: left out
    monkeypatch.setenv("VAE_MODELS_DIR", str(tmp_path))
    F.stored_rate_distortion.clear()
    try:
        stored = F.stored_rate_distortion()
    finally:
        F.stored_rate_distortion.clear()
    assert sorted((s["name"], s["latent_dim"], s["kl"], s["reconstruction"]) for s in stored) == [
        ("tiny", 2, 5.0, 150.0), ("tiny3", 3, 9.0, 140.0)]


def test_chart_marks_chosen_others_and_the_beta_sweep():
    fig = rate_distortion([("a", 5.0, 150.0)], others=[("b", 9.0, 140.0)],
                          sweep=[(4.0, 4.2, 149.7), (1.0, 6.2, 143.7), (2.0, 5.0, 146.0)])
    line, other, chosen = fig.data
    assert list(line.x) == [6.2, 5.0, 4.2] and [t.strip() for t in line.text] == ["β=1", "β=2", "β=4"]
    assert other.text == ("b",) and other.marker.color.startswith("rgba(128")
    assert chosen.text == ("a",) and list(chosen.x) == [5.0]
