"""With an empty model store the app explains how to train and can train a quick model in the background."""

import time

from streamlit.testing.v1 import AppTest

from tests.conftest import PROJECT


def test_no_model_page_trains_a_quick_model(tmp_path, monkeypatch, mnist):
    from ui import training_job

    monkeypatch.setenv("VAE_MODELS_DIR", str(tmp_path))
    monkeypatch.setitem(training_job.QUICK, "epochs", 1)
    monkeypatch.setitem(training_job.QUICK, "train_limit", 256)
    monkeypatch.setitem(training_job.QUICK, "test_limit", 128)
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception
    assert at.title[0].value == "No model yet"
    assert any("python -m vae_core train --name default" in m.value for m in at.markdown)
    at.button[0].click()
    at.run()
    assert not at.exception
    from ui.resources import training_job as job

    deadline = time.time() + 300
    while not job().done and time.time() < deadline:
        time.sleep(0.5)
    assert job().error is None, job().error
    assert (tmp_path / "quick" / "model.keras").is_file()
    at.run()
    assert at.title[0].value == "Latent explorer"  # the app found the new model
