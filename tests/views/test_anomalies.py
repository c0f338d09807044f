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


def test_without_fashion_mnist_one_warning_and_noise_only(app, tiny, mnist, monkeypatch, tmp_path):
    from ui import app_data
    from vae_core.fashion import load_fashion

    def no_fashion():  # the cache is empty and no download is tried: DataNotFoundError naming tmp_path
        return load_fashion(tmp_path / "fashion-mnist", allow_download=False)

    monkeypatch.setattr(app_data, "fashion", no_fashion)
    _open(app)
    (line,) = [w.value for w in app.warning]
    assert "Fashion-MNIST is not on this server" in line and "python -m vae_core data --fashion" in line
    assert str(tmp_path) not in line and "\n" not in line  # one line, and no server path
    scores = {name: anomaly.score_images(tiny, anomaly.set_images(name, 500, mnist.x_test), k=10)
              for name in ("mnist", "noise")}
    expected = anomaly.roc(scores["mnist"]["negative_elbo"], scores["noise"]["negative_elbo"])[2]
    assert {m.label: m.value for m in app.metric} == {"AUC: MNIST vs uniform noise": f"{expected:.3f}"}
    assert [c for c in app.dataframe[0].value.columns if "Fashion" in c] == []


def test_the_upload_is_the_shared_widget_with_a_draw_tab(app):
    _open(app)
    assert [t.label for t in app.tabs] == ["Upload", "Draw"]
    uploader = app.file_uploader(key="anomaly_upload")
    assert "up to 10 MiB" in uploader.label and uploader.proto.max_upload_size_mb == 10
    uploader.upload("notes.png", b"definitely not an image" * 20, "image/png")
    app.run()
    assert not app.exception
    assert len(app.error) == 1 and "\n" not in app.error[0].value
    assert not [m for m in app.markdown if "of the MNIST test digits scored here" in m.value]


def test_a_damaged_models_line_names_models_not_the_server_folder(store_root, tmp_path, monkeypatch, mnist):
    import shutil

    from streamlit.testing.v1 import AppTest

    from tests.conftest import PROJECT

    root = tmp_path / "store"
    for name in ("good", "broken"):
        shutil.copytree(store_root / "tiny", root / name)
    (root / "broken" / "model.keras").write_bytes(b"not a zip file")
    monkeypatch.setenv("VAE_MODELS_DIR", str(root))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=300)
    at.session_state["model_name"] = "good"
    at.session_state["anomaly_n"] = 500
    at.run()
    open_page(at, "anomalies")
    at.toggle(key="anomaly_all").set_value(True)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    (line,) = [w.value for w in at.warning if w.value.startswith("broken:")]
    assert "models/broken/model.keras" in line and str(tmp_path) not in line, line
    assert [row["model"] for row in at.dataframe[-1].value.to_dict("records")][:1] == ["good"]
