"""AppTest of the Compare models and Interpolation pages, values checked against the core."""

import base64
import json

import numpy as np

from tests.views.conftest import open_page
from vae_core.projections import subset_indices


def _array(data) -> np.ndarray:
    if isinstance(data, dict):  # plotly >= 6 sends typed arrays as base64
        return np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"])
    return np.asarray(data, dtype=float)


def _traces(chart) -> dict:
    return {t.get("name"): t for t in json.loads(chart.proto.spec)["data"]}


def test_compare_shows_the_same_digits_through_each_model(app, tiny, store_root, mnist):
    from vae_core.artifacts import load_model

    open_page(app, "compare")
    app.multiselect[0].set_value(["tiny", "tinyae"])
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    spec = json.loads(app.get("plotly_chart")[0].proto.spec)
    indices = subset_indices(10000, 2000)
    expected = {"tiny": tiny.fast.encode(mnist.x_test)[0], "tinyae": load_model("tinyae", store_root).fast.encode(
        mnist.x_test)[0]}
    # every panel's digit-0 trace holds the chosen test digits labelled 0, at that model's latent means
    zeros = indices[mnist.y_test[indices] == 0]
    panels = [t for t in spec["data"] if t.get("name") == "digit 0"]
    assert len(panels) == 2
    for trace, name in zip(panels, ["tiny", "tinyae"], strict=True):
        np.testing.assert_allclose(_array(trace["x"]), expected[name][zeros, 0], atol=1e-5)
        np.testing.assert_allclose(_array(trace["y"]), expected[name][zeros, 1], atol=1e-5)
    table = app.dataframe[0].value
    assert list(table["model"]) == ["tiny", "tinyae"]
    assert list(table["kind"]) == ["VAE", "autoencoder"]


def test_compare_needs_two_models(app):
    open_page(app, "compare")
    app.multiselect[0].set_value(["tiny"])
    app.run()
    assert any("two or more" in i.value for i in app.info)


def test_interpolation_path_joins_the_two_test_digits(app, tiny, mnist):
    from vae_core.generate import latent_path

    open_page(app, "interpolation")
    app.number_input(key="interp_A_index").set_value(3)
    app.number_input(key="interp_B_index").set_value(5)
    app.slider[0].set_value(7)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    means = tiny.fast.encode(mnist.x_test[:10])[0]
    traces = _traces(app.get("plotly_chart")[0])
    for method in ("linear", "spherical"):
        expected = latent_path(means[3], means[5], 7, method)
        np.testing.assert_allclose(_array(traces[f"{method} path"]["x"]), expected[:, 0], atol=1e-5)
        np.testing.assert_allclose(_array(traces[f"{method} path"]["y"]), expected[:, 1], atol=1e-5)
    changes = _traces(app.get("plotly_chart")[1])
    assert set(changes) == {"tiny, linear", "tiny, spherical", "tinyae, linear"}  # the AE beside it by default
    assert len(_array(changes["tiny, linear"]["y"])) == 6


def test_interpolation_from_a_point_on_the_plane(app, tiny):
    open_page(app, "interpolation")
    app.radio(key="interp_B_source").set_value("Point on the plane")
    app.run()
    app.number_input(key="interp_B_x").set_value(1.5)
    app.number_input(key="interp_B_y").set_value(-0.5)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    path = _traces(app.get("plotly_chart")[0])["linear path"]
    assert _array(path["x"])[-1] == 1.5 and _array(path["y"])[-1] == -0.5


def test_compare_table_shows_each_models_metrics_in_their_columns(store_root, mnist, tmp_path, monkeypatch):
    # metrics.json written here with a distinct number per figure: every column must show its own file's value
    import shutil

    from streamlit.testing.v1 import AppTest

    from tests.conftest import PROJECT
    from ui import family as F
    from vae_core import store
    from vae_core.files import sha256_of

    figures = {"tiny": {"negative_elbo": 150.0, "reconstruction_loss": 140.0, "kl_loss": 10.0, "iwae_bound": 148.0,
                        "knn_accuracy": 0.81, "active_units": 2,
                        "prior_samples": {"share_confident": 0.6, "digits_covered": 9}},
               "tinyae": {"negative_elbo": None, "reconstruction_loss": 120.0, "kl_loss": None, "iwae_bound": None,
                          "knn_accuracy": 0.77, "active_units": 1},
               "other": {"kl_loss": 7.0, "reconstruction_loss": 145.0}}  # not chosen: a grey point of the chart
    for name, metrics in figures.items():
        shutil.copytree(store_root / ("tiny" if name == "other" else name), tmp_path / name)
        metrics[store.METRICS_HASH_KEY] = sha256_of(tmp_path / name / store.MODEL_FILE)
        (tmp_path / name / store.METRICS_FILE).write_text(json.dumps(metrics))
    monkeypatch.setenv("VAE_MODELS_DIR", str(tmp_path))
    F.stored_rate_distortion.clear()
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=300)
    app.run()
    open_page(app, "compare")
    app.multiselect[0].set_value(["tiny", "tinyae"])
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    table = app.dataframe[0].value.set_index("model")
    vae, ae = table.loc["tiny"], table.loc["tinyae"]
    assert (vae["test −ELBO"], vae["reconstruction"], vae["KL"], vae["IWAE bound"]) == (150.0, 140.0, 10.0, 148.0)
    assert (vae["kNN accuracy"], vae["active units"], vae["samples read (≥0.9)"], vae["digits in samples"]) == (
        0.81, 2, 0.6, 9)
    assert (ae["reconstruction"], ae["kNN accuracy"], ae["active units"]) == (120.0, 0.77, 1)
    assert np.isnan(float(ae["KL"])) and np.isnan(float(ae["beta"]))  # n/a for an autoencoder
    assert (vae["latent_dim"], vae["beta"]) == (2, 1.0)
    # the rate-distortion chart: the chosen VAE at its (KL, reconstruction), the store's other VAE in grey
    traces = json.loads(app.get("plotly_chart")[-1].proto.spec)["data"]
    points = {t["text"][0].strip(): (t["x"], t["y"]) for t in traces if t.get("mode") == "markers+text"}
    F.stored_rate_distortion.clear()
    assert points == {"tiny": ([10.0], [140.0]), "other": ([7.0], [145.0])}
