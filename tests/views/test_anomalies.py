"""AppTest of the Anomalies page: its AUCs and typical digits are the core's."""

import io

import numpy as np
from PIL import Image

from tests.views.conftest import open_page
from vae_core import anomaly


def _open(app):
    app.session_state["anomaly_n"] = 500  # the smallest choice keeps the test fast
    return open_page(app, "anomalies")


def test_aucs_match_the_core(app, tiny, mnist, fashion):
    _open(app)
    assert not app.warning, [w.value for w in app.warning]  # Fashion-MNIST was found
    scores = {name: anomaly.score_images(tiny, anomaly.set_images(name, 500, mnist.x_test, fashion), k=10)
              for name in anomaly.SETS}
    shown = {m.label: m.value for m in app.metric}
    for outlier in anomaly.OUTLIER_SETS:
        expected = anomaly.roc(scores["mnist"]["negative_elbo"], scores[outlier]["negative_elbo"])[2]
        assert shown[f"AUC: MNIST vs {anomaly.SET_LABELS[outlier]}"] == f"{expected:.3f}"
    table = app.dataframe[0].value
    assert table["score"].tolist() == ["negative ELBO", "negative IWAE bound", "reconstruction loss"]
    low, high = anomaly.typical(scores["mnist"]["negative_elbo"], 10)
    captions = [c for image in app.image for c in image.captions]
    assert any(c.startswith(f"lowest scores: #{low[0]} ") for c in captions), captions
    assert any(c.startswith(f"highest scores: #{high[0]} ") for c in captions), captions


def test_upload_shows_a_percentile_and_an_autoencoder_has_one_score(app, mnist):
    _open(app)
    buffer = io.BytesIO()
    Image.fromarray((mnist.x_test[0, ..., 0] * 255).astype(np.uint8)).save(buffer, format="PNG")
    app.file_uploader(key="anomaly_upload").upload("seven.png", buffer.getvalue(), "image/png")
    app.run()
    assert not app.exception and not app.error
    assert any("of the MNIST test digits scored here" in m.value for m in app.markdown)
    app.sidebar.selectbox[0].set_value("tinyae")
    app.run()
    assert not app.exception
    assert app.radio[0].options == ["reconstruction loss"]


def test_without_fashion_mnist_one_warning_and_noise_only(app, monkeypatch, tmp_path):
    from ui import app_data
    from vae_core.fashion import load_fashion

    monkeypatch.setattr(app_data, "fashion", lambda: load_fashion(tmp_path, allow_download=False))
    _open(app)
    assert len(app.warning) == 1 and "python -m vae_core data --fashion" in app.warning[0].value
    assert [m.label for m in app.metric] == ["AUC: MNIST vs uniform noise"]
